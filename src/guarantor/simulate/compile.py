"""Turn a design and the parameters into plain arrays the vectorised engine draws from."""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
from numpy.typing import NDArray

from guarantor.errors import UserError
from guarantor.model import Agreement
from guarantor.model.decisions import (
    Consensus,
    DecisionProcedure,
    EachParty,
    QualifiedMajority,
    Silence,
    UnilateralAfterConsultation,
)
from guarantor.model.determination import Determination
from guarantor.model.triggers import (
    AllOf,
    AnyOf,
    ArmedAttackP,
    NotP,
    TerritorialSeizureP,
)
from guarantor.respond.plan import plan_step
from guarantor.simulate.designs import Design
from guarantor.simulate.params import Parameters

AUTOMATIC, CONSENSUS, SILENCE, UNILATERAL, MAJORITY, EACH = range(6)
KIND_NAMES = {
    AUTOMATIC: "automatic",
    CONSENSUS: "consensus",
    SILENCE: "silence",
    UNILATERAL: "unilateral_after_consultation",
    MAJORITY: "qualified_majority",
    EACH: "each_party",
}


@dataclass(frozen=True)
class DecisionStage:
    """One decision stage: who takes part, with what probabilities, how long, by when."""

    label: str
    kind: int
    members: tuple[str, ...]
    agree: NDArray[np.float64]
    object: NDArray[np.float64]
    weights: NDArray[np.float64]
    veto: NDArray[np.bool_]
    threshold: float
    decider: int
    window_hours: float
    deadline_hours: float  # NaN when the text sets none


@dataclass(frozen=True)
class Rules:
    """The ways a violation reaches the response step's trigger level, one row per alternative.

    Each row is a conjunction: a seizure of at least `min_km2` (if `needs_seizure`), at least
    `min_events` events and `min_fatalities` deaths within `window_days`, lasting `min_days`.
    """

    needs_seizure: NDArray[np.bool_]
    min_km2: NDArray[np.float64]
    min_events: NDArray[np.float64]
    min_fatalities: NDArray[np.float64]
    window_days: NDArray[np.float64]
    min_days: NDArray[np.float64]
    required_attribution: float


@dataclass(frozen=True)
class CompiledDesign:
    """Everything the engine needs about one design, as numbers (picklable, no model objects)."""

    name: str
    title: str
    rules: Rules
    monitored: bool
    cadence_hours: float
    sensors: int
    on_request_hours: float  # NaN when no on-request verification deadline
    stage1: DecisionStage
    stage2: DecisionStage | None
    parties: tuple[str, ...]  # parties whose availability is uncertain, bit i of a subset
    p_available: NDArray[np.float64]
    coverage: NDArray[np.float64]  # by subset of available parties (bit mask)
    first_days: NDArray[np.float64]  # first arrival after the decision, inf when nothing comes
    gate_days: NDArray[np.float64]  # the part of first_days that is an approval gate's delay
    has_needs: bool
    notes: tuple[str, ...] = field(default_factory=tuple)


