"""Prompts of the semantic stage: one per item (ids 1..n_items) and one per user unit (see `units.py`).

Each prompt is a system message (omitted when its text is empty) and a user message. Templates are Python
`str.format` strings (write `{{` and `}}` for literal braces); the recipe's `[prompts]` keys `user_system`,
`user_template`, `item_system` and `item_template` replace the defaults in `templates.py`. Fields:

    user_system, user_template
        {domain}      prompts.domain, e.g. "products"
        {titles}      the unit's item titles, oldest first, as "<title 1>; <title 2>; ..."
    item_system, item_template
        {domain}      prompts.domain
        {title}       the item's title
        {attributes}  one "name: value" line per field of prompts.item_fields (default: every item text field);
                      "missing" for an empty value; values cut to 500 characters
        {contexts}    up to prompts.contexts_per_item sequences ending with the item (see `contexts.py`), each
                      "[title -> title -> ... -> this item's title]", joined by "#"; "none" when there are none

An item's title is its "title" text, else its first text field, else "item <source id>"; empty is "missing".
"""

from __future__ import annotations

import string
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from sracl_cli.data.dataset import SequenceData
from sracl_cli.data.units import UserUnits, user_units
from sracl_cli.errors import UsageError
from sracl_cli.semantic.contexts import sample_contexts
from sracl_cli.semantic.reply_formats import item_response_format
from sracl_cli.semantic.templates import Templates, resolve_templates

if TYPE_CHECKING:
    from sracl_cli.recipe import PromptsSection, Recipe

MISSING = "missing"
NO_CONTEXTS = "none"
ATTRIBUTE_MAX_CHARS = 500


@dataclass(frozen=True, slots=True)
class Prompt:
    """`id` is the item id (kind "item") or the unit index (kind "user")."""

    kind: Literal["item", "user"]
    id: int
    messages: list[dict[str, str]]
    response_format: dict[str, Any] | None = None  # see reply_formats.py

    @property
    def content(self) -> str:
        """The user message: what the passthrough provider returns as the text."""
        return self.messages[-1]["content"]


@dataclass(frozen=True)
class PromptSet:
    items: list[Prompt]  # items[i] is item i + 1
    users: list[Prompt]  # users[u] is unit u
    units: UserUnits

    def __iter__(self) -> Iterator[Prompt]:
        yield from self.items
        yield from self.users

    def __len__(self) -> int:
        return len(self.items) + len(self.users)


def build_prompts(recipe: Recipe, data: SequenceData) -> PromptSet:
    section = recipe.config.prompts
    templates = resolve_templates(section, recipe.source)
    units = user_units(data, section.user_unit, recipe.config.data.max_len)
    return PromptSet(
        items=item_prompts(data, section, templates, recipe.source.name, recipe.config.llm.item_reply_format),
        users=user_prompts(data, units, section.domain, templates),
        units=units,
    )


def user_prompts(data: SequenceData, units: UserUnits, domain: str, templates: Templates) -> list[Prompt]:
    bracketed = [f"<{title}>" for title in item_titles(data)]
    items = data.items.tolist()
    system = _filler(templates.user_system, domain=domain)
    user = _filler(templates.user_template, domain=domain)
    prompts = []
    for unit, (start, end) in enumerate(zip(units.start.tolist(), units.end.tolist())):
        titles = "; ".join([bracketed[item] for item in items[start:end]])
        prompts.append(Prompt("user", unit, _messages(system(titles=titles), user(titles=titles))))
    return prompts


def item_prompts(
    data: SequenceData, section: PromptsSection, templates: Templates, recipe_file: str, reply_format: str = "text"
) -> list[Prompt]:
    titles = item_titles(data)
    attributes = item_attributes(data, section.item_fields, recipe_file)
    contexts = context_texts(data, section, titles)
    system = _filler(templates.item_system, domain=section.domain)
    user = _filler(templates.item_template, domain=section.domain)
    response_format = item_response_format(reply_format)
    prompts = []
    for item in range(1, data.n_items + 1):
        fields = {"title": titles[item], "attributes": attributes[item], "contexts": contexts[item]}
        prompts.append(Prompt("item", item, _messages(system(**fields), user(**fields)), response_format))
    return prompts


def item_titles(data: SequenceData) -> list[str]:
    """Title of every item id (index 0, padding, is "")."""
    field = "title" if "title" in data.item_text else next(iter(data.item_text), None)
    if field is None:
        return ["", *(f"item {data.item_ids[item]}" for item in range(1, data.n_items + 1))]
    column = data.item_text[field]
    return ["", *(column[item].strip() or MISSING for item in range(1, data.n_items + 1))]


def item_attributes(data: SequenceData, fields: list[str] | None, recipe_file: str) -> list[str]:
    """The `{attributes}` text of every item id (index 0 is "")."""
    problem = item_fields_problem(data, fields)
    if problem:
        raise UsageError(f"{recipe_file}: prompts.item_fields: {problem}")
    fields = list(data.item_text) if fields is None else fields
    if not fields:
        return ["", *(f"id: {data.item_ids[item]}" for item in range(1, data.n_items + 1))]
    columns = [(name, data.item_text[name]) for name in fields]
    return [
        "",
        *(
            "\n".join(f"{name}: {_attribute_value(column[item])}" for name, column in columns)
            for item in range(1, data.n_items + 1)
        ),
    ]


def item_fields_problem(data: SequenceData, fields: list[str] | None) -> str | None:
    """Why `prompts.item_fields` does not fit the dataset's item text fields, or None."""
    unknown = [name for name in fields or [] if name not in data.item_text]
    if not unknown:
        return None
    known = ", ".join(data.item_text) or "none"
    return f"the dataset has no item text field {', '.join(repr(name) for name in unknown)}; its fields: {known}"


def context_texts(data: SequenceData, section: PromptsSection, titles: list[str]) -> list[str]:
    """The `{contexts}` text of every item id (index 0 is "")."""
    contexts = sample_contexts(data, section.contexts_per_item, section.context_len, section.seed)
    items = data.items.tolist()
    starts, ends = contexts.start.tolist(), contexts.end.tolist()
    texts = [""]
    for item in range(1, data.n_items + 1):
        sequences = [
            "[" + " -> ".join([titles[i] for i in items[starts[row] : ends[row]]]) + "]"
            for row in contexts.of_item(item)
        ]
        texts.append("#".join(sequences) or NO_CONTEXTS)
    return texts


def _attribute_value(text: str) -> str:
    return text.strip()[:ATTRIBUTE_MAX_CHARS] or MISSING


def _filler(template: str, **constant_fields: str) -> Callable[..., str]:
    """`template.format`, computed once when the template uses only the constant fields (shares one string)."""
    if _uses_only(template, constant_fields):
        text = template.format(**constant_fields)
        return lambda **_: text
    return lambda **fields: template.format(**constant_fields, **fields)


def _uses_only(template: str, names) -> bool:
    return all(field is None or field in names for _, field, _, _ in string.Formatter().parse(template))


def _messages(system: str, user: str) -> list[dict[str, str]]:
    messages = [{"role": "system", "content": system}] if system else []
    messages.append({"role": "user", "content": user})
    return messages
