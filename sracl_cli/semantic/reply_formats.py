"""`llm.item_reply_format`: let the server constrain item replies to JSON.

Small local models rarely write the JSON object the item prompt asks for (SmolLM2-135M: 0 of 246 items, see
docs/RESULTS.md). OpenAI-compatible servers (OpenAI, vLLM, llama.cpp, Ollama) can constrain decoding:
`json_object` asks for any JSON object, `json_schema` for exactly the two string keys `replies.py` reads.
User prompts ask for a paragraph and are never constrained. The format is part of an item prompt's cache
key, so replies made under one format are never served for another.
"""

from __future__ import annotations

from typing import Any

from sracl_cli.semantic.replies import ANALYSIS_KEY, SUMMARY_KEY

ITEM_REPLY_SCHEMA = {
    "type": "object",
    "properties": {SUMMARY_KEY: {"type": "string"}, ANALYSIS_KEY: {"type": "string"}},
    "required": [SUMMARY_KEY, ANALYSIS_KEY],
    "additionalProperties": False,
}


def item_response_format(item_reply_format: str) -> dict[str, Any] | None:
    """The OpenAI `response_format` for item requests; None for free text."""
    if item_reply_format == "json_object":
        return {"type": "json_object"}
    if item_reply_format == "json_schema":
        schema = {"name": "item_reply", "schema": ITEM_REPLY_SCHEMA, "strict": True}
        return {"type": "json_schema", "json_schema": schema}
    return None
