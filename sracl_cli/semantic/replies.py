"""Turning an item reply into the text to embed.

Item prompts ask for JSON with "item summary" and "potential user analysis". The paper's code embeds the raw
JSON string; sracl embeds "<item summary> <potential user analysis>" when the reply parses (code fences
and text around the object are tolerated, key spelling too: "item_summary", "Item Summary"), else the raw
reply, which the caller counts as unparsable.
"""

from __future__ import annotations

import json
import re

SUMMARY_KEY = "item summary"
ANALYSIS_KEY = "potential user analysis"
_OBJECT = re.compile(r"\{.*\}", re.DOTALL)


def item_text_from_reply(reply: str) -> tuple[str, bool]:
    """(text to embed, whether the reply parsed)."""
    fields = _json_fields(reply)
    summary, analysis = fields.get(SUMMARY_KEY), fields.get(ANALYSIS_KEY)
    if isinstance(summary, str) and isinstance(analysis, str) and summary.strip() and analysis.strip():
        return f"{summary.strip()} {analysis.strip()}", True
    return reply, False


def _json_fields(reply: str) -> dict:
    match = _OBJECT.search(reply)
    if match is None:
        return {}
    try:
        parsed = json.loads(match.group(0))
    except json.JSONDecodeError:
        return {}
    if not isinstance(parsed, dict):
        return {}
    return {" ".join(str(key).replace("_", " ").lower().split()): value for key, value in parsed.items()}
