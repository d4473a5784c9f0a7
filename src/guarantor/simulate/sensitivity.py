"""One-at-a-time sensitivity of a design's deterrence index over the uncertain parameters."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from guarantor.simulate.compile import CompiledDesign, compile_design
from guarantor.simulate.designs import Design
from guarantor.simulate.params import Parameters
from guarantor.simulate.sweep import run_sweep


@dataclass(frozen=True)
class Bar:
    """One bar of the tornado: the index at the parameter's low and high ends."""

    name: str
    low: float
    high: float
    at_low: float
    at_high: float

    @property
    def swing(self) -> float:
        """How far the index moves across the parameter's range."""
        return abs(self.at_high - self.at_low)


def tornado(
    design: Design,
    params: Parameters,
    trials: int,
    seed: int,
    step: Callable[[int, int], None] | None = None,
) -> tuple[float, list[Bar]]:
    """The base deterrence index and one bar per uncertain parameter, largest swing first.

    Every run uses the same seed (common random numbers), so a bar shows the parameter's
    effect and not sampling noise.
    """

    def index(p: Parameters, compiled: CompiledDesign | None = None) -> float:
        if compiled is None:
            compiled = compile_design(design, p)
        _, stats = run_sweep([compiled], p, trials, seed)
        s = stats[0]
        return s.value_sum / max(s.violations, 1)

    # only parameters the design uses: per-party values of parties it never meets move nothing
    compiled = compile_design(design, params)
    used = set(compiled.parties) | set(compiled.stage1.members)
    if compiled.stage2 is not None:
        used |= set(compiled.stage2.members)
    axes = [
        p
        for p in params.uncertain()
        if not p.name.startswith("parties.") or p.name.split(".")[1] in used
    ]
    base = index(params, compiled)
    bars: list[Bar] = []
    for i, p in enumerate(axes):
        lo = index(params.with_value(p.name, p.low))
        hi = index(params.with_value(p.name, p.high))
        bars.append(Bar(p.name, p.low, p.high, lo, hi))
        if step:
            step(i + 1, len(axes))
    bars.sort(key=lambda b: (-b.swing, b.name))
    return base, bars
