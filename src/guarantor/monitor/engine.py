"""The trigger evaluator: streams event chunks into per-day aggregates, then reads activations.

Batch and incremental evaluation are the same code: `evaluate` feeds everything at once,
`Evaluator.feed` takes chunks and `save`/`load` keep a checkpoint between them. All state is
additive (counts, sums) or a maximum, and evidence keeps the first rows of each day in input
order, so any split of the same input into chunks gives exactly the same result.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import orjson
from numpy.typing import NDArray

from guarantor.errors import Position, UserError
from guarantor.fileio import write_atomic as atomic_write
from guarantor.model import Agreement, RoleKind
from guarantor.model.triggers import LEVEL_ORDER, Level
from guarantor.monitor.actors import ActorMap
from guarantor.monitor.columns import EventColumns, day_number, day_start
from guarantor.monitor.geography import Geography
from guarantor.monitor.incidents import Incident
from guarantor.monitor.plan import Leaf, Node, Plan, compile_plan

EVIDENCE_PER_DAY = 5  # event ids kept per leaf and day (the counts are always complete)
EVIDENCE_SHOWN = 12  # ids listed on one activation
CHECKPOINT_VERSION = 1


@dataclass
class Activation:
    """A trigger reaching a level: when, on what evidence, and why."""

    trigger: str
    level: str
    time: datetime
    evidence: list[str]
    evidence_total: int
    explanation: str
    attribution: float | None

    def to_json(self) -> dict[str, Any]:
        """The replay JSON shape."""
        return {
            "trigger": self.trigger,
            "level": self.level,
            "time": self.time.isoformat().replace("+00:00", "Z"),
            "evidence": self.evidence,
            "evidence_total": self.evidence_total,
            "explanation": self.explanation,
            "attribution": None if self.attribution is None else round(self.attribution, 4),
        }


@dataclass
class NearMiss:
    """A trigger level that never held in the period, and by how much it missed."""

    trigger: str
    level: str
    reasons: list[str]

    def to_json(self) -> dict[str, Any]:
        """As a JSON-ready mapping."""
        return {"trigger": self.trigger, "level": self.level, "reasons": self.reasons}


@dataclass
class MonitorResult:
    """Activations in time order, near misses, and each trigger's level per day (-1 = none)."""

    start: date
    days: int
    activations: list[Activation]
    near_misses: list[NearMiss]
    levels: dict[str, NDArray[np.int8]] = field(default_factory=dict)


class _LeafState:
    """Per-day aggregates of one leaf."""

    def __init__(self, days: int) -> None:
        self.count = np.zeros(days, dtype=np.int64)
        self.fatalities = np.zeros(days, dtype=np.int64)
        self.max_conf = np.zeros(days, dtype=np.float64)
        self.evidence: dict[int, list[str]] = {}
        self.full = np.zeros(days, dtype=bool)  # days whose evidence list is full
        self.typed = 0  # events of the right kind in the period
        self.typed_placed = 0  # ... and in the right place
        self.best_conf_placed = 0.0  # best attribution among those


