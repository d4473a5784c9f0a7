"""The trigger evaluator: streams observations into per-day aggregates, then reads three answers.

Batch and incremental evaluation are the same code: `evaluate` feeds everything at once,
`Evaluator.feed` takes chunks and `save`/`load` keep a checkpoint between them. All state is
additive (counts, sums) or a maximum, and evidence keeps the first rows of each day in input
order, so any split of the same input into chunks gives exactly the same result.

What the observations cannot establish stays unknown (see `monitor.truth`): an event with no
coordinates for a leaf with a place, fatalities a source does not carry, attributes no event
source records (nuclear weapons, deliberateness) and words-only conditions.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import orjson
from numpy.typing import NDArray

from guarantor.errors import Position, UserError
from guarantor.fileio import write_atomic as atomic_write
from guarantor.model import Agreement, RoleKind
from guarantor.monitor.actors import ActorMap
from guarantor.monitor.columns import EventColumns, day_number, day_start
from guarantor.monitor.enactment import enactment_schedule, in_force_from
from guarantor.monitor.geography import Geography
from guarantor.monitor.result import MonitorResult, Resolution
from guarantor.rules import Leaf, LeafKind, RequestBy, RulePlan, compile_agreement
from guarantor.sources.acts import ActKind, ActLog
from guarantor.territory.incident import Incident, Side

EVIDENCE_PER_DAY = 5  # event ids kept per leaf and day (the counts are always complete)
EVIDENCE_SHOWN = 12  # ids listed on one activation
CHECKPOINT_VERSION = 2
_ARRAYS = ("count", "fatalities", "max_conf", "unplaced", "unplaced_fat", "unknown_fat")
QUIET_DAYS = 14  # days with no new advance after which the next one is a renewed escalation


class LeafState:
    """Per-day aggregates of the observations one selection of leaves counts."""

    def __init__(self, days: int) -> None:
        self.count = np.zeros(days, dtype=np.int64)  # placed, attributed observations
        self.fatalities = np.zeros(days, dtype=np.int64)  # their fatalities (where carried)
        self.max_conf = np.zeros(days, dtype=np.float64)  # best attribution among them
        self.unplaced = np.zeros(days, dtype=np.int64)  # attributed events with no coordinates
        self.unplaced_fat = np.zeros(days, dtype=np.int64)  # their fatalities
        self.unknown_fat = np.zeros(days, dtype=np.int64)  # counted events whose source has none
        # seizures, per direction (the unit an incident mostly lies in): incidents starting to
        # count each day. Not checkpointed: incidents are re-read on every run, never resumed.
        self.fresh: dict[str, NDArray[np.int64]] = {}
        self.evidence: dict[int, list[str]] = {}
        self.full = np.zeros(days, dtype=bool)  # days whose evidence list is full
        self.typed = 0  # observations of the right kind in the period
        self.typed_placed = 0  # ... and in the right place (or any incident, for seizures)
        self.best_conf_placed = 0.0  # best attribution among those
        self.best_area = 0.0  # seizures: the largest attributed incident (km²)
        self.best_depth = 0.0  # seizures: the deepest attributed incident (km)


@dataclass(frozen=True)
class RecordedRequest:
    """A formal request by a party at a time (for `request` leaves), about what it names."""

    party: str
    time: datetime
    ref: str | None = None  # a trigger, or an obligation a trigger opens; None: unspecified


class Evaluator:
    """Evaluates an agreement's triggers over a period, chunk by chunk."""

    def __init__(
        self,
        agreement: Agreement,
        start: date,
        end: date,
        actors: ActorMap | None = None,
        geography: Geography | None = None,
        quiet_days: int = QUIET_DAYS,
    ) -> None:
        if end < start:
            raise UserError(f"the period ends ({end}) before it starts ({start})")
        if quiet_days < 0:
            raise UserError(f"--quiet-days must not be negative (got {quiet_days})")
        # A seizure trigger that holds on after a quiet spell this long (no new advance) and then
        # sees a new advance is activated again: a renewed escalation (0: only first onsets).
        self.quiet_days = quiet_days
        self.agreement = agreement
        self.plan: RulePlan = compile_agreement(agreement)
        self.actors = actors or ActorMap()
        self.geography = geography or Geography()
        self.start = start
        self.first = day_number(start)
        self.days = day_number(end) - self.first + 1
        self.rows = 0
        self.span: tuple[int, int] | None = None  # first and last day of the events fed (coverage)
        self.seen: set[str] = set()  # ids fed so far (only for chunks that carry ids)
        self.skipped = 0  # events skipped because their id was fed before
        # Leaves that differ only in thresholds (window, counts, persistence) select the same
        # observations: they share one selection and its per-day aggregates.
        # Only the triggers' leaves are read (forfeitures are not monitored here).
        used = {i for t in self.plan.triggers for lv in t.levels for i in lv.tree.leaves()}
        keys: dict[Leaf, int] = {}
        self.selection_of: list[int] = []
        self.selections: list[Leaf] = []
        for index, leaf in enumerate(self.plan.leaves):
            if index not in used:
                self.selection_of.append(-1)
                continue
            key = leaf.selection()
            if key not in keys:
                keys[key] = len(self.selections)
                self.selections.append(key)
            self.selection_of.append(keys[key])
        self.states = [LeafState(self.days) for _ in self.selections]

    def state_of(self, leaf: int) -> LeafState:
        """The aggregates leaf `leaf` of the plan reads."""
        return self.states[self.selection_of[leaf]]

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
        self, cols: EventColumns, leaf: Leaf, cache: dict[Any, Any]
    ) -> NDArray[np.bool_] | None:
        """Mask of events in the leaf's place (None: the leaf has no place condition)."""
        place = leaf.place
        masks = []
        if place.inside is not None and place.inside.value != "anywhere":
            key = ("inside", place.inside)
            if key not in cache:
                cache[key] = self.geography.inside(place.inside.value, cols.lon, cols.lat)
            masks.append(cache[key])
        if place.beyond_agreed_line_km is not None:
            key2 = ("beyond", place.beyond_agreed_line_km)
            if key2 not in cache:
                cache[key2] = self.geography.beyond_line(
                    place.beyond_agreed_line_km, cols.lon, cols.lat
                )
            masks.append(cache[key2])
        if place.zone:
            key3 = ("zone", place.zone)
            if key3 not in cache:
                cache[key3] = self.geography.in_zone(place.zone, cols.lon, cols.lat)
            masks.append(cache[key3])
        if not masks:
            return None
        out: NDArray[np.bool_] = masks[0].copy()
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
                cols = cols.subset(fresh)
        n = len(cols)
        if n == 0:
            return
        lo, hi = int(cols.day.min()), int(cols.day.max())
        self.span = (
            (lo, hi) if self.span is None else (min(lo, self.span[0]), max(hi, self.span[1]))
        )
        rel = cols.day.astype(np.int64) - self.first
        in_period = (rel >= 0) & (rel < self.days)
        cache: dict[Any, Any] = {}
        nowhere = np.isnan(cols.lon) | np.isnan(cols.lat)
        fat_known = cols.fatalities_known
        for leaf, state in zip(self.selections, self.states, strict=True):
            if not leaf.event_types:
                continue
            codes = tuple(sorted(cols.type_codes(leaf.event_types)))
            tkey = ("types", codes)
            if tkey not in cache:
                table = np.zeros(256, dtype=bool)
                table[list(codes)] = True
                cache[tkey] = in_period & table[cols.type_code.astype(np.uint8)]
            base: NDArray[np.bool_] = cache[tkey]
            place = self._place(cols, leaf, cache)
            placed = base if place is None else base & place & ~nowhere
            conf: NDArray[np.float64] | None = None
            attributed: NDArray[np.bool_] | None = None
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
                attributed = cache[akey]
            mask = placed if attributed is None else placed & attributed
            state.typed_placed += int(np.count_nonzero(placed))
            if place is not None:
                lost = base & nowhere if attributed is None else base & nowhere & attributed
                if lost.any():
                    d_lost = rel[lost]
                    state.unplaced += np.bincount(d_lost, minlength=self.days)
                    state.unplaced_fat += np.bincount(
                        d_lost, weights=cols.fatalities[lost], minlength=self.days
                    ).astype(np.int64)
            idx = np.flatnonzero(mask)
            if idx.size == 0:
                # Only read (by the why-not trace) when nothing ever matched, so only needed then.
                if conf is not None and state.typed_placed:
                    best = float(np.max(conf, where=placed, initial=0.0))
                    state.best_conf_placed = max(state.best_conf_placed, best)
                continue
            d = rel[idx]
            state.count += np.bincount(d, minlength=self.days)
            state.fatalities += np.bincount(
                d, weights=cols.fatalities[idx], minlength=self.days
            ).astype(np.int64)
            if fat_known is not None:
                unknown = ~fat_known[idx]
                if unknown.any():
                    state.unknown_fat += np.bincount(d[unknown], minlength=self.days)
            if conf is not None:
                np.maximum.at(state.max_conf, d, conf[idx])
                state.best_conf_placed = max(state.best_conf_placed, float(conf[idx].max()))
            self._evidence(state, idx, d, cols)
        self.rows += n

    def _evidence(
        self, state: LeafState, idx: NDArray[np.intp], d: NDArray[np.int64], cols: EventColumns
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

    def sides(self) -> dict[Side, tuple[str, ...]]:
        """The parties on each side of the line, from the agreement's roles."""
        a = self.agreement
        obligor = a.with_role(RoleKind.obligor) + a.with_role(RoleKind.adversary)
        beneficiary = a.with_role(RoleKind.beneficiary)
        return {
            Side.obligor: tuple(sorted(a.expand(obligor))),
            Side.beneficiary: tuple(sorted(a.expand(beneficiary))),
        }

    def feed_incidents(self, incidents: Iterable[Incident]) -> None:
        """Add territorial incidents: one counts on each day it is held after `persisted`.

        An incident's side (obligor or beneficiary) stands for the parties holding that role.
        One merged into another counts until it merges (the other counts its extent from then).
        """
        items = sorted(incidents, key=lambda x: (x.first_seen, x.id))
        sides = self.sides()
        for leaf, state in zip(self.selections, self.states, strict=True):
            if leaf.kind is not LeafKind.territorial_seizure:
                continue
            for inc in items:
                if inc.beyond is not leaf.beyond:
                    continue
                holders = sides.get(inc.side, ())
                if leaf.parties:
                    wanted = set(leaf.parties)
                    conf = max(
                        (
                            1.0 if p in wanted else self.actors.confidence(p, wanted)
                            for p in holders
                        ),
                        default=0.0,
                    )
                else:
                    conf = 1.0
                if conf <= 0 and leaf.parties:
                    continue
                state.typed += 1
                if conf < leaf.min_attribution:
                    continue
                state.best_area = max(state.best_area, inc.area_km2)
                state.best_depth = max(state.best_depth, inc.max_depth_km)
                state.best_conf_placed = max(state.best_conf_placed, conf)
                if leaf.min_area_km2 is not None and inc.area_km2 < leaf.min_area_km2:
                    continue
                if leaf.min_depth_km is not None and inc.max_depth_km < leaf.min_depth_km:
                    continue
                state.typed_placed += 1
                held = day_number(inc.first_seen) + leaf.persisted_days - self.first
                if inc.confirmed_at is not None:
                    held = max(held, day_number(inc.confirmed_at) - self.first)
                ended = inc.merged_at or inc.reversed_at
                until = self.days if ended is None else day_number(ended) - self.first
                lo, hi = max(held, 0), min(until, self.days)
                if lo >= hi:
                    continue
                if held >= 0:
                    direction = (inc.units or ("",))[0]
                    fresh = state.fresh.setdefault(direction, np.zeros(self.days, dtype=np.int64))
                    fresh[held] += 1
                state.count[lo:hi] += 1
                state.max_conf[lo:hi] = np.maximum(state.max_conf[lo:hi], conf)
                state.evidence.setdefault(lo, []).append(inc.id)

    def feed_requests(self, requests: Iterable[RecordedRequest]) -> None:
        """Add formal requests for `request` leaves."""
        a = self.agreement
        members = set(a.expand(sorted(a.party_ids())))  # "any party": a party of this agreement
        guarantors = set(a.expand(a.with_role(RoleKind.guarantor)))
        beneficiaries = set(a.expand(a.with_role(RoleKind.beneficiary)))
        items = list(requests)
        for leaf, state in zip(self.selections, self.states, strict=True):
            if leaf.kind is not LeafKind.request:
                continue
            by = leaf.request_by
            named = a.expand([b for b in by if b not in set(RequestBy)])
            # a request naming another trigger or obligation is not one for this trigger
            about = {leaf.trigger} | {k.target for k in self.plan.trigger(leaf.trigger).links}
            for req in items:
                if req.ref is not None and req.ref not in about:
                    continue
                ok = (
                    (RequestBy.any_party in by and req.party in members)
                    or (RequestBy.beneficiary in by and req.party in beneficiaries)
                    or (RequestBy.any_guarantor in by and req.party in guarantors)
                    or req.party in named
                )
                d = day_number(req.time) - self.first
                if ok and 0 <= d < self.days:
                    state.count[d] += 1
                    state.typed += 1
                    state.typed_placed += 1
                    state.evidence.setdefault(d, []).append(
                        f"request:{req.party}@{req.time.isoformat()}"
                    )

    def feed_acts(self, acts: ActLog) -> list[Resolution]:
        """Add the requests and recorded acts of an act log; return its determinations as resolutions."""
        self.feed_requests(
            RecordedRequest(act.party, act.time, act.ref)
            for act in acts.acts
            if act.kind is ActKind.request
        )
        for leaf, state in zip(self.selections, self.states, strict=True):
            if leaf.kind is LeafKind.act:
                self._count_acts(leaf, state, acts)
            elif leaf.kind is LeafKind.not_enacted:
                self._mark_overdue(leaf, state, acts)
        return resolutions_from_acts(self.plan, acts)

    def _mark(self, state: LeafState, lo: datetime, hi: datetime | None, label: str) -> None:
        """Count one observation on each day from `lo` up to (not including) `hi` (or the end)."""
        d0 = max(0, day_number(lo) - self.first)
        d1 = self.days if hi is None else min(self.days, day_number(hi) - self.first)
        if d0 >= d1:
            return
        state.count[d0:d1] += 1
        state.typed += 1
        state.typed_placed += 1
        state.evidence.setdefault(d0, []).append(label)

    def _mark_overdue(self, leaf: Leaf, state: LeafState, acts: ActLog) -> None:
        """Mark the days a step of enacting the leaf's obligation is overdue."""
        in_force = in_force_from(self.agreement, self.start)
        for s in enactment_schedule(self.agreement, leaf.obligation, acts, in_force):
            since = s.overdue_from
            if since is not None:
                self._mark(state, since, s.done, f"overdue:{s.step.id}@{since.date().isoformat()}")

    def _count_acts(self, leaf: Leaf, state: LeafState, acts: ActLog) -> None:
        """Count the recorded acts an `act` leaf watches (its kind, by its parties, about its ref)."""
        wanted = set(leaf.parties)
        for act in acts.acts:
            if act.kind.value != leaf.act_kind:
                continue
            if wanted and not act.involves(wanted):
                continue
            if leaf.act_ref is not None and act.ref != leaf.act_ref:
                continue
            d = day_number(act.time) - self.first
            if 0 <= d < self.days:
                self._mark(
                    state,
                    act.time,
                    day_start(day_number(act.time) + 1),
                    f"{act.kind.value}:{act.party}@{act.time.isoformat()}",
                )

    # ---- reading -------------------------------------------------------------------------

    def result(self, resolutions: Sequence[Resolution] = ()) -> MonitorResult:
        """Activations, undetermined levels and why-not traces over the whole period so far."""
        from guarantor.monitor.reading import read_result

        return read_result(self, resolutions)

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
            "span": self.span,
            "seen": sorted(self.seen),
            "skipped": self.skipped,
            "scalars": [
                [s.typed, s.typed_placed, s.best_conf_placed, s.best_area, s.best_depth]
                for s in self.states
            ],
            "evidence": [{str(k): v for k, v in s.evidence.items()} for s in self.states],
        }
        arrays: dict[str, Any] = {"meta": np.frombuffer(orjson.dumps(meta), dtype=np.uint8)}
        for i, s in enumerate(self.states):
            for name in _ARRAYS:
                arrays[f"{name}{i}"] = getattr(s, name)
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
        expected = (self.plan.fingerprint(), self._actors_key(), self.first, self.days)
        if (meta["plan"], meta["actors"], meta["first"], meta["days"]) != expected:
            raise UserError(
                "the checkpoint was made for another agreement, actor map or period",
                Position(str(path)),
            )
        self.rows = meta["rows"]
        span = meta.get("span")  # absent in checkpoints written before coverage was kept
        self.span = (int(span[0]), int(span[1])) if span else None
        self.seen = set(meta["seen"])
        self.skipped = meta["skipped"]
        for i, s in enumerate(self.states):
            for name in _ARRAYS:
                setattr(s, name, arrays[f"{name}{i}"])
            s.typed, s.typed_placed, s.best_conf_placed, s.best_area, s.best_depth = meta[
                "scalars"
            ][i]
            s.evidence = {int(k): v for k, v in meta["evidence"][i].items()}
            s.full = np.zeros(self.days, dtype=bool)
            for d, items in s.evidence.items():
                s.full[d] = len(items) >= EVIDENCE_PER_DAY


