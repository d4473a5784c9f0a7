"""Parameter draws for the probabilistic sensitivity analysis.

Every uncertain parameter has one column of uniform draws u (a Latin hypercube over the
columns); a prior maps u through its quantile function, a calibrated parameter picks the
bootstrap replicate at u. Parameters fitted together share their fit's column, so a draw
keeps the joint uncertainty of a fit. A design's override maps the same u through its own
prior, so designs stay comparable draw by draw.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from guarantor.errors import UserError
from guarantor.simulate.params import Param, Parameters

F64 = NDArray[np.float64]
Values = dict[str, float]


@dataclass(frozen=True)
class ParameterDraws:
    """The values of every parameter in every draw, per design."""

    names: tuple[str, ...]  # the parameters that vary in some design (sorted)
    matrices: tuple[F64, ...]  # per design: draws x names (for importance)
    per_design: tuple[tuple[Values, ...], ...]  # [design][draw] -> every parameter's value

    @property
    def count(self) -> int:
        """How many draws."""
        return len(self.per_design[0]) if self.per_design else 0


def _column(p: Param) -> str:
    """The uniform column a parameter reads: its own, or its fit's."""
    if p.calibration is not None:
        return f"fit:{p.calibration.kind.value}"
    return f"param:{p.name}"


def _values(p: Param, u: F64) -> F64:
    if p.calibration is not None:
        reps = np.asarray(p.calibration.replicates, dtype=np.float64)
        index = np.minimum((u * len(reps)).astype(np.int64), len(reps) - 1)
        out: F64 = reps[index]
        return out
    return np.asarray(p.spec.prior.ppf(u), dtype=np.float64)


def draw_parameters(sets: list[Parameters], n: int, seed: int) -> ParameterDraws:
    """n draws of every design's parameters (one parameter set per design, same u for all)."""
    if n < 1:
        raise UserError(f"--draws must be at least 1, got {n}")
    from scipy.stats import qmc

    columns = sorted({_column(p) for ps in sets for p in ps.params.values() if p.varies})
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(0,))))
    u = qmc.LatinHypercube(d=len(columns), rng=rng).random(n) if columns else np.zeros((n, 0))
    col = {c: u[:, i] for i, c in enumerate(columns)}
    names = tuple(sorted({p.name for ps in sets for p in ps.params.values() if p.varies}))
    per_design: list[tuple[Values, ...]] = []
    matrices: list[F64] = []
    for ps in sets:
        arrays = {
            name: (_values(p, col[_column(p)]) if p.varies else np.full(n, p.central()))
            for name, p in ps.params.items()
        }
        keys = sorted(arrays)
        stacked = np.stack([arrays[key] for key in keys], axis=1).tolist()
        per_design.append(tuple(dict(zip(keys, row, strict=True)) for row in stacked))
        matrices.append(
            np.stack([arrays[name] for name in names], axis=1) if names else np.zeros((n, 0))
        )
    return ParameterDraws(names, tuple(matrices), tuple(per_design))