class Evaluator:
    """Evaluates an agreement's triggers over a period, chunk by chunk."""

    def __init__(
        self,
        agreement: Agreement,
        start: date,
        end: date,
        actors: ActorMap | None = None,
        geography: Geography | None = None,
    ) -> None:
        if end < start:
            raise UserError(f"the period ends ({end}) before it starts ({start})")
        self.agreement = agreement
        self.plan: Plan = compile_plan(agreement)
        self.actors = actors or ActorMap()
        self.geography = geography or Geography()
        self.start = start
        self.first = day_number(start)
        self.days = day_number(end) - self.first + 1
        self.rows = 0
        self.seen: set[str] = set()  # ids fed so far (only for chunks that carry ids)
        self.skipped = 0  # events skipped because their id was fed before
        # Leaves that differ only in thresholds (window, counts, persistence) select the same
        # events: they share one filter and its per-day aggregates.
        keys: dict[Leaf, int] = {}
        self.filter_of: list[int] = []
        self.filters: list[Leaf] = []
        for leaf in self.plan.leaves:
            key = filter_key(leaf)
            if key not in keys:
                keys[key] = len(self.filters)
                self.filters.append(key)
            self.filter_of.append(keys[key])
        self.states = [_LeafState(self.days) for _ in self.filters]

    # ---- feeding -------------------------------------------------------------------------

    def _conf(self, cols: EventColumns, parties: tuple[str, ...]) -> NDArray[np.float64]:
        lut = np.zeros(len(cols.actor_names) + 1, dtype=np.float64)  # last slot: no actor (-1)
        wanted = set(parties)
        for code, name in enumerate(cols.actor_names):
            if name in wanted:
                lut[code] = 1.0  # an actor named by its party id is that party
            else:
                lut[code] = self.actors.confidence(name, wanted)
        conf = lut[cols.actors[:, 0]]
        for j in range(1, cols.actors.shape[1]):
            np.maximum(conf, lut[cols.actors[:, j]], out=conf)
        return conf

    def _place(
        self, cols: EventColumns, leaf: Leaf, cache: dict[Any, NDArray[np.bool_]]
    ) -> NDArray[np.bool_] | None:
        masks = []
        if leaf.inside and leaf.inside != "anywhere":
            key = ("inside", leaf.inside)
            if key not in cache:
                cache[key] = self.geography.inside(leaf.inside, cols.lon, cols.lat)
            masks.append(cache[key])
        if leaf.beyond_km is not None:
            key2 = ("beyond", leaf.beyond_km)
            if key2 not in cache:
                cache[key2] = self.geography.beyond_line(leaf.beyond_km, cols.lon, cols.lat)
            masks.append(cache[key2])
        if leaf.zone:
            key3 = ("zone", leaf.zone)
            if key3 not in cache:
                cache[key3] = self.geography.in_zone(leaf.zone, cols.lon, cols.lat)
            masks.append(cache[key3])
        if not masks:
            return None
        out = masks[0].copy()
        for m in masks[1:]:
            out &= m
        return out

    def feed(self, cols: EventColumns) -> None:
        """Add a chunk of events (in the same order on every run, for identical evidence).

        When the chunk carries ids, an id already fed (in this chunk, an earlier one, or before
        a checkpoint) is skipped and counted in `skipped`: feeding a file twice adds nothing.
        """
        if cols.ids is not None and len(cols):
            fresh = np.ones(len(cols), dtype=bool)
            for i, event_id in enumerate(cols.ids):
                if event_id in self.seen:
                    fresh[i] = False
                else:
                    self.seen.add(event_id)
            if not fresh.all():
                self.skipped += int((~fresh).sum())
                cols = _subset(cols, fresh)
        n = len(cols)
        if n == 0:
            return
        rel = cols.day.astype(np.int64) - self.first
        in_period = (rel >= 0) & (rel < self.days)
        cache: dict[Any, Any] = {}
        for leaf, state in zip(self.filters, self.states, strict=True):
            if not leaf.types:
                continue
            tkey = ("types", leaf.types)
            if tkey not in cache:
                table = np.zeros(256, dtype=bool)
                table[list(leaf.types)] = True
                cache[tkey] = in_period & table[cols.type_code.astype(np.uint8)]
            base: NDArray[np.bool_] = cache[tkey]
            place = self._place(cols, leaf, cache)
            placed = base if place is None else base & place
            conf: NDArray[np.float64] | None = None
            if leaf.parties:
                ckey = ("conf", leaf.parties)
                if ckey not in cache:
                    cache[ckey] = self._conf(cols, leaf.parties)
                conf = cache[ckey]
                assert conf is not None
                akey = ("attributed", leaf.parties, leaf.min_attribution)
                if akey not in cache:
                    threshold = leaf.min_attribution
                    cache[akey] = conf >= threshold if threshold > 0 else conf > 0
                mask = placed & cache[akey]
            else:
                mask = placed
            state.typed_placed += int(np.count_nonzero(placed))
            idx = np.flatnonzero(mask)
            if idx.size == 0:
                # Only read (by --why-not) when nothing ever matched, so only needed then.
                if conf is not None and state.typed_placed:
                    best = float(np.max(conf, where=placed, initial=0.0))
                    state.best_conf_placed = max(state.best_conf_placed, best)
                continue
            d = rel[idx]
            state.count += np.bincount(d, minlength=self.days)
            state.fatalities += np.bincount(
                d, weights=cols.fatalities[idx], minlength=self.days
            ).astype(np.int64)
            if conf is not None:
                np.maximum.at(state.max_conf, d, conf[idx])
            self._evidence(state, idx, d, cols)
        self.rows += n

    def _evidence(
        self, state: _LeafState, idx: NDArray[np.intp], d: NDArray[np.int64], cols: EventColumns
    ) -> None:
        """Keep, per day, the first EVIDENCE_PER_DAY matching rows in input order."""
        keep = ~state.full[d]
        idx, d = idx[keep], d[keep]
        # Rows of a day inside a prefix come before its later rows: settle the prefix first,
        # then only the rows of days still short of evidence (usually none) are looked at.
        cut = 16 * EVIDENCE_PER_DAY * self.days
        if idx.size > cut:
            self._evidence(state, idx[:cut], d[:cut], cols)
            rest = ~state.full[d[cut:]]
            idx, d = idx[cut:][rest], d[cut:][rest]
        first = np.empty(self.days, dtype=np.int64)
        # Hand-written instead of a sort (which dominated the run time): each pass takes the
        # earliest remaining row of every day present, by a reversed fancy-index assignment
        # (the last write wins), so a pass is O(n) and at most EVIDENCE_PER_DAY passes run.
        for _ in range(EVIDENCE_PER_DAY):
            if idx.size == 0:
                return
            pos = np.arange(idx.size)
            first.fill(-1)
            first[d[::-1]] = pos[::-1]
            hit = np.sort(first[first >= 0])
            for i in hit.tolist():
                day = int(d[i])
                items = state.evidence.setdefault(day, [])
                if len(items) < EVIDENCE_PER_DAY:
                    row = int(idx[i])
                    items.append(
                        cols.ids[row] if cols.ids is not None else f"row:{self.rows + row}"
                    )
                    if len(items) == EVIDENCE_PER_DAY:
                        state.full[day] = True
            keep = ~state.full[d]
            keep[hit] = False
            idx, d = idx[keep], d[keep]

    def feed_incidents(self, incidents: Iterable[Incident]) -> None:
        """Add territorial incidents: one counts on each day it is held after `persisted`."""
        items = sorted(incidents, key=lambda x: (x.first_seen, x.id))
        for leaf, state in zip(self.filters, self.states, strict=True):
            if leaf.kind != "territorial_seizure":
                continue
            for inc in items:
                if inc.beyond != leaf.beyond:
                    continue
                conf = (
                    1.0
                    if not leaf.parties or inc.side in leaf.parties
                    else self.actors.confidence(inc.side, set(leaf.parties))
                )
                if conf <= 0 and leaf.parties:
                    continue
                state.typed += 1
                if conf < leaf.min_attribution:
                    continue
                # for seizures, best_conf_placed holds the largest area seen (for --why-not)
                state.best_conf_placed = max(state.best_conf_placed, inc.area_km2)
                if leaf.min_area_km2 is not None and inc.area_km2 < leaf.min_area_km2:
                    continue
                if leaf.min_depth_km is not None and inc.max_depth_km < leaf.min_depth_km:
                    continue
                state.typed_placed += 1
                held = day_number(inc.first_seen) + leaf.persisted_days - self.first
                if inc.confirmed is not None:
                    held = max(held, day_number(inc.confirmed) - self.first)
                until = self.days if inc.reversed is None else day_number(inc.reversed) - self.first
                lo, hi = max(held, 0), min(until, self.days)
                if lo >= hi:
                    continue
                state.count[lo:hi] += 1
                state.max_conf[lo:hi] = np.maximum(state.max_conf[lo:hi], conf)
                state.fatalities[lo] += 0
                state.evidence.setdefault(lo, []).append(inc.id)

    def feed_requests(self, requests: Iterable[tuple[str, datetime]]) -> None:
        """Add formal requests (party, time) for `request` predicates."""
        guarantors = set(self.agreement.expand(self.agreement.with_role(RoleKind.guarantor)))
        beneficiaries = set(self.agreement.expand(self.agreement.with_role(RoleKind.beneficiary)))
        for leaf, state in zip(self.filters, self.states, strict=True):
            if leaf.kind != "request":
                continue
            for party, when in requests:
                by = leaf.request_by
                ok = (
                    "any_party" in by
                    or ("beneficiary" in by and party in beneficiaries)
                    or ("any_guarantor" in by and party in guarantors)
                    or party in self.agreement.expand(list(by))
                )
                d = day_number(when) - self.first
                if ok and 0 <= d < self.days:
                    state.count[d] += 1
                    state.typed += 1
                    state.evidence.setdefault(d, []).append(f"request:{party}@{when.isoformat()}")

    # ---- reading -------------------------------------------------------------------------

    def _holds(self, leaf: Leaf, state: _LeafState) -> NDArray[np.bool_]:
        w = leaf.window_days
        if (
            leaf.min_events is None
            and leaf.min_fatalities is None
            and leaf.min_distinct_days is None
        ):
            hold = _window(state.count, w) >= 1
        else:
            hold = np.ones(self.days, dtype=bool)
            if leaf.min_events is not None:
                hold &= _window(state.count, w) >= leaf.min_events
            if leaf.min_fatalities is not None:
                hold &= _window(state.fatalities, w) >= leaf.min_fatalities
            if leaf.min_distinct_days is not None:
                hold &= _window((state.count > 0).astype(np.int64), w) >= leaf.min_distinct_days
        return _sustained(hold, leaf.sustained_days)

    def result(self) -> MonitorResult:
        """Activations (level onsets) and near misses over the whole period so far."""
        holds = [
            self._holds(leaf, self.states[f])
            for leaf, f in zip(self.plan.leaves, self.filter_of, strict=True)
        ]
        activations: list[Activation] = []
        misses: list[NearMiss] = []
        levels: dict[str, NDArray[np.int8]] = {}
        for trigger, tree_levels in self.plan.triggers:
            series = np.full(self.days, -1, dtype=np.int8)
            trees = sorted(tree_levels, key=lambda x: LEVEL_ORDER[x[0]])
            for level, tree in trees:
                held = _tree(tree, holds, self.days)
                series[held] = LEVEL_ORDER[level]
                if not held.any():
                    misses.append(NearMiss(trigger.id, level.value, self._why_not(tree)))
            levels[trigger.id] = series
            previous = np.concatenate([[-1], series[:-1]])
            for t in np.flatnonzero(series > previous).tolist():
                level = next(lv for lv, _ in trees if LEVEL_ORDER[lv] == series[t])
                tree = next(tr for lv, tr in trees if lv is level)
                activations.append(self._activation(trigger.id, level, tree, holds, t))
        activations.sort(key=lambda a: (a.time, a.trigger, LEVEL_ORDER[Level(a.level)]))
        return MonitorResult(self.start, self.days, activations, misses, levels)

    def _activation(
        self, trigger: str, level: Level, tree: Node, holds: list[NDArray[np.bool_]], t: int
    ) -> Activation:
        evidence: list[str] = []
        total = 0
        parts: list[str] = []
        confs: list[float] = []
        for i in _leaves_holding(tree, holds, t):
            leaf, st = self.plan.leaves[i], self.states[self.filter_of[i]]
            lo = max(0, t - leaf.window_days - leaf.sustained_days + 2)
            n = int(st.count[lo : t + 1].sum())
            fat = int(st.fatalities[lo : t + 1].sum())
            total += n
            for d in range(lo, t + 1):
                evidence.extend(st.evidence.get(d, []))
            if leaf.parties:
                confs.append(float(st.max_conf[lo : t + 1].max()))
            span = f"{day_start(self.first + lo).date()}..{day_start(self.first + t).date()}"
            unit = "incident(s)" if leaf.kind == "territorial_seizure" else "event(s)"
            text = f"{leaf.describe()}: {n} {unit}"
            if leaf.kind != "territorial_seizure":
                text += f", {fat} fatalities"
            text += f" in {span}"
            if leaf.parties:
                text += f"; best attribution {confs[-1]:.2f}"
            if leaf.sustained_days > 1:
                text += f"; held {leaf.sustained_days} consecutive days"
            if leaf.notes:
                text += "; note: " + "; ".join(leaf.notes)
            parts.append(text)
        unique = sorted(dict.fromkeys(evidence))
        return Activation(
            trigger=trigger,
            level=level.value,
            time=day_start(self.first + t + 1),
            evidence=unique[:EVIDENCE_SHOWN],
            evidence_total=total,
            explanation=" AND ".join(parts) if parts else "holds (no measured leaf)",
            attribution=min(confs) if confs else None,
        )

    def _why_not(self, tree: Node) -> list[str]:
        reasons: list[str] = []
        for node in _iter_nodes(tree):
            if node[0] == "narrative":
                reasons.append(f"narrative condition cannot be measured: {node[1]!r}")
                continue
            if node[0] != "leaf":
                continue
            leaf, st = self.plan.leaves[node[1]], self.states[self.filter_of[node[1]]]
            reasons.extend(self._leaf_miss(leaf, st))
        return reasons

    def _leaf_miss(self, leaf: Leaf, st: _LeafState) -> list[str]:
        name = leaf.describe()
        if leaf.kind == "territorial_seizure":
            if st.typed == 0:
                return [f"{name}: no incidents beyond the {leaf.beyond} in the period"]
            if st.typed_placed == 0:
                return [
                    f"{name}: {st.typed} incident(s), none large or deep enough "
                    f"(largest {st.best_conf_placed:.2f} km2; needs {leaf.min_area_km2} km2, "
                    f"depth {leaf.min_depth_km} km)"
                ]

            return [f"{name}: qualifying incidents were not held {leaf.persisted_days} days"]
        if leaf.kind == "request":
            return [
                f"{name}: no request recorded" if st.typed == 0 else f"{name}: requests recorded"
            ]
        if st.typed_placed == 0:
            return [f"{name}: no events of this kind in the required place in the period"]
        total = int(st.count.sum())
        if total == 0 and leaf.parties:
            return [
                f"{name}: best attribution confidence {st.best_conf_placed:.2f} < {leaf.min_attribution:.2f} "
                f"needed (missed by {leaf.min_attribution - st.best_conf_placed:.2f})"
            ]
        out = []
        w = leaf.window_days
        checks = (
            ("events", leaf.min_events, st.count),
            ("fatalities", leaf.min_fatalities, st.fatalities),
            ("distinct days", leaf.min_distinct_days, (st.count > 0).astype(np.int64)),
        )
        for label, need, arr in checks:
            if need is None:
                continue
            best = int(_window(arr, w).max())
            if best < need:
                out.append(
                    f"{name}: at most {best} {label} in any {w}-day window, {need} needed (missed by {need - best})"
                )
        if not out and leaf.sustained_days > 1:
            base = self._holds(Leaf(**{**leaf.__dict__, "sustained_days": 1}), st)
            run = _longest_run(base)
            out.append(
                f"{name}: held at most {run} consecutive day(s), {leaf.sustained_days} needed (missed by {leaf.sustained_days - run})"
            )
        return out or [
            f"{name}: holds on some days, but not together with the rest of the condition"
        ]

    # ---- checkpoints ---------------------------------------------------------------------

    def _actors_key(self) -> str:
        """What of the actor map a checkpoint depends on."""
        return repr(sorted(self.actors.entries.items()))

    def save(self, path: Path) -> None:
        """Write a checkpoint (whole file or nothing)."""
        meta = {
            "version": CHECKPOINT_VERSION,
            "plan": self.plan.fingerprint(),
            "actors": self._actors_key(),
            "first": self.first,
            "days": self.days,
            "rows": self.rows,
            "seen": sorted(self.seen),
            "skipped": self.skipped,
            "scalars": [[s.typed, s.typed_placed, s.best_conf_placed] for s in self.states],
            "evidence": [{str(k): v for k, v in s.evidence.items()} for s in self.states],
        }
        arrays: dict[str, Any] = {"meta": np.frombuffer(orjson.dumps(meta), dtype=np.uint8)}
        for i, s in enumerate(self.states):
            arrays[f"c{i}"], arrays[f"f{i}"], arrays[f"m{i}"] = s.count, s.fatalities, s.max_conf
        buffer = io.BytesIO()
        np.savez_compressed(buffer, **arrays)
        atomic_write(path, buffer.getvalue())

    def load(self, path: Path) -> None:
        """Resume from a checkpoint written by `save` for the same agreement, actors and period."""
        try:
            with np.load(path) as data:
                meta = orjson.loads(data["meta"].tobytes())
                arrays = {k: data[k] for k in data.files if k != "meta"}
        except (OSError, ValueError, KeyError) as exc:
            raise UserError(f"not a monitor checkpoint: {exc}", Position(str(path))) from None
        if meta.get("version") != CHECKPOINT_VERSION:
            raise UserError(
                f"checkpoint format {meta.get('version')!r}; this version reads {CHECKPOINT_VERSION}",
                Position(str(path)),
            )
        expected = (
            self.plan.fingerprint(),
            self._actors_key(),
            self.first,
            self.days,
        )
        if (meta["plan"], meta["actors"], meta["first"], meta["days"]) != expected:
            raise UserError(
                "the checkpoint was made for another agreement, actor map or period",
                Position(str(path)),
            )
        self.rows = meta["rows"]
        self.seen = set(meta["seen"])
        self.skipped = meta["skipped"]
        for i, s in enumerate(self.states):
            s.count, s.fatalities, s.max_conf = arrays[f"c{i}"], arrays[f"f{i}"], arrays[f"m{i}"]
            s.typed, s.typed_placed, s.best_conf_placed = meta["scalars"][i]
            s.evidence = {int(k): v for k, v in meta["evidence"][i].items()}
            s.full = np.zeros(self.days, dtype=bool)
            for d, items in s.evidence.items():
                s.full[d] = len(items) >= EVIDENCE_PER_DAY


