"""Turn a design into what the vectorised engine needs: compiled rules, stages, plans, notes.

A design's response step reads its triggers' levels from `rules.compile_agreement` (the one
meaning of the agreement); the engine evaluates each drawn violation through `rules.onset`.
Everything here is structure: the numbers (probabilities, rates) are read from each parameter
draw at run time, so one compiled design serves every draw.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from guarantor.model import Agreement, RoleKind
from guarantor.model.decisions import (
    Consensus,
    DecisionProcedure,
    EachParty,
    QualifiedMajority,
    Silence,
    UnilateralAfterConsultation,
)
from guarantor.model.determination import Determination
from guarantor.model.pledges import PledgeStatus
from guarantor.model.triggers import Level
from guarantor.respond.plan import plan_step
from guarantor.rules import Attribute, Leaf, Node, Resolver, RulePlan, compile_agreement
from guarantor.rules.provenance import assumed_parts
from guarantor.simulate.designs import Design
from guarantor.simulate.forms import FORMS, Reach, level_reach
from guarantor.simulate.params import Parameters

if TYPE_CHECKING:
    from guarantor.errors import Position

# What a simulated violation establishes beyond counts: its weapons are conventional.
SIMULATED_ESTABLISH: dict[Attribute, bool] = {
    Attribute.conventional_weapons: True,
    Attribute.nuclear_weapons: False,
}


class StageKind(StrEnum):
    """How a decision stage decides."""

    automatic = "automatic"
    consensus = "consensus"
    silence = "silence"
    unilateral = "unilateral_after_consultation"
    majority = "qualified_majority"
    each_party = "each_party"


@dataclass(frozen=True)
class DecisionStage:
    """One decision stage: who takes part, how they decide, how long, by when."""

    label: str
    kind: StageKind
    members: tuple[str, ...]
    weights: NDArray[np.float64]
    veto: NDArray[np.bool_]
    threshold: float
    decider: int
    window_hours: float
    deadline_hours: float  # NaN when the text sets none

    def probabilities(self, v: dict[str, float]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Each member's probability to agree and to object, in this draw."""
        agree = np.array([v[f"parties.{m}.agree"] for m in self.members])
        objects = np.array([v[f"parties.{m}.object"] for m in self.members])
        return agree, objects


@dataclass(frozen=True)
class StepLevel:
    """One trigger level that opens the response step, as compiled rules."""

    trigger: str
    level: Level
    tree: Node
    resolver: Resolver | None  # settles the level when it is undetermined (the decision stage)


@dataclass(frozen=True)
class StepRules:
    """The response step's trigger levels and the leaves they read (from the rule plan)."""

    leaves: tuple[Leaf, ...]
    levels: tuple[StepLevel, ...]
    violator: tuple[str, ...]  # the parties a simulated violation is attributed to
    required_attribution: float

    def counts(self, leaf: Leaf) -> bool:
        """True when a leaf counts the violator's acts (its `by` names the violator, or anyone)."""
        return not leaf.parties or not self.violator or bool(set(leaf.parties) & set(self.violator))


@dataclass(frozen=True)
class AssumedInput:
    """A clause (or part of one) the design's results rest on that the encoding assumed."""

    clause: str
    part: str
    reason: str

    def to_json(self) -> dict[str, str]:
        """As JSON-ready data."""
        return {"clause": self.clause, "part": self.part or "clause", "reason": self.reason}


@dataclass(frozen=True)
class CompiledDesign:
    """Everything the engine needs about one design (picklable, no model objects)."""

    name: str
    title: str
    rules: StepRules
    monitored: bool
    cadence_hours: float
    sensors: int
    on_request_hours: float  # NaN when no on-request verification deadline
    stage1: DecisionStage
    stage2: DecisionStage | None
    parties: tuple[str, ...]  # parties whose availability is uncertain, bit i of a subset
    gated: tuple[bool, ...]  # per party: an approval gate stands between call and delivery
    coverage: NDArray[np.float64]  # by subset of available parties (bit mask)
    first_days: NDArray[np.float64]  # first arrival after the decision, inf when nothing comes
    gate_days: NDArray[np.float64]  # the part of first_days that is an approval gate's delay
    has_needs: bool
    assumed: tuple[AssumedInput, ...] = ()
    reach: tuple[Reach, ...] = ()  # per form: how far it can take the step's levels, at best
    notes: tuple[str, ...] = field(default_factory=tuple)

    def uses(self, parameter: str) -> bool:
        """True when the design reads the parameter (a party's values only if it decides or
        contributes)."""
        if not parameter.startswith("parties."):
            return True
        party = parameter.split(".")[1]
        members = set(self.stage1.members) | set(self.parties)
        if self.stage2 is not None:
            members |= set(self.stage2.members)
        return party in members

    def available(self, v: dict[str, float]) -> NDArray[np.float64]:
        """Each contributing party's probability to be there, gates included, in this draw."""
        return np.array(
            [
                v[f"parties.{p}.available"] * (v[f"parties.{p}.gate_pass"] if g else 1.0)
                for p, g in zip(self.parties, self.gated, strict=True)
            ]
        )