def compile_design(design: Design, params: Parameters) -> CompiledDesign:
    """Compile one design: trigger rules, monitoring, decision stages and precomputed plans."""
    ag = design.agreement
    step = next(s for s in ag.ladder.steps if s.id == design.response_step)
    notes: list[str] = []
    rules = _rules(ag, step.triggers, str(step.at_level or "invoke"), notes)
    determination = _determination(ag, step.preconditions, step.triggers)
    stage1: DecisionStage
    stage2: DecisionStage | None = None
    step_members = sorted(ag.expand(list(step.must) + list(step.may)))
    if determination is not None:
        body = ag.body(determination.body)
        proc_id = determination.procedure or body.procedure
        deadline = determination.within.hours() if determination.within else math.nan
        if proc_id is None:
            stage1 = _stage(
                ag, design, params, f"{body.id} (consensus assumed)", None, body.members, deadline
            )
        else:
            proc = ag.procedure(proc_id)
            if math.isnan(deadline) and proc.decides_within is not None:
                deadline = proc.decides_within.hours()
            stage1 = _stage(
                ag, design, params, f"{body.id}: {proc.id}", proc, body.members, deadline
            )
        required = determination.min_attribution
        if required is not None:
            rules = _with_attribution(rules, required)
    elif step.through_body is not None:
        body = ag.body(step.through_body)
        body_proc = ag.procedure(body.procedure) if body.procedure else None
        deadline = (
            body_proc.decides_within.hours() if body_proc and body_proc.decides_within else math.nan
        )
        stage1 = _stage(ag, design, params, body.id, body_proc, body.members, deadline)
    else:
        stage1 = _automatic()
    if step.procedure is not None:
        step_proc = ag.procedure(step.procedure)
        within = step_proc.decides_within.hours() if step_proc.decides_within else math.nan
        if stage1.kind == AUTOMATIC:  # the step's own procedure is the decision
            stage1 = _stage(ag, design, params, step_proc.id, step_proc, step_members, within)
        elif not stage1.label.endswith(step_proc.id):
            stage2 = _stage(ag, design, params, step_proc.id, step_proc, step_members, within)
    if math.isnan(stage1.deadline_hours) and stage1.kind != AUTOMATIC:
        notes.append(
            "the agreement sets no time limit for the decision: 'in time' means within "
            f"{params['general.reference_deadline_days']:g} days (general.reference_deadline_days)"
        )
    monitored = bool(ag.monitoring)
    cadence = min(
        (m.cadence.hours() for m in ag.monitoring if m.cadence is not None), default=24.0 * 7
    )
    sensors = max((len(m.sensors) for m in ag.monitoring), default=0)
    on_request = min(
        (m.on_request_within.hours() for m in ag.monitoring if m.on_request_within is not None),
        default=math.nan,
    )
    if not monitored:
        notes.append("no monitoring arrangement: detection by open sources and national means")
    table = plan_table(design)
    gates = _gate_delays(ag, step.procedure)
    parties = table.parties
    for party in parties:
        _require(params, party, design, "its pledges serve the response step")
    p_available = np.array(
        [params.party(p, "available") * _gate_pass(params, p, gates) for p in parties]
    )
    gate_days = np.array(
        [
            min(gates.get(first, 0.0), fd) if math.isfinite(fd) else 0.0
            for first, fd in zip(table.first_party, table.first_days, strict=True)
        ]
    )
    return CompiledDesign(
        name=design.name,
        title=design.title,
        rules=rules,
        monitored=monitored,
        cadence_hours=cadence,
        sensors=max(sensors, 1) if monitored else 0,
        on_request_hours=on_request,
        stage1=stage1,
        stage2=stage2,
        parties=parties,
        p_available=p_available,
        coverage=np.array(table.coverage),
        first_days=np.array(table.first_days),
        gate_days=gate_days,
        has_needs=table.has_needs,
        notes=tuple(notes + list(table.notes)),
    )


@dataclass(frozen=True)
class PlanTable:
    """The planner's answer for every subset of the contributing parties being available."""

    parties: tuple[str, ...]
    coverage: tuple[float, ...]
    first_days: tuple[float, ...]
    first_party: tuple[str, ...]
    has_needs: bool
    notes: tuple[str, ...]


def plan_table(design: Design) -> PlanTable:
    """Precompute one plan per set of available parties (2^k plans; never one per trial)."""
    return _plan_table(
        design.agreement.model_dump_json(by_alias=True),
        design.response_step,
        tuple(sorted(design.without)),
    )


@lru_cache(maxsize=64)
def _plan_table(agreement_json: str, step: str, without: tuple[str, ...]) -> PlanTable:
    # respond.optimise keeps HiGHS's banner off stdout, so JSON output stays one document
    return _plans(agreement_json, step, without)


