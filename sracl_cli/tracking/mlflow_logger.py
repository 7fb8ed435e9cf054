"""The `mlflow` logger: one MLflow run per seed, in a local file store under the run directory by default.

Through `MlflowClient` (no global `mlflow.set_tracking_uri`, no active run): the run's params are the resolved
recipe flattened to dotted keys (`train.batch_size`), with the recipe itself as the artifact
`recipe.resolved.toml`. MLflow refuses `@` in metric names, so `valid/hr@10` is logged as `valid/hr_at_10`.

The file store is what needs no server and no database; MLflow 3 keeps it in maintenance mode and refuses it
unless MLFLOW_ALLOW_FILE_STORE is set, which this module does for the process (as it turns off MLflow's usage
telemetry, so that logging makes no network call). Set `tracking_uri` for a server or a database instead.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from sracl_cli.tracking.protocol import LoggerSpec, RunInfo, Status, require_extra

if TYPE_CHECKING:
    from mlflow.tracking import MlflowClient

FOLDER = "mlruns"  # the file store under the run directory
PARAMS_PER_CALL = 100  # MLflow's limit per log_batch
PARAM_CHARS = 6000  # MLflow's limit on a param value (the whole recipe is also an artifact)
QUIET = {"MLFLOW_ALLOW_FILE_STORE": "true", "MLFLOW_DISABLE_TELEMETRY": "true", "DO_NOT_TRACK": "true"}


class MlflowConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tracking_uri: str | None = Field(
        None, description="MLflow tracking URI (http://host:5000, sqlite:///mlflow.db, file:/path); "
        "default the file store RUN_DIR/mlruns",
    )
    experiment: str | None = Field(None, description="MLflow experiment name; default the recipe's name")

    @model_validator(mode="after")
    def _installed(self) -> MlflowConfig:
        require_extra("mlflow", "mlflow")  # mlflow-skinny provides the module
        return self


class MlflowLogger:
    def __init__(self, config: MlflowConfig):
        self.config = config
        self.client: MlflowClient | None = None
        self.run_id = ""

    def start(self, run: RunInfo, params: dict[str, Any]) -> None:
        for name, value in QUIET.items():
            os.environ.setdefault(name, value)
        import tomli_w
        from mlflow.entities import Param
        from mlflow.tracking import MlflowClient

        uri = self.config.tracking_uri or (run.run_dir / FOLDER).as_uri()
        self.client = MlflowClient(tracking_uri=uri)
        name = self.config.experiment or run.recipe
        found = self.client.get_experiment_by_name(name)
        experiment_id = found.experiment_id if found is not None else self.client.create_experiment(name)
        tags = {"sracl.recipe": run.recipe, "sracl.seed": str(run.seed)}
        self.run_id = self.client.create_run(experiment_id, run_name=run.label, tags=tags).info.run_id
        flat = [Param(key, value[:PARAM_CHARS]) for key, value in _flattened(params)]
        for start in range(0, len(flat), PARAMS_PER_CALL):
            self.client.log_batch(self.run_id, params=flat[start:start + PARAMS_PER_CALL])
        self.client.log_text(self.run_id, tomli_w.dumps(params), "recipe.resolved.toml")

    def log_metrics(self, step: int, metrics: dict[str, float]) -> None:
        from mlflow.entities import Metric

        assert self.client is not None, "start() first"
        now = int(time.time() * 1000)
        rows = [Metric(metric_key(name), float(value), now, step) for name, value in metrics.items()]
        self.client.log_batch(self.run_id, metrics=rows)

    def finish(self, status: Status) -> None:
        if self.client is not None:
            self.client.set_terminated(self.run_id, status.upper())


def metric_key(name: str) -> str:
    """The name MLflow stores `name` under (it allows letters, digits, `_ - . : /` and spaces)."""
    return name.replace("@", "_at_")


def _flattened(params: dict[str, Any], prefix: str = "") -> Iterator[tuple[str, str]]:
    for key, value in params.items():
        if isinstance(value, dict):
            yield from _flattened(value, f"{prefix}{key}.")
        else:
            yield f"{prefix}{key}", value if isinstance(value, str) else json.dumps(value)


SPEC = LoggerSpec(
    config_model=MlflowConfig,
    build=MlflowLogger,
    description="MLflow runs (params, per-epoch metrics); a local file store under the run directory by default",
)