def compile_design(design: Design, params: Parameters) -> CompiledDesign:
    """Compile one design: trigger rules, monitoring, decision stages and precomputed plans."""
    ag = design.agreement
    where = design.location
    step = next(s for s in ag.ladder.steps if s.id == design.response_step)
    notes: list[str] = []
    plan = compile_agreement(ag)
    determination = _determination(ag, step.preconditions, step.triggers)
    rules = _rules(ag, plan, step.triggers, step.at_level or Level.invoke, determination)
    stage2: DecisionStage | None = None
    step_members = sorted(ag.expand(list(step.must) + list(step.may)))
    if determination is not None:
        body = ag.body(determination.body)
        proc_id = determination.procedure or body.procedure
        deadline = determination.within.hours() if determination.within else math.nan
        if proc_id is None:
            label = f"{body.id} (consensus assumed)"
            stage1 = _stage(ag, params, where, label, None, body.members, deadline)
        else:
            proc = ag.procedure(proc_id)
            if math.isnan(deadline) and proc.decides_within is not None:
                deadline = proc.decides_within.hours()
            label = f"{body.id}: {proc.id}"
            stage1 = _stage(ag, params, where, label, proc, body.members, deadline)
    elif step.through_body is not None:
        body = ag.body(step.through_body)
        body_proc = ag.procedure(body.procedure) if body.procedure else None
        deadline = (
            body_proc.decides_within.hours() if body_proc and body_proc.decides_within else math.nan
        )
        stage1 = _stage(ag, params, where, body.id, body_proc, body.members, deadline)
    else:
        stage1 = _automatic()
    if step.procedure is not None:
        step_proc = ag.procedure(step.procedure)
        within = step_proc.decides_within.hours() if step_proc.decides_within else math.nan
        if stage1.kind is StageKind.automatic:  # the step's own procedure is the decision
            stage1 = _stage(ag, params, where, step_proc.id, step_proc, step_members, within)
        elif not stage1.label.endswith(step_proc.id):
            stage2 = _stage(ag, params, where, step_proc.id, step_proc, step_members, within)
    if math.isnan(stage1.deadline_hours) and stage1.kind is not StageKind.automatic:
        notes.append(
            "the agreement sets no time limit for the decision: 'in time' means within "
            f"{params['general.reference_deadline_days']:g} days (general.reference_deadline_days)"
        )
    reach = _reach_notes(rules, notes)
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
    for party in table.parties:
        params.check_party(party, "its pledges serve the response step", where)
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
        parties=table.parties,
        gated=tuple(p in gates for p in table.parties),
        coverage=np.array(table.coverage),
        first_days=np.array(table.first_days),
        gate_days=gate_days,
        has_needs=table.has_needs,
        assumed=_assumed_inputs(ag, step.id, step.triggers, determination, table.parties, rules),
        reach=reach,
        notes=tuple(notes + list(table.notes)),
    )


# ---- trigger rules, from the compiled plan ------------------------------------------------------


def _violator(ag: Agreement) -> tuple[str, ...]:
    """The parties a simulated violation is attributed to: the agreement's adversary."""
    return tuple(sorted({r.party for r in ag.roles if r.role is RoleKind.adversary}))


def _rules(
    ag: Agreement,
    plan: RulePlan,
    triggers: list[str],
    level: Level,
    determination: Determination | None,
) -> StepRules:
    levels: list[StepLevel] = []
    for trig in plan.triggers:
        if triggers and trig.id not in triggers:
            continue
        compiled = trig.level(level)
        if compiled is None:
            continue
        # an undetermined level is settled only by a determination the design's decision runs
        resolver = trig.resolver if determination is not None else None
        levels.append(StepLevel(trig.id, level, compiled.tree, resolver))
    attribution = max(
        (plan.leaves[i].min_attribution for lv in levels for i in lv.tree.positive_leaves()),
        default=0.0,
    )
    if determination is not None and determination.min_attribution is not None:
        attribution = max(attribution, determination.min_attribution)
    return StepRules(plan.leaves, tuple(levels), _violator(ag), attribution)