def resolutions_from_acts(plan: RulePlan, acts: ActLog) -> list[Resolution]:
    """Determinations recorded as acts, as resolutions of the triggers they determine.

    An act `determination_made` whose `ref` names a determination settles every trigger that
    determination resolves; one whose `ref` names a trigger settles that trigger.
    """
    out: list[Resolution] = []
    for act in acts.acts:
        if act.kind not in (ActKind.determination_made, ActKind.attribution_established):
            continue
        for t in plan.triggers:
            named = act.ref is not None and (
                act.ref == t.id or (t.resolver is not None and act.ref == t.resolver.determination)
            )
            if named:
                out.append(Resolution(t.id, None, act.time, act.finding, act.party, act.ref or ""))
    return out


def evaluate(
    agreement: Agreement,
    events: EventColumns | None,
    start: date,
    end: date,
    actors: ActorMap | None = None,
    geography: Geography | None = None,
    incidents: Iterable[Incident] = (),
    requests: Iterable[RecordedRequest] = (),
    resolutions: Sequence[Resolution] = (),
    quiet_days: int = QUIET_DAYS,
) -> MonitorResult:
    """Batch evaluation of every trigger of `agreement` over [start, end]."""
    ev = Evaluator(agreement, start, end, actors, geography, quiet_days)
    if events is not None:
        ev.feed(events)
    ev.feed_incidents(incidents)
    ev.feed_requests(requests)
    return ev.result(resolutions)