def _subset(cols: EventColumns, keep: NDArray[np.bool_]) -> EventColumns:
    """The rows of a chunk where `keep` is true."""
    ids = (
        None if cols.ids is None else [x for x, k in zip(cols.ids, keep.tolist(), strict=True) if k]
    )
    return EventColumns(
        day=cols.day[keep],
        lon=cols.lon[keep],
        lat=cols.lat[keep],
        type_code=cols.type_code[keep],
        actors=cols.actors[keep],
        fatalities=cols.fatalities[keep],
        actor_names=cols.actor_names,
        ids=ids,
    )


def filter_key(leaf: Leaf) -> Leaf:
    """The leaf with its thresholds cleared: what selects its events or incidents."""
    return replace(
        leaf,
        window_days=1,
        min_events=None,
        min_fatalities=None,
        min_distinct_days=None,
        sustained_days=1,
        notes=(),
    )


def _window(values: NDArray[Any], w: int) -> NDArray[np.int64]:
    """Sum over the `w` days ending on each day (sliding window by cumulative sums)."""
    c = np.concatenate([[0], np.cumsum(values, dtype=np.int64)])
    lo = np.maximum(np.arange(1, values.size + 1) - w, 0)
    return np.asarray(c[1:] - c[lo], dtype=np.int64)


