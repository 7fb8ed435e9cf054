"""Training curves: the total loss, every loss component and the validation metric per epoch, one PNG per run.

Each panel draws every seed; a dot marks the epoch whose weights were kept (the last epoch marked `best`).
"""

from __future__ import annotations

from pathlib import Path

from sracl_cli.artifacts import write_atomic
from sracl_cli.errors import UsageError

Series = dict[int, tuple[list[int], list[float]]]  # seed -> (epochs, values)


def curve_panels(histories: dict[int, list[dict]], metric: str) -> dict[str, Series]:
    """Panel title -> per-seed series: "loss", one per component in `losses`, then "valid <metric>"."""
    components = list(dict.fromkeys(name for history in histories.values() for epoch in history
                                    for name in epoch.get("losses", {})))
    panels: dict[str, Series] = {"loss": _series(histories, lambda epoch: epoch.get("loss"))}
    for name in components:
        panels[f"loss: {name}"] = _series(histories, lambda epoch, name=name: epoch.get("losses", {}).get(name))
    panels[f"valid {metric}"] = _series(histories, lambda epoch: epoch.get("valid", {}).get(metric))
    return {title: series for title, series in panels.items() if series}


def kept_epochs(histories: dict[int, list[dict]]) -> dict[int, int]:
    """Seed -> the epoch whose weights the run kept."""
    kept = {}
    for seed, history in histories.items():
        best = [epoch["epoch"] for epoch in history if epoch.get("best")]
        if best:
            kept[seed] = best[-1]
    return kept


def plot_curves(histories: dict[int, list[dict]], metric: str, path: Path) -> Path:
    panels = curve_panels(histories, metric)
    if not panels:
        raise UsageError(f"{path.parent}: the run's history.json files hold no epochs to draw")
    plt, ticker = _pyplot()
    kept = kept_epochs(histories)
    columns = min(3, len(panels))
    rows = -(-len(panels) // columns)
    figure, axes = plt.subplots(rows, columns, figsize=(4.2 * columns, 3.0 * rows), squeeze=False)
    for axis, (title, series) in zip(axes.flat, panels.items()):
        for seed, (epochs, values) in series.items():
            (line,) = axis.plot(epochs, values, marker=".", label=f"seed {seed}")
            if seed in kept and kept[seed] in epochs:
                axis.plot([kept[seed]], [values[epochs.index(kept[seed])]], "o", markersize=7, color=line.get_color(),
                          markeredgecolor="black")
        axis.set_title(title)
        axis.set_xlabel("epoch")
        axis.xaxis.set_major_locator(ticker.MaxNLocator(integer=True))
        axis.grid(alpha=0.3)
    for axis in list(axes.flat)[len(panels):]:
        axis.set_visible(False)
    axes.flat[0].legend(fontsize="small")
    figure.tight_layout()
    try:
        return write_atomic(path, lambda tmp: figure.savefig(tmp, format="png", dpi=80))
    finally:
        plt.close(figure)


def _series(histories: dict[int, list[dict]], value) -> Series:
    found: Series = {}
    for seed, history in histories.items():
        points = [(epoch["epoch"], float(value(epoch))) for epoch in history if value(epoch) is not None]
        if points:
            found[seed] = ([e for e, _ in points], [v for _, v in points])
    return found


def _pyplot():
    try:
        import matplotlib
    except ImportError:
        raise UsageError("the run page draws its curves with matplotlib: pip install 'sracl[report]'") from None
    matplotlib.use("Agg")  # files only, no display
    import matplotlib.pyplot as plt
    from matplotlib import ticker

    return plt, ticker
