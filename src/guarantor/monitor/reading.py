"""Reading an evaluator's aggregates: each leaf true, false or unknown per day, levels, traces.

Per leaf and day (int8 arrays of `Truth`):
- counts over the window: true when the placed, attributed observations reach the threshold,
  unknown when they would with the events whose place is unknown, false otherwise;
- fatalities: true when the carried fatalities reach the threshold, unknown when some counted
  event does not carry its fatalities (or has no place), false otherwise;
- requirements no event source records (nuclear weapons, deliberateness, words) are unknown;
- `sustained` is the Kleene conjunction over that many consecutive days;
- a resolution (a body's determination) settles a trigger's unknowns from its time on.
A level's truth per day is its compiled tree over the leaves (Kleene logic, `rules.logic`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from guarantor.model.triggers import Level
from guarantor.monitor.columns import day_start
from guarantor.monitor.result import Activation, MonitorResult, Resolution, Undetermined
from guarantor.rules import (
    Attribute,
    Comparison,
    CompiledLevel,
    CompiledTrigger,
    Leaf,
    LeafKind,
    LeafTrace,
    LevelTrace,
    Measure,
    TraceKind,
    Truth,
    Unknown,
    UnknownReason,
    evaluate_arrays,
)
from guarantor.rules.onset import requirements_truth

if TYPE_CHECKING:
    from guarantor.monitor.engine import Evaluator, LeafState

I8 = NDArray[np.int8]
T, U, F = np.int8(Truth.true), np.int8(Truth.unknown), np.int8(Truth.false)
# What event sources establish about an event beyond type, place, actors and fatalities: nothing.
EVENTS_ESTABLISH: dict[Attribute, bool] = {}
EVIDENCE_SHOWN = 12


def window(values: NDArray[np.int64], w: int) -> NDArray[np.int64]:
    """Sum over the `w` days ending on each day (sliding window by cumulative sums)."""
    c = np.concatenate([[0], np.cumsum(values, dtype=np.int64)])
    lo = np.maximum(np.arange(1, values.size + 1) - w, 0)
    return np.asarray(c[1:] - c[lo], dtype=np.int64)


def runs(hold: NDArray[np.bool_]) -> NDArray[np.int64]:
    """For each day, how many consecutive days up to it `hold` has been true."""
    n = hold.size
    idx = np.arange(1, n + 1)
    last_false = np.maximum.accumulate(np.where(hold, 0, idx))
    return np.asarray(idx - last_false, dtype=np.int64)


def _sustained(truth: I8, s: int) -> I8:
    """Kleene conjunction over the `s` days ending on each day (false before `s` days exist)."""
    if s <= 1:
        return truth
    enough = np.arange(truth.size) >= s - 1
    t_run = runs(truth == T) >= s
    u_run = runs(truth >= U) >= s
    out = np.where(t_run & enough, T, np.where(u_run & enough, U, F))
    return np.asarray(out, dtype=np.int8)


def _three(known: NDArray[np.int64], possible: NDArray[np.int64], need: int) -> I8:
    """True when `known` reaches `need`, unknown when `possible` does, false otherwise."""
    return np.asarray(np.where(known >= need, T, np.where(possible >= need, U, F)), np.int8)


@dataclass
class LeafDays:
    """One leaf's measures per day, and its truth before and after requirements."""

    measured: I8  # counts and measures only
    truth: I8  # with requirements, sustained and resolutions
    events: NDArray[np.int64]
    events_possible: NDArray[np.int64]
    fatalities: NDArray[np.int64] | None
    fatalities_unknown: NDArray[np.int64] | None
    distinct: NDArray[np.int64] | None


