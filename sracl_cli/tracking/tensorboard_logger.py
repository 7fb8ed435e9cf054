"""The `tensorboard` logger: event files by torch's `SummaryWriter`, one folder per seed.

`tensorboard --logdir RUN_DIR/tensorboard` shows every seed of a run as its own curve. A folder that already
holds events (the same run trained again, or resumed) is reused: the new run purges the old steps from view
(`purge_step`), so the curves are always the latest training's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from sracl_cli.paths import OutputPath
from sracl_cli.tracking.protocol import LoggerSpec, RunInfo, Status, require_extra

if TYPE_CHECKING:
    from torch.utils.tensorboard import SummaryWriter

FOLDER = "tensorboard"  # under the run directory, unless log_dir says otherwise


class TensorBoardConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    log_dir: OutputPath | None = Field(
        None, description="folder of the event files (one subfolder per seed); default RUN_DIR/tensorboard"
    )

    @model_validator(mode="after")
    def _installed(self) -> TensorBoardConfig:
        require_extra("tensorboard", "tensorboard")  # torch's SummaryWriter needs it
        return self


class TensorBoardLogger:
    def __init__(self, config: TensorBoardConfig):
        self.config = config
        self.writer: SummaryWriter | None = None

    def start(self, run: RunInfo, params: dict[str, Any]) -> None:
        import tomli_w
        from torch.utils.tensorboard import SummaryWriter

        folder = (self.config.log_dir or run.run_dir / FOLDER) / run.label
        self.writer = SummaryWriter(str(folder), purge_step=1)
        # Markdown: the recipe as a code block (indented four spaces), shown in TensorBoard's Text tab.
        recipe = "".join(f"    {line}\n" for line in tomli_w.dumps(params).splitlines())
        self.writer.add_text("recipe", recipe, global_step=0)

    def log_metrics(self, step: int, metrics: dict[str, float]) -> None:
        assert self.writer is not None, "start() first"
        for name, value in metrics.items():
            self.writer.add_scalar(name, value, global_step=step)

    def finish(self, status: Status) -> None:
        if self.writer is not None:
            self.writer.close()


SPEC = LoggerSpec(
    config_model=TensorBoardConfig,
    build=TensorBoardLogger,
    description="TensorBoard event files under the run directory (tensorboard --logdir RUN_DIR/tensorboard)",
)
