"""Figures of a sensitivity analysis: every metric's interval per design, and what moves it."""

from __future__ import annotations

import io
from pathlib import Path

from guarantor.fileio import write_atomic
from guarantor.simulate.metrics import METRICS, PRIMARY
from guarantor.simulate.run import SimulationResult

# Fixed metadata so that the same results give byte-identical files.
_META = {"png": {"Software": None}, "svg": {"Date": None}, "pdf": {"CreationDate": None}}
FORMATS = ("png", "svg", "pdf")


def _save(fig: object, path: Path) -> Path:
    import matplotlib.pyplot as plt

    fmt = path.suffix.lstrip(".").lower()
    buf = io.BytesIO()
    fig.savefig(buf, format=fmt, dpi=110, metadata=_META.get(fmt, {}))  # type: ignore[attr-defined]
    plt.close(fig)  # type: ignore[arg-type]
    write_atomic(path, buf.getvalue())
    return path


def intervals_plot(result: SimulationResult, path: Path) -> Path:
    """One panel per metric: each design's median and 90% interval over the parameter draws."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    names = result.names
    fig, axes = plt.subplots(
        len(METRICS), 1, figsize=(8, 1.1 * len(METRICS) * max(len(names), 2) / 2 + 1)
    )
    y = np.arange(len(names))
    for ax, metric in zip(axes, METRICS, strict=True):
        for j in range(len(names)):
            s = result.summary(j, metric)
            if s["median"] is None:
                ax.text(
                    0.0, j, " never", va="center", fontsize=7, transform=ax.get_yaxis_transform()
                )
                continue
            lo = s["p05"] if s["p05"] is not None else s["median"]
            hi = s["p95"] if s["p95"] is not None else s["median"]
            ax.plot([lo, hi], [j, j], color="#4477aa", linewidth=2)
            ax.plot([s["median"]], [j], "o", color="black", markersize=4)
        ax.set_yticks(y, names, fontsize=7)
        ax.set_title(
            metric.value
            + (" (higher is better)" if metric.higher_is_better else " (lower is better)"),
            fontsize=8,
        )
        ax.tick_params(axis="x", labelsize=7)
    fig.suptitle(
        f"Median and 90% interval over {result.draws:,} parameter draws "
        f"({result.trials:,} trials each, seed {result.seed})",
        fontsize=9,
    )
    fig.tight_layout()
    return _save(fig, path)


def importance_plot(result: SimulationResult, design: str, path: Path, top: int = 12) -> Path:
    """The first-order indices of the parameters that move a design's primary metric most."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    rows = sorted(
        (i for i in result.importance if i.design == design and i.metric is PRIMARY),
        key=lambda i: (-i.index, i.parameter),
    )[:top][::-1]
    fig, ax = plt.subplots(figsize=(8, 0.35 * max(len(rows), 1) + 1.5))
    y = np.arange(len(rows))
    ax.barh(y, [i.index for i in rows], xerr=[i.conf for i in rows], color="#ee6677", height=0.6)
    ax.set_yticks(y, [i.parameter for i in rows], fontsize=7)
    ax.set_xlabel(f"Sobol first-order index of {PRIMARY.value} (± 95% half-width)")
    ax.set_title(f"{design}: what moves {PRIMARY.value} ({result.draws:,} draws)", fontsize=9)
    fig.tight_layout()
    return _save(fig, path)
