"""Serving a trained run: top-k recommendations (`sracl recommend`, `load_run(...).recommend(...)`) and an
export of the model that a serving stack loads without sracl (`sracl export`)."""

from sracl_cli.serving.run_loader import Run, load_run

__all__ = ["Run", "load_run"]
