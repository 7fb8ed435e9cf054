"""Item replies: JSON with "item summary" and "potential user analysis", as models actually write it."""

from __future__ import annotations

import json

import pytest

from sracl_cli.semantic.replies import item_text_from_reply

GOOD = {"item summary": "A gel nail polish.", "potential user analysis": "People doing nails at home."}
EXPECTED = "A gel nail polish. People doing nails at home."


@pytest.mark.parametrize(
    "reply",
    [
        json.dumps(GOOD),
        "```json\n" + json.dumps(GOOD, indent=2) + "\n```",
        "Here you go: " + json.dumps(GOOD) + " Hope it helps.",
        json.dumps({"Item_Summary": GOOD["item summary"], "potential_user_analysis": GOOD["potential user analysis"]}),
    ],
)
def test_parsable_replies_give_summary_then_analysis(reply):
    assert item_text_from_reply(reply) == (EXPECTED, True)


@pytest.mark.parametrize(
    "reply",
    [
        "A gel nail polish for people doing nails at home.",
        '{"item summary": "only one key"}',
        '{"item summary": "x", "potential user analysis": ["not", "a", "string"]}',
        '{"item summary": "broken", ',
        '["a list"]',
    ],
)
def test_other_replies_are_kept_raw_and_flagged(reply):
    assert item_text_from_reply(reply) == (reply, False)
