"""The serving tests' trained runs (serving_helpers.py)."""

from serving_helpers import quickstart_run, small_runs  # noqa: F401
