"""`[logging] to`: TensorBoard and MLflow runs read back (EventAccumulator; MlflowClient on the file store)
hold exactly the epochs of history.json and the test metrics of metrics.json, one tracker run per seed."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest
import tomllib

from helpers import run_cli
from sracl_cli.recipe import load_recipe
from sracl_cli.tracking.mlflow_logger import metric_key
from sracl_cli.tracking.session import epoch_metrics, tracking
from sracl_cli.training.runtime import SingleProcess

QUICKSTART = Path(__file__).resolve().parents[2] / "recipes" / "quickstart.toml"
SMALL = ["--set", "objective.name=none", "--set", "data.min_core=4", "--set", "train.threads=1"]
BOTH = ["--set", 'logging.to=["tensorboard", "mlflow"]']
SEEDS = [1, 2]


def _train(out: Path, *extra: str):
    result = run_cli("train", QUICKSTART, "--set", f'output.dir="{out}"', *SMALL, *extra)
    assert result.exit_code == 0, result.stderr
    return result


def _read(folder: Path) -> tuple[list[dict], dict[str, float], int]:
    """history.json, the test metrics and the best epoch of one training run."""
    history = json.loads((folder / "train" / "history.json").read_text())
    metrics = json.loads((folder / "eval" / "metrics.json").read_text())["metrics"]
    best = json.loads((folder / "train" / "manifest.json").read_text())["best_epoch"]
    return history, metrics, best


def _expected(history: list[dict], metrics: dict[str, float], best: int) -> dict[str, list[tuple[int, float]]]:
    """Per metric name, the (step, value) pairs a tracker run must hold."""
    expected: dict[str, list[tuple[int, float]]] = {}
    for entry in history:
        for name, value in epoch_metrics(entry).items():
            expected.setdefault(name, []).append((entry["epoch"], value))
    for name, value in metrics.items():
        expected[f"test/{name}"] = [(best, value)]
    return expected


def _tensorboard(folder: Path) -> dict[str, list[tuple[int, float]]]:
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    events = EventAccumulator(str(folder))
    events.Reload()
    return {tag: [(s.step, s.value) for s in events.Scalars(tag)] for tag in events.Tags()["scalars"]}


def _assert_tensorboard(folder: Path, expected: dict[str, list[tuple[int, float]]]) -> None:
    logged = _tensorboard(folder)
    assert set(logged) == set(expected)
    for name, pairs in expected.items():  # event files hold float32
        assert [step for step, _ in logged[name]] == [step for step, _ in pairs], name
        assert [value for _, value in logged[name]] == pytest.approx([value for _, value in pairs], rel=1e-6), name


def _mlflow_runs(uri: str, experiment: str):
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=uri)
    found = client.get_experiment_by_name(experiment)
    assert found is not None, f"no experiment {experiment} in {uri}"
    return client, client.search_runs([found.experiment_id], order_by=["attributes.start_time ASC"])


def _assert_mlflow(client, run, expected: dict[str, list[tuple[int, float]]]) -> None:
    assert run.info.status == "FINISHED"
    assert set(run.data.metrics) == {metric_key(name) for name in expected}
    for name, pairs in expected.items():
        history = client.get_metric_history(run.info.run_id, metric_key(name))
        assert sorted((m.step, m.value) for m in history) == pairs, name


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    out = tmp_path_factory.mktemp("trackers") / "run"
    _train(out, *BOTH, "--set", "train.epochs=2", "--set", f"train.seeds={SEEDS}")
    return out


@pytest.mark.slow
def test_tensorboard_holds_every_epoch_and_the_test_metrics_of_each_seed(seeded):
    assert sorted(p.name for p in (seeded / "tensorboard").iterdir()) == [f"seed-{seed}" for seed in SEEDS]
    for seed in SEEDS:
        history, metrics, best = _read(seeded / "seeds" / f"seed-{seed}")
        assert len(history) == 2 and "train/rec" in epoch_metrics(history[0])
        _assert_tensorboard(seeded / "tensorboard" / f"seed-{seed}", _expected(history, metrics, best))


@pytest.mark.slow
def test_mlflow_file_store_holds_one_finished_run_per_seed_with_the_recipe(seeded):
    client, runs = _mlflow_runs((seeded / "mlruns").as_uri(), "quickstart")
    assert [run.info.run_name for run in runs] == [f"seed-{seed}" for seed in SEEDS]
    for seed, run in zip(SEEDS, runs):
        history, metrics, best = _read(seeded / "seeds" / f"seed-{seed}")
        _assert_mlflow(client, run, _expected(history, metrics, best))
        assert run.data.params["train.seed"] == str(seed) and run.data.params["objective.name"] == "none"
        assert run.data.params["eval.ks"] == "[5, 10, 20]"
        artifact = Path(client.download_artifacts(run.info.run_id, "recipe.resolved.toml"))
        resolved = seeded / "seeds" / f"seed-{seed}" / "recipe.resolved.toml"
        assert tomllib.loads(artifact.read_text()) == tomllib.loads(resolved.read_text())


@pytest.mark.slow
def test_a_resumed_run_logs_its_whole_history_and_tracking_uri_points_elsewhere(tmp_path):
    out, store = tmp_path / "run", tmp_path / "elsewhere"
    to = [*BOTH, "--set", f'logging.mlflow.tracking_uri="{store.as_uri()}"', "--set", 'logging.mlflow.experiment="x"']
    _train(out, *to, "--set", "train.epochs=1", "--set", "train.patience=5")
    _train(out, *to, "--set", "train.epochs=2", "--set", "train.patience=5", "--resume")
    history, metrics, best = _read(out)
    assert [entry["epoch"] for entry in history] == [1, 2]
    expected = _expected(history, metrics, best)
    # the second training's events hide the first's (purge_step): epoch 1 once, as history.json has it
    _assert_tensorboard(out / "tensorboard" / "seed-2024", expected)
    client, runs = _mlflow_runs(store.as_uri(), "x")
    assert len(runs) == 2 and not (out / "mlruns").exists()
    _assert_mlflow(client, runs[1], expected)


def test_an_unknown_logger_or_key_is_exit_2_naming_the_key(tmp_path):
    result = run_cli("validate", QUICKSTART, "--set", 'logging.to=["tensorboard", "wandb"]')
    assert result.exit_code == 2
    assert "quickstart.toml: logging.to: unknown logger 'wandb'; installed: mlflow, tensorboard" in result.stderr
    recipe = tmp_path / "recipe.toml"
    recipe.write_text(QUICKSTART.read_text() + '\n[logging]\nto = ["mlflow"]\n[logging.mlflow]\nuri = "x"\n'
                      '[logging.tensorbord]\nlog_dir = "tb"\n')
    result = run_cli("validate", recipe)
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "recipe.toml: logging.mlflow.uri: Extra inputs are not permitted",
        "recipe.toml: logging.tensorbord: unknown logger 'tensorbord'; installed: mlflow, tensorboard",
    ]


def test_the_resolved_recipe_holds_each_loggers_keys():
    recipe = load_recipe(QUICKSTART, ['logging.to=["mlflow"]', 'logging.mlflow.experiment="e"'])
    assert recipe.to_dict()["logging"] == {"to": ["mlflow"], "mlflow": {"experiment": "e"}}


def test_only_the_main_process_logs(tmp_path):
    recipe = load_recipe(QUICKSTART, ['logging.to=["tensorboard"]', f'logging.tensorboard.log_dir="{tmp_path}"'])
    exp = SimpleNamespace(recipe=recipe)
    entry = {"epoch": 1, "loss": 1.0, "losses": {"rec": 1.0}, "seconds": 1.0, "valid": {"hr@5": 0.5}}
    with tracking(exp, SingleProcess(device="cpu", is_main=False), [entry]) as tracker:
        assert tracker.loggers == []
    assert list(tmp_path.iterdir()) == []
    with tracking(exp, SingleProcess(device="cpu"), [entry]) as tracker:
        assert len(tracker.loggers) == 1
    assert _tensorboard(tmp_path / "seed-2024") == {"train/loss": [(1, 1.0)], "train/rec": [(1, 1.0)],
                                                    "train/seconds": [(1, 1.0)], "valid/hr@5": [(1, 0.5)]}


def test_a_logger_whose_library_is_missing_is_a_recipe_problem_naming_the_extra(monkeypatch):
    import importlib.util

    find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "mlflow" else find_spec(name, *a))
    result = run_cli("validate", QUICKSTART, "--set", 'logging.to=["tensorboard", "mlflow"]')
    assert result.exit_code == 2
    assert result.stderr == "quickstart.toml: logging.mlflow: needs the 'mlflow' package: pip install 'sracl[mlflow]'\n"