def leaf_days(leaf: Leaf, st: LeafState, days: int) -> LeafDays:
    """A leaf's measured truth and measures per day (before requirements and resolutions)."""
    w = leaf.window_days
    if leaf.kind is LeafKind.narrative:
        zero = np.zeros(days, dtype=np.int64)
        return LeafDays(
            np.full(days, T, np.int8), np.full(days, U, np.int8), zero, zero, None, None, None
        )
    events = window(st.count, w)
    possible = events + window(st.unplaced, w)
    measured = _three(events, possible, leaf.min_events or 1)
    fat = fat_unknown = distinct = None
    if leaf.min_fatalities is not None:
        fat = window(st.fatalities, w)
        fat_unknown = window(st.unknown_fat + st.unplaced, w)
        known = _three(fat, fat + window(st.unplaced_fat, w), leaf.min_fatalities)
        unsure = (known == F) & (fat_unknown > 0)
        measured = np.minimum(measured, np.where(unsure, U, known).astype(np.int8))
    if leaf.min_distinct_days is not None:
        distinct = window((st.count > 0).astype(np.int64), w)
        maybe = window(((st.count + st.unplaced) > 0).astype(np.int64), w)
        measured = np.minimum(measured, _three(distinct, maybe, leaf.min_distinct_days))
    req = requirements_truth(leaf, EVENTS_ESTABLISH) if leaf.counts_events else Truth.true
    truth = np.minimum(measured, np.int8(req))
    return LeafDays(measured, truth, events, possible, fat, fat_unknown, distinct)


@dataclass
class LevelDays:
    """One trigger level's truth per day, with the leaves it read."""

    trigger: CompiledTrigger
    level: CompiledLevel
    truth: I8
    resolution: NDArray[np.int64]  # index into the resolutions applied per day (-1: none)


def read_result(ev: Evaluator, resolutions: Sequence[Resolution] = ()) -> MonitorResult:
    """Activations (established onsets), undetermined onsets and why-not traces."""
    days = ev.days
    plan = ev.plan
    leaves: list[LeafDays] = []
    for i, leaf in enumerate(plan.leaves):
        if ev.selection_of[i] < 0:  # a leaf no trigger reads (a forfeiture's): never true
            zero = np.zeros(days, dtype=np.int64)
            never = np.full(days, F, np.int8)
            leaves.append(LeafDays(never, never, zero, zero, None, None, None))
            continue
        ld = leaf_days(leaf, ev.state_of(i), days)
        ld.truth = _sustained(ld.truth, leaf.sustained_days)
        leaves.append(ld)
    activations: list[Activation] = []
    undetermined: list[Undetermined] = []
    not_reached: list[LevelTrace] = []
    levels: dict[str, NDArray[np.int8]] = {}
    possible: dict[str, NDArray[np.int8]] = {}
    reader = _Reader(ev, leaves)
    for trig in plan.triggers:
        established = np.full(days, -1, dtype=np.int8)
        maybe = np.full(days, -1, dtype=np.int8)
        series: list[LevelDays] = []
        for lv in trig.levels:
            truths = [ld.truth for ld in leaves]
            resolved_by = np.full(days, -1, dtype=np.int64)
            for r_index, res in enumerate(resolutions):
                if res.trigger != trig.id or (res.level is not None and res.level is not lv.level):
                    continue
                d = _day_index(ev, res.time)
                e = days if res.until is None else min(days, _day_index(ev, res.until) + 1)
                if d >= e:
                    continue
                truths = _resolve(truths, lv, d, e, res.finding)
                resolved_by[d:e] = np.where(resolved_by[d:e] < 0, r_index, resolved_by[d:e])
            value = evaluate_arrays(lv.tree, truths)
            series.append(LevelDays(trig, lv, value, resolved_by))
            rank_value = _level_rank(lv.level)
            established[value == T] = rank_value
            maybe[value >= U] = np.maximum(maybe[value >= U], rank_value)
        levels[trig.id] = established
        possible[trig.id] = maybe
        previous = np.concatenate([[-1], established[:-1]])
        for t in np.flatnonzero(established > previous).tolist():
            ldays = next(s for s in series if _level_rank(s.level.level) == established[t])
            r_index = int(ldays.resolution[t])
            activations.append(
                reader.activation(ldays, t, resolutions[r_index] if r_index >= 0 else None)
            )
        for t in renewals(ev, trig, established):
            for ldays in series:  # every level that holds on the day, lowest first
                if ldays.truth[t] == T:
                    r_index = int(ldays.resolution[t])
                    activations.append(
                        reader.activation(
                            ldays, t, resolutions[r_index] if r_index >= 0 else None, True
                        )
                    )
        for ldays in series:
            rank_value = _level_rank(ldays.level.level)
            open_ = (ldays.truth == U) & (established < rank_value)
            before = np.concatenate([[False], open_[:-1]])
            after = np.concatenate([open_[1:], [False]])
            ends = np.flatnonzero(open_ & ~after).tolist()
            for t, last in zip(np.flatnonzero(open_ & ~before).tolist(), ends, strict=True):
                undetermined.append(reader.undetermined(ldays, t, last))
            if not (ldays.truth == T).any():
                not_reached.append(reader.best_trace(ldays))
    rank = {lv: i for i, lv in enumerate(Level)}
    activations.sort(key=lambda a: (a.time, a.trigger, rank[a.level]))
    undetermined.sort(key=lambda u: (u.time, u.trigger, rank[u.level]))
    return MonitorResult(ev.start, days, activations, undetermined, not_reached, levels, possible)


