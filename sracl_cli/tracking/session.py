"""The training stage's side of `[logging] to`: one tracker run per training run (per seed), fed by the epoch loop.

`tracking(exp, runtime, history)` opens a run in every logger the recipe names (main process only) and logs
the epochs already in `history` (a resumed run's), `Tracking.watch(loop)` logs each new epoch after the
loop's own per-epoch writes, and `Tracking.finished(test_metrics, step)` logs the test metrics. Every run
is finished on the way out, as "failed" when training raised.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, cast

from sracl_cli import kinds, registry
from sracl_cli.tracking.protocol import Logger, RunInfo, Status

if TYPE_CHECKING:
    from sracl_cli.experiment import Experiment
    from sracl_cli.recipe import PluginTables
    from sracl_cli.training.loop import Loop, Trainee
    from sracl_cli.training.resume import TrainState
    from sracl_cli.training.runtime import Runtime


def epoch_metrics(entry: dict) -> dict[str, float]:
    """One `history.json` entry as tracker metrics: the total loss, each component, the epoch's seconds, and
    every validation metric."""
    return {
        "train/loss": entry["loss"],
        **{f"train/{name}": value for name, value in entry["losses"].items()},
        "train/seconds": entry["seconds"],
        **{f"valid/{name}": value for name, value in entry["valid"].items()},
    }


@dataclasses.dataclass
class Tracking:
    loggers: list[Logger]

    def log(self, step: int, metrics: dict[str, float]) -> None:
        for logger in self.loggers:
            logger.log_metrics(step, metrics)

    def watch(self, loop: Loop) -> Loop:
        """`loop` whose per-epoch callback also logs the epoch just finished."""
        if not self.loggers:
            return loop
        save = loop.save

        def save_and_log(trainee: Trainee, state: TrainState, improved: bool) -> None:
            save(trainee, state, improved)
            self.log(state.history[-1]["epoch"], epoch_metrics(state.history[-1]))

        return dataclasses.replace(loop, save=save_and_log)

    def finished(self, test_metrics: dict[str, float], step: int) -> dict[str, float]:
        """Log the test metrics (at `step`: the epoch of the model tested) and return them."""
        self.log(step, {f"test/{name}": value for name, value in test_metrics.items()})
        return test_metrics


@contextmanager
def tracking(exp: Experiment, runtime: Runtime, history: list[dict]) -> Iterator[Tracking]:
    recipe = exp.recipe
    names = recipe.config.logging.to if runtime.is_main else []
    configs = cast("PluginTables", recipe.plugins["logging"]).root if names else {}
    run = RunInfo(recipe.name, recipe.config.train.seed, recipe.run_dir)
    params = recipe.to_dict() if names else {}
    started: list[Logger] = []
    try:
        for name in names:
            logger = registry.load(kinds.LOGGER, name).build(configs[name])
            logger.start(run, params)
            started.append(logger)
        session = Tracking(started)
        for entry in history:
            session.log(entry["epoch"], epoch_metrics(entry))
        yield session
    except BaseException:
        _finish(started, "failed")
        raise
    _finish(started, "finished")


def _finish(loggers: list[Logger], status: Status) -> None:
    for logger in loggers:
        logger.finish(status)
