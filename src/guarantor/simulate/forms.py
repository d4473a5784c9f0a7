"""The forms of violation the adversary draws, and how each meets a design's compiled rules.

A drawn violation is steady: so many events a day with so many fatalities, for so many days,
and for an advance an area taken on its first day. Each form produces observations of some
leaf kinds only (a strike is an armed attack, not a seizure; an airspace violation counts only
for airspace leaves). The leaves are read through `rules.onset`, the monitor's own day rules,
with the attributes a simulated violation establishes (its weapons are conventional): so a
design's thresholds mean the same here as in `guarantor monitor`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from guarantor.rules import Attribute, Leaf, LeafKind, NodeKind
from guarantor.rules.onset import (
    attack_end_days,
    attack_onset_days,
    leaf_times,
    level_times,
    seizure_onset_days,
)

if TYPE_CHECKING:
    from guarantor.simulate.compile import StepRules

F64 = NDArray[np.float64]
FIRST_DAY = 1.0  # evaluation is by UTC day: nothing holds before the end of the first day


class Form(StrEnum):
    """A form of violation."""

    flare_up = "flare_up"  # fighting along the line (the Minsk II pattern)
    advance = "advance"  # fighting that also takes ground
    strike = "strike"  # long-range missile and drone strikes on the rear
    airspace = "airspace"  # drones, missiles or aircraft in the airspace

    @property
    def label(self) -> str:
        """The form in words."""
        return {
            Form.flare_up: "flare-up of fighting",
            Form.advance: "territorial advance",
            Form.strike: "long-range strike",
            Form.airspace: "airspace violation",
        }[self]


FORMS: tuple[Form, ...] = tuple(Form)
ATTACKS = (Form.flare_up, Form.advance, Form.strike)  # forms observed as armed attacks


class Reach(StrEnum):
    """How far a form of violation can take a level, at best."""

    established = "established"
    undetermined = "undetermined"
    never = "never"


@dataclass
class Drawn:
    """Steady violations, one per element: form, intensity, length, area taken."""

    form: NDArray[np.int8]  # index into FORMS
    events_per_day: F64  # attacks, strikes or incursions per day
    fatalities_per_day: F64
    days: F64  # how many days it goes on
    area_km2: F64  # taken on its first day (advances only)

    def slice(self, start: int, stop: int) -> Drawn:
        """The violations start .. stop - 1."""
        return Drawn(
            self.form[start:stop],
            self.events_per_day[start:stop],
            self.fatalities_per_day[start:stop],
            self.days[start:stop],
            self.area_km2[start:stop],
        )

    def of(self, forms: tuple[Form, ...]) -> NDArray[np.bool_]:
        """Which violations are of these forms."""
        lut = np.array([f in forms for f in FORMS])
        out: NDArray[np.bool_] = lut[self.form]
        return out


def leaf_hold(
    leaf: Leaf,
    v: Drawn,
    established: Mapping[Attribute, bool],
    counted: bool = True,
    with_end: bool = True,
) -> tuple[F64, F64, F64 | None]:
    """(at least unknown from, true from, false again from) of one leaf, in days (inf: never;
    the end is None when not asked for)."""
    n = v.form.shape[0]
    never = np.full(n, np.inf)
    if not counted:
        return never, never, never
    end: F64 | None = None
    unknown = False
    if leaf.kind in (LeafKind.armed_attack, LeafKind.airspace_violation):
        forms = ATTACKS if leaf.kind is LeafKind.armed_attack else (Form.airspace,)
        mask = v.of(forms)
        if not mask.any():
            return never, never, never
        onset = attack_onset_days(leaf, v.events_per_day, v.fatalities_per_day, v.days)
        if with_end:
            end = attack_end_days(leaf, v.events_per_day, v.fatalities_per_day, v.days)
        if not mask.all():
            onset = np.where(mask, onset, np.inf)
            end = None if end is None else np.where(mask, end, np.inf)
    elif leaf.kind is LeafKind.territorial_seizure:
        onset = seizure_onset_days(leaf, v.area_km2)
        unknown = leaf.min_depth_km is not None  # the depth of a seizure is not drawn
    elif leaf.kind is LeafKind.narrative:
        onset = np.zeros(n)  # the words are there from the start; only an act settles them
    else:  # threats and requests are not drawn: they never hold
        return never, never, never
    tu, tt = leaf_times(leaf, onset, established, unknown)
    return tu, tt, end


def _leaf_times(
    rules: StepRules, v: Drawn, established: Mapping[Attribute, bool], with_end: bool
) -> tuple[list[tuple[F64, F64]], list[F64 | None]]:
    n = v.form.shape[0]
    never = np.full(n, np.inf)
    times: list[tuple[F64, F64]] = [(never, never)] * len(rules.leaves)
    ends: list[F64 | None] = [None] * len(rules.leaves)
    for i in sorted({i for lv in rules.levels for i in lv.tree.leaves()}):
        leaf = rules.leaves[i]
        tu, tt, end = leaf_hold(leaf, v, established, rules.counts(leaf), with_end)
        times[i] = (tu, tt)
        ends[i] = end
    return times, ends


def _from_first_day(t: F64) -> F64:
    out: F64 = np.maximum(t, FIRST_DAY)  # inf stays inf
    return out


def level_onsets(
    rules: StepRules, v: Drawn, established: Mapping[Attribute, bool]
) -> tuple[F64, F64]:
    """Days from each violation's start until a step level is established, and until one with a
    resolver is at least undetermined (the determining body can then settle it); inf: never."""
    n = v.form.shape[0]
    with_end = any(lv.tree.kind is not NodeKind.leaf for lv in rules.levels)
    times, ends = _leaf_times(rules, v, established, with_end)
    established_at = np.full(n, np.inf)
    settled_at = np.full(n, np.inf)
    for lv in rules.levels:
        if lv.tree.kind is NodeKind.leaf:  # one leaf: the level is the leaf
            first_u, first_t = times[lv.tree.leaf]
        else:
            first_u, first_t = level_times(lv.tree, times, ends)
        established_at = np.minimum(established_at, first_t)
        if lv.resolver is not None:
            settled_at = np.minimum(settled_at, first_u)
    return _from_first_day(established_at), _from_first_day(settled_at)


def level_reach(rules: StepRules, form: Form, established: Mapping[Attribute, bool]) -> Reach:
    """The most a steady violation of this form can do to the step's levels (over a grid of
    intensities, lengths and areas): be established, be undetermined, or never."""
    rates = np.geomspace(0.05, 1e4, 25)
    lengths = np.array([1.0, 2.0, 3.0, 7.0, 14.0, 30.0, 90.0, 365.0, 1e4])
    areas = np.array([0.5, 5.0, 50.0, 500.0, 5e4, 1e7]) if form is Form.advance else np.zeros(1)
    grid = np.array(np.meshgrid(rates, rates, lengths, areas, indexing="ij")).reshape(4, -1)
    n = grid.shape[1]
    fatalities = np.zeros(n) if form is Form.airspace else grid[0] * grid[1]
    v = Drawn(np.full(n, FORMS.index(form), np.int8), grid[0], fatalities, grid[2], grid[3])
    times, ends = _leaf_times(rules, v, established, True)
    best = Reach.never
    for lv in rules.levels:
        first_u, first_t = level_times(lv.tree, times, ends)
        if np.isfinite(first_t).any():
            return Reach.established
        if np.isfinite(first_u).any():
            best = Reach.undetermined
    return best