def _sustained(hold: NDArray[np.bool_], k: int) -> NDArray[np.bool_]:
    """True on days that end a run of at least `k` consecutive true days."""
    if k <= 1:
        return hold
    misses = _window((~hold).astype(np.int64), k)
    enough = np.arange(hold.size) >= k - 1
    return np.asarray((misses == 0) & enough, dtype=bool)


def _longest_run(hold: NDArray[np.bool_]) -> int:
    best = run = 0
    for value in hold.tolist():
        run = run + 1 if value else 0
        best = max(best, run)
    return best


def _tree(node: Node, holds: Sequence[NDArray[np.bool_]], days: int) -> NDArray[np.bool_]:
    kind = node[0]
    if kind == "leaf":
        return holds[node[1]]
    if kind == "narrative":
        return np.zeros(days, dtype=bool)
    if kind == "not":
        return ~_tree(node[1], holds, days)
    parts = [_tree(n, holds, days) for n in node[1]]
    out = parts[0].copy()
    for p in parts[1:]:
        out = out & p if kind == "all" else out | p
    return out


def _iter_nodes(node: Node) -> list[Node]:
    if node[0] in ("all", "any"):
        return [x for n in node[1] for x in _iter_nodes(n)]
    if node[0] == "not":
        return _iter_nodes(node[1])
    return [node]


def _leaves_holding(node: Node, holds: Sequence[NDArray[np.bool_]], t: int) -> list[int]:
    """Leaf indices that support the tree holding on day t (not-branches give no evidence)."""
    if node[0] == "leaf":
        return [node[1]] if holds[node[1]][t] else []
    if node[0] in ("all", "any"):
        return [i for n in node[1] for i in _leaves_holding(n, holds, t)]
    return []


def evaluate(
    agreement: Agreement,
    events: EventColumns | None,
    start: date,
    end: date,
    actors: ActorMap | None = None,
    geography: Geography | None = None,
    incidents: Iterable[Incident] = (),
    requests: Iterable[tuple[str, datetime]] = (),
) -> MonitorResult:
    """Batch evaluation of every trigger of `agreement` over [start, end]."""
    ev = Evaluator(agreement, start, end, actors, geography)
    if events is not None:
        ev.feed(events)
    ev.feed_incidents(incidents)
    ev.feed_requests(requests)
    return ev.result()