def _reach_notes(rules: StepRules, notes: list[str]) -> tuple[Reach, ...]:
    """How far each form of violation can take the step's levels, said in the notes."""
    reach: list[Reach] = []
    levels = ", ".join(f"{lv.trigger}/{lv.level.value}" for lv in rules.levels) or "none"
    if not rules.levels:
        notes.append(
            "the response step has no trigger level to reach: every violation goes unanswered"
        )
    for form in FORMS:
        best = level_reach(rules, form, SIMULATED_ESTABLISH)
        reach.append(best)
        if best is Reach.undetermined:
            resolvers = sorted({f"{lv.resolver.determination} (body {lv.resolver.body})"
                                for lv in rules.levels if lv.resolver is not None})  # fmt: skip
            how = (
                "answered only through the determination " + ", ".join(resolvers)
                if resolvers
                else "no body determines it, so it is never answered"
            )
            notes.append(
                f"{form.value}: the step's level ({levels}) is at best undetermined for this "
                f"form of violation ({form.label}): it needs a fact no observation establishes; "
                f"{how}"
            )
        elif best is Reach.never:
            notes.append(
                f"{form.value}: no trigger level of the response step ({levels}) can be met by "
                f"this form of violation ({form.label}): such violations go unanswered"
            )
    return tuple(reach)


def _assumed_inputs(
    ag: Agreement,
    step: str,
    triggers: list[str],
    determination: Determination | None,
    parties: tuple[str, ...],
    rules: StepRules,
) -> tuple[AssumedInput, ...]:
    """The assumed clauses among those the design's results rest on."""
    relevant = {step, *(lv.trigger for lv in rules.levels), *triggers}
    if determination is not None:
        relevant |= {determination.id, determination.body}
        body = ag.body(determination.body)
        for proc in (determination.procedure, body.procedure):
            if proc:
                relevant.add(proc)
    ladder_step = next(s for s in ag.ladder.steps if s.id == step)
    for proc in (ladder_step.procedure,):
        if proc:
            relevant.add(proc)
    if ladder_step.through_body:
        relevant.add(ladder_step.through_body)
    serving = [p for p in ag.pledges if step in p.steps or p.party in parties]
    relevant |= {p.id for p in serving}
    out = [
        AssumedInput(p.clause, p.part, p.reason or "")
        for p in assumed_parts(ag)
        if p.clause in relevant
    ]
    out += [
        AssumedInput(p.id, "status", "the pledge is the encoding's placeholder (status: assumed)")
        for p in serving
        if p.status is PledgeStatus.assumed
    ]
    return tuple(sorted(set(out), key=lambda a: (a.clause, a.part)))


# ---- plans for each set of available parties ----------------------------------------------------


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


# ---- decision stages ------------------------------------------------------------------------------


def _automatic() -> DecisionStage:
    return DecisionStage(
        "automatic", StageKind.automatic, (), np.zeros(0), np.zeros(0, bool), 0.0, 0, 0.0, 0.0
    )


def _stage(
    ag: Agreement,
    params: Parameters,
    where: Position | None,
    label: str,
    proc: DecisionProcedure | None,
    body_members: list[str],
    deadline: float,
) -> DecisionStage:
    members = tuple(sorted(ag.expand(list((proc.members if proc else []) or body_members))))
    for m in members:
        params.check_party(m, f"member of {label}", where)
    weights = np.ones(len(members))
    veto = np.zeros(len(members), dtype=bool)
    threshold = 1.0
    decider = 0
    window = 0.0
    kind = StageKind.consensus
    if isinstance(proc, Silence):
        kind = StageKind.silence
        window = proc.objection_window.hours()
    elif isinstance(proc, UnilateralAfterConsultation):
        kind = StageKind.unilateral
        params.check_party(proc.decider, f"decider of {label}", where)
        if proc.decider not in members:
            members = (*members, proc.decider)
            weights = np.append(weights, 1.0)
            veto = np.append(veto, False)
        decider = members.index(proc.decider)
        window = proc.consultation_window.hours() if proc.consultation_window else 0.0
    elif isinstance(proc, QualifiedMajority):
        kind = StageKind.majority
        weights = np.array([proc.weights.get(m, 1.0) for m in members])
        veto = np.array([m in proc.veto for m in members])
        threshold = proc.threshold
    elif isinstance(proc, EachParty):
        kind = StageKind.each_party
    elif isinstance(proc, Consensus) or proc is None:
        kind = StageKind.consensus
    if not members:
        kind = StageKind.automatic
    return DecisionStage(label, kind, members, weights, veto, threshold, decider, window, deadline)


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