def _plans(agreement_json: str, step: str, without: tuple[str, ...]) -> PlanTable:
    ag = Agreement.model_validate_json(agreement_json)
    full = plan_step(ag, step, without=list(without))
    if not full.requirements:
        return PlanTable((), (1.0,), (0.0,), ("",), False, ("the step needs no capabilities",))
    parties = tuple(sorted({t.party for t in full.tasking}))
    coverage: list[float] = []
    first: list[float] = []
    first_party: list[str] = []
    for mask in range(1 << len(parties)):
        out = [p for i, p in enumerate(parties) if not mask >> i & 1]
        if mask == (1 << len(parties)) - 1:
            plan = full
        else:
            plan = plan_step(ag, step, without=sorted({*without, *out}))
        coverage.append(plan.coverage_pct / 100.0)
        if plan.tasking:
            task = min(plan.tasking, key=lambda t: (t.by_days, t.party))
            first.append(task.by_days)
            first_party.append(task.party)
        else:
            first.append(math.inf)
            first_party.append("")
    notes = (f"{len(coverage)} plans precomputed for the subsets of {', '.join(parties) or '-'}",)
    return PlanTable(parties, tuple(coverage), tuple(first), tuple(first_party), True, notes)


def _automatic() -> DecisionStage:
    empty = np.zeros(0)
    return DecisionStage(
        "automatic", AUTOMATIC, (), empty, empty, empty, np.zeros(0, bool), 0.0, 0, 0.0, 0.0
    )


def _require(params: Parameters, party: str, design: Design, why: str) -> None:
    if party not in params.parties:
        raise UserError(
            f"design {design.name} needs parameters for party {party} ({why}), but the parameter "
            f"file {params.file} has none; add parties.{party} with agree, object, gate_pass, "
            "available",
            design.location,
        )


def _stage(
    ag: Agreement,
    design: Design,
    params: Parameters,
    label: str,
    proc: DecisionProcedure | None,
    body_members: list[str],
    deadline: float,
) -> DecisionStage:
    members = tuple(sorted(ag.expand(list((proc.members if proc else []) or body_members))))
    for m in members:
        _require(params, m, design, f"member of {label}")
    agree = np.array([params.party(m, "agree") for m in members])
    objects = np.array([params.party(m, "object") for m in members])
    weights = np.ones(len(members))
    veto = np.zeros(len(members), dtype=bool)
    threshold = 1.0
    decider = 0
    window = 0.0
    kind = CONSENSUS
    if isinstance(proc, Silence):
        kind = SILENCE
        window = proc.objection_window.hours()
    elif isinstance(proc, UnilateralAfterConsultation):
        kind = UNILATERAL
        _require(params, proc.decider, design, f"decider of {label}")
        if proc.decider not in members:
            members = (*members, proc.decider)
            agree = np.append(agree, params.party(proc.decider, "agree"))
            objects = np.append(objects, params.party(proc.decider, "object"))
            weights = np.append(weights, 1.0)
            veto = np.append(veto, False)
        decider = members.index(proc.decider)
        window = proc.consultation_window.hours() if proc.consultation_window else 0.0
    elif isinstance(proc, QualifiedMajority):
        kind = MAJORITY
        weights = np.array([proc.weights.get(m, 1.0) for m in members])
        veto = np.array([m in proc.veto for m in members])
        threshold = proc.threshold
    elif isinstance(proc, EachParty):
        kind = EACH
    elif isinstance(proc, Consensus) or proc is None:
        kind = CONSENSUS
    if not members:
        kind = AUTOMATIC
    return DecisionStage(
        label, kind, members, agree, objects, weights, veto, threshold, decider, window, deadline
    )


def _determination(
    ag: Agreement, preconditions: list[str], triggers: list[str]
) -> Determination | None:
    by_id = {d.id: d for d in ag.determinations}
    for pre in preconditions:
        if pre in by_id:
            return by_id[pre]
    for trig in ag.triggers:
        if trig.id in triggers and trig.determination in by_id:
            return by_id[trig.determination]
    return None


def _gate_delays(ag: Agreement, step_proc: str | None) -> dict[str, float]:
    """Expected approval-gate delay (days) per party, from the step's procedure and caveats."""
    out: dict[str, float] = {}
    procs = [ag.procedure(step_proc)] if step_proc else []
    for proc in procs:
        for gate in proc.gates:
            out[gate.party] = max(out.get(gate.party, 0.0), gate.expected_delay.days())
    for pledge in ag.pledges:
        for cav in pledge.caveats:
            if cav.kind == "subject_to_vote" and cav.expected_delay is not None:
                out[pledge.party] = max(out.get(pledge.party, 0.0), cav.expected_delay.days())
    return out


