"""`sracl embed`'s preconditions, checked before it writes anything or calls an LLM (and by `sracl validate`):
the [prompts] templates, `prompts.item_fields` against the data's item text, the embedder's CUDA device."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sracl_cli.errors import UsageError
from sracl_cli.semantic.prompts import item_fields_problem
from sracl_cli.semantic.templates import resolve_templates

if TYPE_CHECKING:
    from sracl_cli.data.dataset import SequenceData
    from sracl_cli.recipe import Recipe


def check_embed(recipe: Recipe, data: SequenceData) -> None:
    """`sracl embed`'s own preconditions, before it writes anything or calls an LLM."""
    problems = template_problems(recipe) + embedding_device_problems(recipe) + item_field_problems(recipe, data)
    if problems:
        raise UsageError(*problems)


def template_problems(recipe: Recipe) -> list[str]:
    try:
        resolve_templates(recipe.config.prompts, recipe.source)
    except UsageError as error:
        return error.lines
    return []


def item_field_problems(recipe: Recipe, data: SequenceData) -> list[str]:
    problem = item_fields_problem(data, recipe.config.prompts.item_fields)
    return [f"{recipe.source.name}: prompts.item_fields: {problem}"] if problem else []


def embedding_device_problems(recipe: Recipe) -> list[str]:
    device = getattr(recipe.plugins["embedding"], "device", None)  # the embedder's own key, when it has one
    if not (isinstance(device, str) and device.startswith("cuda")):
        return []
    from sracl_cli.devices import cuda_problem  # imports torch: only when CUDA is asked for

    problem = cuda_problem(device)
    return [f"{recipe.source.name}: embedding.device: {problem}"] if problem else []
