"""PNG plots of a comparison: distributions per design and the tornado of a sensitivity run."""

from __future__ import annotations

import io
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from guarantor.fileio import write_atomic
from guarantor.simulate.engine import KM2_EDGES, MAX_COUNT, TIME_BIN_DAYS
from guarantor.simulate.sensitivity import Bar
from guarantor.simulate.sweep import SweepResult

# Fixed metadata so that the same results give byte-identical PNG files.
_META = {"Software": None}


def _save(fig: Figure, path: Path) -> Path:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, metadata=_META)
    plt.close(fig)
    write_atomic(path, buf.getvalue())
    return path


def distributions(result: SweepResult, out: Path) -> list[Path]:
    """Three figures: response time, violations per trial, unanswered km² per trial."""
    out.mkdir(parents=True, exist_ok=True)
    label = f"seed {result.seed}, {result.trials:,} trials, params {result.params.digest[:12]}"
    paths: list[Path] = []
    fig, ax = plt.subplots(figsize=(8, 4.5))
    for r in result.results:
        h = r.stats.response_hist[:-1].reshape(-1, 20).sum(axis=1)  # 1-day bins
        if h.sum() == 0:
            ax.plot([], [], label=f"{r.design.name} (never answered)")
            continue
        days = np.arange(len(h)) * TIME_BIN_DAYS * 20
        cut = int(np.searchsorted(np.cumsum(h), 0.995 * h.sum())) + 2
        ax.step(days[:cut], h[:cut] / r.stats.violations, where="post", label=r.design.name)
    ax.set_xlabel("days from violation to first contribution (answered violations)")
    ax.set_ylabel("share of all violations per day")
    ax.set_title(f"Time to first response ({label})", fontsize=9)
    ax.legend(fontsize=8)
    paths.append(_save(fig, out / "simulate_response_time.png"))

    fig, ax = plt.subplots(figsize=(8, 4.5))
    width = 0.8 / max(len(result.results), 1)
    for i, r in enumerate(result.results):
        h = r.stats.count_hist / max(r.stats.trials, 1)
        ax.bar(np.arange(MAX_COUNT + 1) + i * width, h, width=width, label=r.design.name)
    ax.set_xlim(-0.5, 25)
    ax.set_xlabel("violations per trial (one year)")
    ax.set_ylabel("share of trials")
    ax.set_title(f"Deterrence: violations per year ({label})", fontsize=9)
    ax.legend(fontsize=8)
    paths.append(_save(fig, out / "simulate_violations_per_year.png"))

    fig, ax = plt.subplots(figsize=(8, 4.5))
    for r in result.results:
        h = r.stats.unanswered_km2_hist
        cdf = np.cumsum(h) / max(h.sum(), 1)
        ax.step(np.maximum(KM2_EDGES[1:], 0.5), cdf, where="post", label=r.design.name)
    ax.set_xscale("log")
    ax.set_xlabel("km² seized in unanswered violations per trial (one year)")
    ax.set_ylabel("share of trials at or below")
    ax.set_title(f"Territory lost without an answer ({label})", fontsize=9)
    ax.legend(fontsize=8)
    paths.append(_save(fig, out / "simulate_unanswered_km2.png"))
    return paths


def tornado_plot(design: str, base: float, bars: list[Bar], path: Path, top: int = 12) -> Path:
    """A tornado: the deterrence index at each parameter's low and high end, largest swing on top."""
    shown = bars[:top][::-1]
    fig, ax = plt.subplots(figsize=(8, 0.4 * len(shown) + 1.5))
    y = np.arange(len(shown))
    for yi, b in zip(y, shown, strict=True):
        ax.barh(yi, b.at_low - base, left=base, color="#4477aa", height=0.6)
        ax.barh(yi, b.at_high - base, left=base, color="#ee6677", height=0.6)
    ax.axvline(base, color="black", linewidth=0.8)
    ax.set_yticks(y, [f"{b.name} [{b.low:.3g}, {b.high:.3g}]" for b in shown], fontsize=7)
    ax.set_xlabel("deterrence index (blue: parameter at low end, red: at high end)")
    ax.set_title(f"Sensitivity of {design}", fontsize=9)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    return _save(fig, path)