def _gate_pass(params: Parameters, party: str, gates: dict[str, float]) -> float:
    return params.party(party, "gate_pass") if party in gates else 1.0


# ---- trigger rules -------------------------------------------------------------------------

Conj = dict[str, float]  # keys: seizure_km2, events, fatalities, window, days


def _rules(ag: Agreement, triggers: list[str], level: str, notes: list[str]) -> Rules:
    alternatives: list[Conj] = []
    attribution = 0.0
    for trig in ag.triggers:
        if triggers and trig.id not in triggers:
            continue
        for lv in trig.levels:
            if str(lv.level) != level:
                continue
            for conj in _dnf(lv.when, notes):
                if conj is not None:
                    alternatives.append(conj)
                    attribution = max(attribution, conj.get("attribution", 0.0))
    if not alternatives:
        notes.append(
            f"no trigger of the response step can be met by a conventional attack or a seizure "
            f"of territory at level '{level}': every violation goes unanswered"
        )
    rows = alternatives or [{"impossible": 1.0}]
    inf = math.inf
    return Rules(
        needs_seizure=np.array([r.get("seizure_km2") is not None for r in rows]),
        min_km2=np.array([r.get("seizure_km2", 0.0) for r in rows]),
        min_events=np.array([inf if "impossible" in r else r.get("events", 0.0) for r in rows]),
        min_fatalities=np.array([r.get("fatalities", 0.0) for r in rows]),
        window_days=np.array([r.get("window", 7.0) for r in rows]),
        min_days=np.array([r.get("days", 0.0) for r in rows]),
        required_attribution=attribution,
    )


def _with_attribution(rules: Rules, required: float) -> Rules:
    return Rules(
        rules.needs_seizure,
        rules.min_km2,
        rules.min_events,
        rules.min_fatalities,
        rules.window_days,
        rules.min_days,
        max(rules.required_attribution, required),
    )


def _dnf(pred: object, notes: list[str]) -> list[Conj | None]:
    """Disjunctive normal form of a predicate over the two violation kinds the model draws."""
    if isinstance(pred, AnyOf):
        return [c for p in pred.any for c in _dnf(p, notes)]
    if isinstance(pred, AllOf):
        out: list[Conj | None] = [{}]
        for p in pred.all:
            parts = _dnf(p, notes)
            out = [_merge(a, b) for a, b in itertools.product(out, parts)]
        return out
    if isinstance(pred, NotP):
        notes.append("a 'not' condition in a trigger is treated as always true")
        return [{}]
    if isinstance(pred, ArmedAttackP):
        a = pred.armed_attack
        if a.weapons == "nuclear":
            return [None]
        conj: Conj = {}
        if a.intensity is not None:
            if a.intensity.window is not None:
                conj["window"] = a.intensity.window.days()
            if a.intensity.min_events is not None:
                conj["events"] = float(a.intensity.min_events)
            if a.intensity.min_fatalities is not None:
                conj["fatalities"] = float(a.intensity.min_fatalities)
        if a.sustained is not None:
            conj["days"] = a.sustained.days()
        if a.min_attribution is not None:
            conj["attribution"] = a.min_attribution
        return [conj]
    if isinstance(pred, TerritorialSeizureP):
        s = pred.territorial_seizure
        conj = {"seizure_km2": float(s.min_area_km2 or 0.0)}
        if s.persisted is not None:
            conj["days"] = s.persisted.days()
        if s.min_attribution is not None:
            conj["attribution"] = s.min_attribution
        return [conj]
    return [None]  # threats, airspace, requests, narratives: not drawn by this model


def _merge(a: Conj | None, b: Conj | None) -> Conj | None:
    if a is None or b is None:
        return None
    out = dict(a)
    for key, value in b.items():
        out[key] = max(out.get(key, 0.0), value)
    return out
