"""Prompt templates: sracl's default texts (in its own wording), recipe overrides, and their checking.

Fields are filled with `str.format`; `prompts.py` documents what each field holds.

The user messages carry only data (titles, attributes, context sequences) and every instruction sits in the
system texts, so that the `passthrough` provider, which embeds the user message as is, embeds data only.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from pathlib import Path

from sracl_cli.errors import UsageError

USER_SYSTEM = (
    "You are a recommendation expert for {domain}. The user message lists the {domain} one person "
    "interacted with, oldest first, each title in angle brackets and the titles separated by semicolons. "
    "Describe what this particular person looks for: the kinds of {domain}, features, brands, price level, "
    "style or purpose their choices have in common and how their taste seems to develop. Write one coherent "
    "paragraph of at most 100 words, specific to this person, without repeating the list. "
    "Reply with the paragraph only."
)

USER_TEMPLATE = "{titles}"

ITEM_SYSTEM = (
    "You are a recommendation expert for {domain}. The user message gives one item's attributes, one per "
    'line ("missing" marks an unknown value), followed by sequences of items that shoppers interacted with '
    'up to and including this item; each sequence is in square brackets with its titles joined by " -> ", '
    'and the sequences are separated by "#". Answer with a JSON object and nothing else, with exactly two '
    'string keys: "item summary" (what the item is and what sets it apart, at most 80 words) and '
    '"potential user analysis" (which users are likely to choose it and why, judging also from the '
    "sequences, at most 50 words)."
)

ITEM_TEMPLATE = "{attributes}\nsequences ending with this item: {contexts}"

USER_FIELDS = ("domain", "titles")
ITEM_FIELDS = ("domain", "title", "attributes", "contexts")


@dataclass(frozen=True)
class Templates:
    user_system: str
    user_template: str
    item_system: str
    item_template: str


def resolve_templates(prompts, recipe_file: Path) -> Templates:
    """The recipe's `[prompts]` overrides over the defaults; a bad template is a UsageError naming its key."""
    chosen = {
        "user_system": (_override(prompts.user_system, USER_SYSTEM), USER_FIELDS),
        "user_template": (_override(prompts.user_template, USER_TEMPLATE), USER_FIELDS),
        "item_system": (_override(prompts.item_system, ITEM_SYSTEM), ITEM_FIELDS),
        "item_template": (_override(prompts.item_template, ITEM_TEMPLATE), ITEM_FIELDS),
    }
    problems = [
        f"{recipe_file.name}: prompts.{key}: {problem}"
        for key, (template, allowed) in chosen.items()
        if (problem := template_problem(template, allowed))
    ]
    if problems:
        raise UsageError(*problems)
    return Templates(**{key: template for key, (template, _) in chosen.items()})


def template_problem(template: str, allowed: tuple[str, ...]) -> str | None:
    """Why `template.format(**fields)` would fail for fields named `allowed`, or None."""
    available = ", ".join(f"{{{name}}}" for name in allowed)
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as error:
        return f"not a valid template: {error} (write {{{{ and }}}} for literal braces)"
    for _, field, _, _ in parsed:
        if field is None:
            continue
        if field not in allowed:
            shown = f"{{{field}}}" if field else "{} (fields need a name)"
            return f"unknown field {shown}; available: {available}"
    return None


def _override(recipe_text: str | None, default: str) -> str:
    return default if recipe_text is None else recipe_text