def renewals(ev: Evaluator, trig: CompiledTrigger, established: I8) -> list[int]:
    """Days a seizure trigger, holding since before, sees a renewed escalation.

    A new advance is an incident that starts to count for one of the trigger's seizure leaves;
    it renews the escalation when its direction (the admin-1 unit it mostly lies in) saw no new
    advance on the `ev.quiet_days` days before. The day a level first rises is an onset, not a
    renewal; one renewal per day however many directions renew on it.
    """
    if ev.quiet_days <= 0:
        return []
    selections = sorted(
        {
            ev.selection_of[i]
            for lv in trig.levels
            for i in lv.tree.positive_leaves()
            if ev.plan.leaves[i].kind is LeafKind.territorial_seizure and ev.selection_of[i] >= 0
        }
    )
    by_direction: dict[str, NDArray[np.int64]] = {}
    for sel in selections:
        for direction, fresh in ev.states[sel].fresh.items():
            into = by_direction.setdefault(direction, np.zeros(ev.days, dtype=np.int64))
            into += fresh
    days: set[int] = set()
    for fresh in by_direction.values():
        before = np.concatenate([[0], np.cumsum(fresh)])  # before[t]: new advances on days < t
        for t in np.flatnonzero(fresh).tolist():
            quiet = before[t] - before[max(0, t - ev.quiet_days)] == 0
            held = t > 0 and established[t - 1] >= 0 and established[t] == established[t - 1]
            if quiet and held and t >= ev.quiet_days:
                days.add(t)
    # and at least `quiet_days` after the trigger's last activation (an onset or a renewal): one
    # escalation, seen in two directions a few days apart, is activated once
    previous = np.concatenate([[-1], established[:-1]])
    onsets = set(np.flatnonzero(established > previous).tolist())
    out: list[int] = []
    last = -(10**9)
    for t in range(ev.days):
        if t in onsets:
            last = t
        elif t in days and t - last >= ev.quiet_days:
            out.append(t)
            last = t
    return out


def _level_rank(level: Level) -> int:
    return list(Level).index(level)


def _day_index(ev: Evaluator, when: datetime) -> int:
    """The UTC day a time falls on (evaluation is by whole days: an act settles its own day)."""
    return max(0, (when.astimezone(UTC).date() - ev.start).days)


def _resolve(truths: list[I8], lv: CompiledLevel, d: int, e: int, finding: bool) -> list[I8]:
    """The leaves of a level with their unknowns settled on days d .. e-1."""
    out = list(truths)
    settled = T if finding else F
    for i in set(lv.tree.leaves()):
        arr = out[i].copy()
        part = arr[d:e]
        part[part == U] = settled
        out[i] = arr
    return out


