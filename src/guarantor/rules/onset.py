"""When a steady violation first meets a leaf's thresholds, in whole UTC days (the monitor's rules).

The monitor counts observations per UTC day and reads each leaf over a sliding window of
`window_days`, then asks for `sustained_days` consecutive days. For a violation that goes on at a
steady rate for `fighting_days` days, that has a closed form, which the simulator uses for every
drawn violation at once (NumPy arrays) and a property test holds to the monitor's answer:

- k = the days of fighting one window needs: max(ceil(min_events / events per day),
  ceil(min_fatalities / fatalities per day), min_distinct_days, 1);
- the leaf holds on days k-1 .. fighting_days + window - 1 - k (when k <= window and
  k <= fighting_days), a run of fighting_days + window - 2k + 1 days;
- with `sustained_days` s it first holds at the end of day k + s - 2, that is k + s - 1 days
  after the violation began, if the run is at least s days long, and holds until the end of day
  fighting_days + window - 1 - k: it is false again fighting_days + window - k + 1 days after
  the violation began (`attack_end_days`).

A seizure counts from `persisted_days` after it is first seen; with `sustained_days` s it first
holds p + s days after it was first seen.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from guarantor.rules.logic import Truth, evaluate_arrays
from guarantor.rules.plan import Attribute, Leaf, Node, Requirement

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    F64 = NDArray[np.float64]


def requirement_truth(req: Requirement, established: Mapping[Attribute, bool]) -> Truth:
    """True or false when the observations establish the attribute, unknown otherwise."""
    if req.attribute in established:
        return Truth.true if established[req.attribute] else Truth.false
    return Truth.unknown


def requirements_truth(leaf: Leaf, established: Mapping[Attribute, bool]) -> Truth:
    """The Kleene conjunction of a leaf's requirements (true when it has none)."""
    return min((requirement_truth(r, established) for r in leaf.requires), default=Truth.true)


def fighting_days_needed(leaf: Leaf, events_per_day: F64, fatalities_per_day: F64) -> F64:
    """Days of steady fighting one window needs to meet an event leaf's counts (inf: never)."""
    import numpy as np

    with np.errstate(divide="ignore", invalid="ignore"):
        k = np.ones_like(events_per_day)
        if leaf.min_events is not None:
            k = np.maximum(k, np.ceil(leaf.min_events / events_per_day))
        if leaf.min_fatalities is not None:
            k = np.maximum(k, np.ceil(leaf.min_fatalities / fatalities_per_day))
        if leaf.min_distinct_days is not None:
            k = np.maximum(k, float(leaf.min_distinct_days))
    out: F64 = np.where(events_per_day > 0, k, np.inf)
    return out


def attack_onset_days(
    leaf: Leaf, events_per_day: F64, fatalities_per_day: F64, fighting_days: F64
) -> F64:
    """Days from a violation's start until an event leaf's thresholds hold (inf: never)."""
    import numpy as np

    k = fighting_days_needed(leaf, events_per_day, fatalities_per_day)
    with np.errstate(invalid="ignore"):
        days = np.ceil(fighting_days)
        run = days + leaf.window_days - 2 * k + 1
        ok = (k <= leaf.window_days) & (k <= days) & (run >= leaf.sustained_days)
    out: F64 = np.where(ok, k + leaf.sustained_days - 1, np.inf)
    return out


def attack_end_days(
    leaf: Leaf, events_per_day: F64, fatalities_per_day: F64, fighting_days: F64
) -> F64:
    """Days from a violation's start until an event leaf no longer holds (its window has passed)."""
    import numpy as np

    k = fighting_days_needed(leaf, events_per_day, fatalities_per_day)
    with np.errstate(invalid="ignore"):
        end = np.ceil(fighting_days) + leaf.window_days - k + 1
    out: F64 = np.where(np.isfinite(k), end, np.inf)
    return out


def seizure_onset_days(leaf: Leaf, area_km2: F64) -> F64:
    """Days from a seizure's first sighting until a seizure leaf holds (inf: never)."""
    import numpy as np

    ok = area_km2 > 0
    if leaf.min_area_km2 is not None:
        ok &= area_km2 >= leaf.min_area_km2
    out: F64 = np.where(ok, float(leaf.persisted_days + leaf.sustained_days), np.inf)
    return out


def leaf_times(
    leaf: Leaf, measured_onset: F64, established: Mapping[Attribute, bool], unknown: bool = False
) -> tuple[F64, F64]:
    """When a leaf becomes at least unknown and when it becomes true (inf: never).

    `measured_onset` is when its counts and measures hold; `unknown` says a measure the leaf
    needs is not observed at all (e.g. depth of a simulated seizure), so it can be no more than
    unknown.
    """
    import numpy as np

    req = requirements_truth(leaf, established)
    never = np.full_like(measured_onset, np.inf)
    if req is Truth.false:
        return never, never
    if req is Truth.unknown or unknown:
        return measured_onset, never
    return measured_onset, measured_onset


def level_times(
    tree: Node, times: Sequence[tuple[F64, F64]], ends: Sequence[F64 | None] | None = None
) -> tuple[F64, F64]:
    """When a level is first at least undetermined and first established (inf: never).

    Each leaf is false before its first time, unknown from it, true from its second, and false
    again from its end (`ends[i]`, None or inf: it never stops holding): the tree can change only
    at those times. Evaluation is by UTC day, so the first instant evaluated is the end of the
    violation's first day (1): a tree with `not` may hold from then on, and no time is earlier.
    """
    import numpy as np

    used = sorted(set(tree.leaves()))
    if not used:
        n = times[0][0].shape[0] if times else 0
        return np.full(n, np.inf), np.full(n, np.inf)
    n = times[used[0]][0].shape[0]
    end_of = {i: (ends[i] if ends is not None else None) for i in used}
    candidates = [np.ones(n)]
    for i in used:
        candidates.extend(np.maximum(t, 1.0) for t in times[i])
        end = end_of[i]
        if end is not None:
            candidates.append(np.maximum(end, 1.0))
    first_u = np.full(n, np.inf)
    first_t = np.full(n, np.inf)
    never = np.full(n, Truth.false, dtype=np.int8)
    for c in candidates:
        finite = np.isfinite(c)
        truths: list[NDArray[np.int8]] = [never] * len(times)
        for i in used:
            tu, tt = times[i]
            value = np.where(c >= tt, Truth.true, np.where(c >= tu, Truth.unknown, Truth.false))
            end = end_of[i]
            if end is not None:
                value = np.where(c >= end, Truth.false, value)
            truths[i] = value.astype(np.int8)
        value = evaluate_arrays(tree, truths)
        first_t = np.where(finite & (value == Truth.true), np.minimum(first_t, c), first_t)
        first_u = np.where(finite & (value >= Truth.unknown), np.minimum(first_u, c), first_u)
    return first_u, first_t
