"""What `sracl validate` and `sracl run` check before any stage runs: every precondition of the stages the
recipe's objective needs (each stage also checks its own part: `semantic/preflight.py`, `retrieval/preflight.py`).

- the recipe alone: [prompts] templates, the CUDA devices it asks for, and whether its objective trains in its
  `train.samples` mode;
- the dataset: it loads (every error is `file:line`), `prompts.item_fields` names its item text fields, and
  `index.k` leaves every item and every user unit k neighbours.
- instead of all of that for a recipe with `eval.weights_from` (it only evaluates): every seed's weights in the
  other run, trained with this recipe's [data] and [model].

The dataset is loaded in full, as every stage does first: the item and unit counts `index.k` depends on exist
only after the loader and the k-core filter (sracl-txt's catalogue is its largest id). That costs about 0.5 s
for the largest bundled dataset (Sports, 296k interactions) on a loaded 2-core machine.

Only a recipe that asks for CUDA imports torch (about 1 s): `auto` falls back to the CPU, so it cannot fail.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sracl_cli.errors import UsageError

if TYPE_CHECKING:
    from sracl_cli.recipe import Recipe


def check_all(recipe: Recipe) -> None:
    """Everything the stages the recipe's objective needs (and train, eval) would refuse; one line per problem."""
    from sracl_cli.data.load import load_dataset
    from sracl_cli.data.units import user_units
    from sracl_cli.retrieval.preflight import neighbour_problems
    from sracl_cli.semantic.preflight import embedding_device_problems, item_field_problems, template_problems
    from sracl_cli.stages import EMBED, INDEX, objective_needs

    if recipe.config.eval.weights_from is not None:  # evaluates another run's weights: nothing else runs
        check_weights(recipe)
        return
    needs = objective_needs(recipe)
    problems = template_problems(recipe) + train_device_problems(recipe) + sample_mode_problems(recipe)
    if EMBED in needs:
        problems += embedding_device_problems(recipe)
    if problems:
        raise UsageError(*problems)
    data = load_dataset(recipe)
    if recipe.config.train.samples == "sequence":
        problems += sequence_backbone_problems(recipe, data.n_items)
    if EMBED in needs:
        problems += item_field_problems(recipe, data)
    if INDEX in needs:
        units = user_units(data, recipe.config.prompts.user_unit, recipe.config.data.max_len)
        problems += neighbour_problems(recipe, data.n_items, units)
    if problems:
        raise UsageError(*problems)


def train_device_problems(recipe: Recipe) -> list[str]:
    device = recipe.config.train.device
    if not device.startswith("cuda"):
        return []
    from sracl_cli.devices import cuda_problem  # imports torch: only when CUDA is asked for

    problem = cuda_problem(device)
    return [f"{recipe.source.name}: train.device: {problem}"] if problem else []


def sample_mode_problems(recipe: Recipe) -> list[str]:
    from sracl_cli import kinds, registry

    mode, name = recipe.config.train.samples, recipe.config.objective.name
    spec = registry.load(kinds.OBJECTIVE, name)
    if mode in spec.samples:
        config_problems = spec.mode_problems(recipe.plugins["objective"], mode) if spec.mode_problems else []
        return [f"{recipe.source.name}: {problem}" for problem in config_problems]
    return [f"{recipe.source.name}: train.samples = \"{mode}\": objective '{name}' trains only with "
            f"train.samples = {' or '.join(repr(m) for m in spec.samples)}"]


def sequence_backbone_problems(recipe: Recipe, n_items: int) -> list[str]:
    """Sequence samples need the backbone's all-positions pass (builds the backbone: imports torch)."""
    from sracl_cli import kinds, registry
    from sracl_cli.models.protocol import sequence_backbone

    backbone = registry.load(kinds.BACKBONE, recipe.config.model.backbone)
    try:
        sequence_backbone(backbone.build(recipe.model_params, n_items, recipe.config.data.max_len),
                          recipe.config.model.backbone)
    except UsageError as error:
        return [f"{recipe.source.name}: {line}" for line in error.lines]
    return []


def check_weights(recipe: Recipe) -> None:
    """`eval.weights_from`: every seed's weights are there, trained on this recipe's data and network."""
    from sracl_cli import layout
    from sracl_cli.manifests import recipe_sections, recorded_sections
    from sracl_cli.stages import TRAIN, recipe_weights

    seeds = recipe.config.train.seeds
    folders = [layout.seed_dir(recipe.run_dir, seed) for seed in seeds] if seeds else [recipe.run_dir]
    ours = recipe_sections(recipe, TRAIN.name)
    problems = []
    for folder in folders:
        weights = recipe_weights(recipe, folder)
        recorded = recorded_sections(weights.parent)
        if not weights.is_file() or recorded is None:
            problems.append(f"{recipe.source.name}: eval.weights_from: {weights} (or its {layout.MANIFEST}) "
                            "missing; train that run first")
            continue
        differ = [f"[{name}]" for name in ("data", "model") if recorded.get(name) != ours[name]]
        if differ:
            problems.append(f"{recipe.source.name}: eval.weights_from: {weights.parent / layout.MANIFEST} records "
                            f"another {' and '.join(differ)} than this recipe's; its weights do not fit")
    if problems:
        raise UsageError(*problems)