class _Reader:
    """Builds activations, undetermined records and traces from the evaluator's aggregates."""

    def __init__(self, ev: Evaluator, leaves: list[LeafDays]) -> None:
        self.ev = ev
        self.leaves = leaves

    def _day(self, t: int) -> date:
        return day_start(self.ev.first + t).date()

    def _span(self, leaf: Leaf, t: int) -> tuple[int, int]:
        lo = max(0, t - leaf.window_days - leaf.sustained_days + 2)
        return lo, t

    def leaf_trace(self, i: int, t: int, truth: int, best: bool = False) -> LeafTrace:
        """Leaf `i` of the plan on day `t`: window, thresholds, evidence and unknowns."""
        leaf = self.ev.plan.leaves[i]
        st = self.ev.state_of(i)
        ld = self.leaves[i]
        lo, hi = self._span(leaf, t)
        comparisons = self._comparisons(leaf, st, ld, t, best)
        evidence: list[str] = []
        for d in range(lo, hi + 1):
            evidence.extend(st.evidence.get(d, []))
        total = int(st.count[lo : hi + 1].sum())
        return LeafTrace(
            leaf=i,
            kind=leaf.kind,
            path=leaf.path,
            window=(self._day(lo), self._day(hi)),
            truth=Truth(truth),
            comparisons=tuple(comparisons),
            evidence=tuple(sorted(dict.fromkeys(evidence))[:EVIDENCE_SHOWN]),
            evidence_total=total,
            unknown=self._unknowns(i, lo, hi) if ld.measured[t] >= U else (),
            parties=leaf.parties,
        )

    def _comparisons(
        self, leaf: Leaf, st: LeafState, ld: LeafDays, t: int, best_of_period: bool
    ) -> list[Comparison]:
        out: list[Comparison] = []
        if leaf.kind is LeafKind.narrative:
            return out
        if leaf.kind is LeafKind.territorial_seizure:
            out.append(
                Comparison(Measure.incidents, float(ld.events[t]), 1.0, _cmp(ld.events[t], 1))
            )
            if leaf.min_area_km2 is not None:
                out.append(_best(Measure.area_km2, st.best_area, leaf.min_area_km2))
            if leaf.min_depth_km is not None:
                out.append(_best(Measure.depth_km, st.best_depth, leaf.min_depth_km))
            if leaf.persisted_days:
                out.append(
                    Comparison(
                        Measure.persisted_days,
                        float(leaf.persisted_days),
                        float(leaf.persisted_days),
                        Truth.true,
                    )
                )
        elif leaf.kind is LeafKind.request:
            out.append(
                Comparison(Measure.requests, float(ld.events[t]), 1.0, _cmp(ld.events[t], 1))
            )
        elif leaf.kind in (LeafKind.act, LeafKind.not_enacted):
            out.append(Comparison(Measure.acts, float(ld.events[t]), 1.0, _cmp(ld.events[t], 1)))
        else:
            need = leaf.min_events or 1
            out.append(
                Comparison(
                    Measure.events,
                    float(ld.events[t]),
                    float(need),
                    Truth(
                        int(_three(ld.events[t : t + 1], ld.events_possible[t : t + 1], need)[0])
                    ),
                )
            )
            if leaf.min_fatalities is not None and ld.fatalities is not None:
                unknown = ld.fatalities_unknown is not None and ld.fatalities_unknown[t] > 0
                met = ld.fatalities[t] >= leaf.min_fatalities
                truth = Truth.true if met else Truth.unknown if unknown else Truth.false
                observed = float(ld.fatalities[t])
                out.append(
                    Comparison(Measure.fatalities, observed, float(leaf.min_fatalities), truth)
                )
            if leaf.min_distinct_days is not None and ld.distinct is not None:
                out.append(
                    Comparison(
                        Measure.distinct_days,
                        float(ld.distinct[t]),
                        float(leaf.min_distinct_days),
                        _cmp(ld.distinct[t], leaf.min_distinct_days),
                    )
                )
        if leaf.sustained_days > 1:
            run = int(runs(ld.measured >= U)[t])
            out.append(
                Comparison(
                    Measure.consecutive_days,
                    float(run),
                    float(leaf.sustained_days),
                    _cmp(run, leaf.sustained_days),
                )
            )
        if leaf.parties:
            lo, hi = self._span(leaf, t)
            best = float(st.max_conf[lo : hi + 1].max()) if hi >= lo else 0.0
            if best_of_period:  # the best attribution of any event in place, counted or not
                best = max(best, st.best_conf_placed)
            truth = Truth.true if (best >= leaf.min_attribution and best > 0) else Truth.false
            out.append(Comparison(Measure.attribution, best, leaf.min_attribution, truth))
        return out

    def _unknowns(self, i: int, lo: int, hi: int) -> tuple[Unknown, ...]:
        leaf = self.ev.plan.leaves[i]
        st = self.ev.state_of(i)
        trig = self._trigger_of(i)
        resolver = trig.resolver if trig is not None else None
        out: list[Unknown] = []
        if leaf.counts_events:
            for req in leaf.requires:
                if req.attribute not in EVENTS_ESTABLISH:
                    out.append(Unknown(req.attribute.value, UnknownReason.not_observed, resolver))
            if st.unplaced[lo : hi + 1].any():
                out.append(Unknown("place", UnknownReason.no_coordinates, resolver))
            if leaf.min_fatalities is not None and st.unknown_fat[lo : hi + 1].any():
                out.append(Unknown(Measure.fatalities.value, UnknownReason.not_carried, resolver))
        if leaf.kind is LeafKind.narrative:
            out.append(Unknown(Attribute.words.value, UnknownReason.words_only, resolver))
        return tuple(out)

    def _trigger_of(self, i: int) -> CompiledTrigger | None:
        for trig in self.ev.plan.triggers:
            for lv in trig.levels:
                if i in lv.tree.leaves():
                    return trig
        return None

    def level_trace(self, ldays: LevelDays, t: int, kind: TraceKind) -> LevelTrace:
        """The trace of a level on day `t`."""
        leaf_ids = sorted(set(ldays.level.tree.leaves()))
        traces = tuple(self.leaf_trace(i, t, int(self.leaves[i].truth[t])) for i in leaf_ids)
        return LevelTrace(
            trigger=ldays.trigger.id,
            level=ldays.level.level,
            kind=kind,
            day=self._day(t),
            truth=Truth(int(ldays.truth[t])),
            leaves=traces,
            provenance=ldays.level.provenance,
        )

    def activation(
        self, ldays: LevelDays, t: int, res: Resolution | None, renewed: bool = False
    ) -> Activation:
        """The activation of a level established on day `t` (`renewed`: after a quiet spell)."""
        trace = self.level_trace(ldays, t, TraceKind.onset)
        positive = set(ldays.level.tree.positive_leaves())
        holding = [lt for lt in trace.leaves if lt.leaf in positive and lt.truth is Truth.true]
        evidence = sorted({e for lt in holding for e in lt.evidence})
        confs = [
            c.observed for lt in holding for c in lt.comparisons if c.measure is Measure.attribution
        ]
        return Activation(
            trigger=ldays.trigger.id,
            level=ldays.level.level,
            time=day_start(self.ev.first + t + 1),
            evidence=tuple(evidence[:EVIDENCE_SHOWN]),
            evidence_total=sum(lt.evidence_total for lt in holding),
            attribution=min((c for c in confs if c is not None), default=None),
            trace=trace,
            resolution=res,
            renewed=renewed,
        )

    def undetermined(self, ldays: LevelDays, t: int, last: int) -> Undetermined:
        """A level undetermined from day `t` to day `last`."""
        trace = self.level_trace(ldays, t, TraceKind.onset)
        ends = None if last >= self.ev.days - 1 else day_start(self.ev.first + last + 1)
        return Undetermined(
            trigger=ldays.trigger.id,
            level=ldays.level.level,
            time=day_start(self.ev.first + t + 1),
            unknown=trace.unknown,
            resolved_by=ldays.trigger.resolver,
            trace=trace,
            ends=ends,
        )

    def best_trace(self, ldays: LevelDays) -> LevelTrace:
        """For a level never established: each leaf's thresholds at their best over the period."""
        leaf_ids = sorted(set(ldays.level.tree.leaves()))
        traces: list[LeafTrace] = []
        for i in leaf_ids:
            ld = self.leaves[i]
            score = ld.measured.astype(np.int64) * (1 << 40) + ld.events
            t = int(np.argmax(score)) if score.size else 0
            lt = self.leaf_trace(i, t, int(ld.truth[t]), best=True)
            comparisons = tuple(_at_best(c, self._day(t)) for c in lt.comparisons)
            traces.append(replace(lt, comparisons=comparisons))
        best = int(np.max(ldays.truth)) if ldays.truth.size else int(F)
        return LevelTrace(
            trigger=ldays.trigger.id,
            level=ldays.level.level,
            kind=TraceKind.best,
            day=None,
            truth=Truth(best),
            leaves=tuple(traces),
            provenance=ldays.level.provenance,
        )


def _cmp(observed: float | np.integer, need: float) -> Truth:
    return Truth.true if observed >= need else Truth.false


def _best(measure: Measure, observed: float, need: float) -> Comparison:
    return Comparison(measure, observed, need, _cmp(observed, need))


def _at_best(c: Comparison, day: date) -> Comparison:
    return Comparison(c.measure, c.observed, c.threshold, c.truth, observed_on=day)
