"""Build the objective a recipe names (`train.objective`) for a backbone and an experiment."""

from __future__ import annotations

from sracl_cli.data.split import left_padded_windows
from sracl_cli.experiment import Experiment
from sracl_cli.objectives.cl4srec import CL4SRecObjective
from sracl_cli.objectives.duorec import DuoRecObjective
from sracl_cli.objectives.plain import PlainObjective
from sracl_cli.objectives.semantic_inputs import load_semantic_inputs
from sracl_cli.objectives.sracl import SRACLObjective

OBJECTIVES = ("none", "sracl", "cl4srec", "duorec")


def build_objective(exp: Experiment, backbone):
    recipe = exp.recipe.config
    name = recipe.train.objective
    if name == "none":
        return PlainObjective()
    if name == "cl4srec":
        return CL4SRecObjective(recipe.baselines)
    if name == "duorec":
        return DuoRecObjective(recipe.baselines, exp.split.train.inputs, exp.split.train.targets)
    return _sracl(exp, backbone)


def _sracl(exp: Experiment, backbone) -> SRACLObjective:
    semantic = load_semantic_inputs(exp.recipe.semantic_dir, exp.recipe.source, exp.data.n_items)
    units = semantic.units
    unit_inputs = left_padded_windows(exp.data.items, units.start, units.end, exp.recipe.config.data.max_len)
    sample_units = units.unit_of(exp.split.train, exp.data)
    hidden = backbone.item_embeddings().size(1)
    return SRACLObjective(exp.recipe.config.sracl, semantic, unit_inputs, sample_units, hidden)
