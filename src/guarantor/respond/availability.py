"""Which pledges stand: caveats, votes, absurd quantities, the dependency cascade and its timing."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components

from guarantor.errors import Position
from guarantor.model import Agreement, LadderStep, Pledge, Where
from guarantor.model.decisions import ApprovalGate
from guarantor.model.pledges import PledgeStatus
from guarantor.respond.catalogue import Capability, Catalogue
from guarantor.respond.scenario import Scenario
from guarantor.rules.without import PartiesOut, RemovalKind


class Cause(StrEnum):
    """Why a pledge does not stand, coarsely: the order in which gaps are explained (gaps.py)."""

    dependency = "dependency"
    excluded = "excluded"
    caveat = "caveat"
    vote_failed = "vote_failed"
    withdrawn = "withdrawn"
    invalid = "invalid"
    cycle = "cycle"


class LossKind(StrEnum):
    """Why a pledge does not stand, precisely."""

    left_out = "left_out"  # its party is left out in this variant
    withdrawn = "withdrawn"
    unknown_kind = "unknown_kind"
    wrong_unit = "wrong_unit"
    absurd_quantity = "absurd_quantity"
    zero_quantity = "zero_quantity"
    neutrality = "neutrality"  # a neutrality caveat on a lethal kind
    vote_failed = "vote_failed"  # the vote its subject_to_vote caveat names failed
    gate_failed = "gate_failed"  # its party's approval gate on this step failed
    no_place = "no_place"  # its caveats forbid every place
    unknown_dependency = "unknown_dependency"
    cycle = "cycle"
    dependency = "dependency"  # it depends on a pledge that does not stand


CAUSE_OF: dict[LossKind, Cause] = {
    LossKind.left_out: Cause.excluded,
    LossKind.withdrawn: Cause.withdrawn,
    LossKind.unknown_kind: Cause.invalid,
    LossKind.wrong_unit: Cause.invalid,
    LossKind.absurd_quantity: Cause.invalid,
    LossKind.zero_quantity: Cause.invalid,
    LossKind.neutrality: Cause.caveat,
    LossKind.vote_failed: Cause.vote_failed,
    LossKind.gate_failed: Cause.vote_failed,
    LossKind.no_place: Cause.caveat,
    LossKind.unknown_dependency: Cause.invalid,
    LossKind.cycle: Cause.cycle,
    LossKind.dependency: Cause.dependency,
}


@dataclass(frozen=True)
class PledgeLoss:
    """Why one pledge does not stand, with the facts that say so (words are made in respond.render)."""

    kind: LossKind
    party: str = ""  # left_out, vote_failed, gate_failed: the party concerned
    capability: str = ""  # unknown_kind, wrong_unit, absurd_quantity, neutrality: the kind
    suggestion: str | None = None  # unknown_kind: the closest known kind
    unit: str | None = None  # wrong_unit: the pledge's unit
    expected: str = ""  # wrong_unit: the catalogue's unit; gate_failed/vote_failed: the body
    quantity: float = 0.0  # absurd_quantity
    ceiling: float = 0.0  # absurd_quantity: the catalogue's ceiling per pledge
    gate_kind: str = ""  # gate_failed: the kind of approval gate
    pledges: tuple[str, ...] = ()  # unknown_dependency: the missing ids; cycle: one cycle
    via: str = ""  # dependency: the pledge depended on
    via_party: str = ""  # dependency: its party
    root: PledgeLoss | None = None  # dependency: why the pledge at the end of the chain fell
    position: Position | None = None  # where the pledge is written

    @property
    def cause(self) -> Cause:
        """The coarse cause, by which gaps are explained."""
        return CAUSE_OF[self.kind]


@dataclass(frozen=True)
class Unavailable:
    """A pledge that does not stand in this plan, and why."""

    party: str
    pledge: str
    capability: str
    quantity: float
    loss: PledgeLoss
    parts: tuple[tuple[str, float], ...] = ()  # the kinds (and quantities) it would have offered

    @property
    def category(self) -> Cause:
        """The coarse cause."""
        return self.loss.cause


class DelayKind(StrEnum):
    """What makes an offer later than its own readiness."""

    gate = "gate"  # an approval gate of the step's procedures
    vote = "vote"  # a subject_to_vote caveat of the pledge
    scenario = "scenario"  # a scenario's gate_delays
    dependency = "dependency"  # waiting for a pledge it depends on to be in place


@dataclass(frozen=True)
class Delay:
    """Days added to an offer's readiness, and what adds them."""

    kind: DelayKind
    days: float
    body: str = ""  # gate, vote: the body; dependency: the pledge waited for
    gate_kind: str = ""  # gate: parliamentary_vote, congressional_authorisation, ...
    expected: str = ""  # gate, vote, scenario: the expected delay as written ("7 days")
    party: str = ""  # dependency: the party of the pledge waited for
    ready_days: float = 0.0  # dependency: when the pledge waited for is in place


@dataclass(frozen=True)
class Offer:
    """A pledge (or one part of a composite pledge) that stands: what, where from, how soon, cost."""

    pledge: str
    party: str
    capability: str
    quantity: float
    ready_days: float
    places: frozenset[Where]
    declared_place: Where
    cost_per_year: float  # the catalogue's EUR per unit-year: what fair shares count
    rotation: float  # units held per unit deployed over a multi-year mission
    pledged_years: float | None  # the pledge's duration in years, when it states one
    cost_per_unit: float  # for the cost objective: the pledge's own cost_eur, else the catalogue's
    not_front_line: bool
    place_caveats: bool = False  # an only_from / no_deployment_in caveat narrows its places
    delay: Delay | None = None  # the longest approval or vote delay
    waits_for: Delay | None = None  # the dependency it waits for, when that is what sets its time
    composite: str | None = None  # the composite kind (us_backstop) this offer is a part of
    readiness_from_catalogue: bool = False


@dataclass
class Availability:
    """The outcome of checking every pledge of an agreement for one step and variant."""

    offers: list[Offer] = field(default_factory=list)
    unavailable: list[Unavailable] = field(default_factory=list)
    readiness_from_catalogue: list[str] = field(default_factory=list)  # pledge ids


def serves_step(pledge: Pledge, step: LadderStep) -> bool:
    """True when the pledge is for this step (a pledge without steps serves every step)."""
    return not pledge.steps or step.id in pledge.steps or str(step.order) in pledge.steps


def step_gates(agreement: Agreement, step: LadderStep) -> list[ApprovalGate]:
    """Approval gates on this step: of its procedure and its body's, else of every procedure."""
    ids = [step.procedure] if step.procedure else []
    if step.through_body:
        try:
            body = agreement.body(step.through_body)
            if body.procedure:
                ids.append(body.procedure)
        except KeyError:
            pass
    procedures = []
    for pid in ids:
        try:
            procedures.append(agreement.procedure(pid))
        except KeyError:
            continue
    if not ids:
        procedures = list(agreement.procedures)
    return [g for p in procedures for g in p.gates]


def party_delays(agreement: Agreement, step: LadderStep, scenario: Scenario) -> dict[str, Delay]:
    """The delay each party's approval gates put on it for this step (the longest one)."""
    out: dict[str, Delay] = {}
    for gate in step_gates(agreement, step):
        if not gate.expected_delay.has_unit:
            continue
        if scenario.votes.get(gate.party) == "passed":
            continue
        days = gate.expected_delay.days()
        for member in agreement.expand([gate.party]):
            if member not in out or days > out[member].days:
                out[member] = Delay(
                    DelayKind.gate, days, gate.body, gate.kind, str(gate.expected_delay)
                )
    for party, delay in scenario.gate_delays.items():
        for member in agreement.expand([party]):
            out[member] = Delay(DelayKind.scenario, delay.days(), expected=str(delay))
    return out


def failed_gates(
    agreement: Agreement, step: LadderStep, scenario: Scenario
) -> dict[str, ApprovalGate]:
    """Parties whose approval gate on this step failed (scenario `votes: {P: failed}`)."""
    out: dict[str, ApprovalGate] = {}
    for gate in step_gates(agreement, step):
        if scenario.votes.get(gate.party) == "failed":
            for member in agreement.expand([gate.party]):
                out[member] = gate
    return out


def _capability_loss(
    pledge: Pledge, cap: Capability | None, catalogue: Catalogue, at: Position | None
) -> PledgeLoss | None:
    """Why the pledge's kind, unit or quantity make it unusable, if they do."""
    if cap is None:
        return PledgeLoss(
            LossKind.unknown_kind,
            capability=pledge.capability,
            suggestion=catalogue.close_match(pledge.capability),
            position=at,
        )
    if not cap.accepts_unit(pledge.unit):
        return PledgeLoss(
            LossKind.wrong_unit,
            capability=pledge.capability,
            unit=pledge.unit,
            expected=cap.unit,
            position=at,
        )
    if pledge.quantity > cap.max_per_pledge:
        return PledgeLoss(
            LossKind.absurd_quantity,
            capability=pledge.capability,
            quantity=pledge.quantity,
            ceiling=cap.max_per_pledge,
            expected=cap.unit,
            position=at,
        )
    if pledge.quantity <= 0:
        return PledgeLoss(LossKind.zero_quantity, position=at)
    return None


def check_pledges(
    agreement: Agreement,
    step: LadderStep,
    catalogue: Catalogue,
    scenario: Scenario,
    positions: Mapping[str, Position | None] | None = None,
) -> Availability:
    """Offers that stand for this step, and the pledges that do not with their reasons.

    Parties left out in a variant are taken out beforehand (`rules.without`); their pledges are
    reported by `left_out_pledges`.
    """
    result = Availability()
    pledges = agreement.pledges
    by_id = {p.id: i for i, p in enumerate(pledges)}
    delays = party_delays(agreement, step, scenario)
    blocked_by_gate = failed_gates(agreement, step, scenario)
    direct: dict[int, PledgeLoss] = {}
    where = positions or {}

    for i, pledge in enumerate(pledges):
        at = where.get(pledge.id)
        cap = catalogue.get(pledge.capability)
        kinds = [catalogue[k] for k in catalogue.parts(pledge.capability) if k in catalogue]
        if pledge.status is PledgeStatus.withdrawn:
            direct[i] = PledgeLoss(LossKind.withdrawn, position=at)
        elif (loss := _capability_loss(pledge, cap, catalogue, at)) is not None:
            direct[i] = loss
        elif any(k.lethal for k in kinds) and any(c.kind == "neutrality" for c in pledge.caveats):
            direct[i] = PledgeLoss(LossKind.neutrality, capability=pledge.capability)
        elif (
            any(c.kind == "subject_to_vote" for c in pledge.caveats)
            and scenario.votes.get(pledge.party) == "failed"
        ):
            gate = next(c.gate for c in pledge.caveats if c.kind == "subject_to_vote")
            direct[i] = PledgeLoss(LossKind.vote_failed, party=pledge.party, expected=gate or "")
        elif pledge.party in blocked_by_gate and serves_step(pledge, step):
            gate_ = blocked_by_gate[pledge.party]
            direct[i] = PledgeLoss(
                LossKind.gate_failed, party=pledge.party, expected=gate_.body, gate_kind=gate_.kind
            )
        elif not _places(pledge):
            direct[i] = PledgeLoss(LossKind.no_place, position=at)
    for i, pledge in enumerate(pledges):
        missing = tuple(d for d in pledge.depends_on if d not in by_id)
        if missing and i not in direct:
            direct[i] = PledgeLoss(
                LossKind.unknown_dependency, pledges=missing, position=where.get(pledge.id)
            )
    for i, cycle in _cycles(pledges, by_id).items():
        if i not in direct:
            direct[i] = PledgeLoss(
                LossKind.cycle, pledges=tuple(cycle), position=where.get(pledges[i].id)
            )

    status = _cascade(pledges, by_id, direct)
    waits = _latest_dependencies(pledges, by_id, status, delays, catalogue, scenario)
    for i, pledge in enumerate(pledges):
        if not serves_step(pledge, step):
            continue
        parts = catalogue.parts(pledge.capability)
        if i in status:
            result.unavailable.append(
                Unavailable(
                    pledge.party,
                    pledge.id,
                    pledge.capability,
                    pledge.quantity,
                    status[i],
                    tuple((k, pledge.quantity * q) for k, q in parts.items()),
                )
            )
            continue
        if pledge.readiness is None:
            result.readiness_from_catalogue.append(pledge.id)
        delay = _vote_delay(pledge, delays.get(pledge.party), scenario)
        years = (
            pledge.duration.days() / 365.25
            if pledge.duration is not None and pledge.duration.has_unit
            else None
        )
        for kind, per_unit in parts.items():
            cap = catalogue[kind]
            days = _own_readiness(pledge, cap) + (delay.days if delay else 0.0)
            wait = waits.get(i)
            if wait is not None and wait.ready_days > days:
                wait = replace(wait, days=wait.ready_days - days)
                days = wait.ready_days
            else:
                wait = None
            single = len(parts) == 1
            result.offers.append(
                Offer(
                    pledge=pledge.id,
                    party=pledge.party,
                    capability=kind,
                    quantity=pledge.quantity * per_unit,
                    ready_days=days,
                    places=frozenset(_places(pledge)),
                    declared_place=pledge.location,
                    cost_per_year=cap.money_per_unit_year(),
                    rotation=cap.rotation,
                    pledged_years=years,
                    cost_per_unit=(
                        pledge.cost_eur / pledge.quantity
                        if single and pledge.cost_eur is not None and pledge.quantity > 0
                        else cap.money_per_unit_year()
                    ),
                    not_front_line=any(c.kind == "not_front_line" for c in pledge.caveats),
                    place_caveats=any(
                        c.kind in ("only_from", "no_deployment_in") for c in pledge.caveats
                    ),
                    delay=delay,
                    waits_for=wait,
                    composite=None if single else pledge.capability,
                    readiness_from_catalogue=pledge.readiness is None and cap.readiness is not None,
                )
            )
    return result


def _own_readiness(pledge: Pledge, cap: Capability) -> float:
    """Days to be ready: the pledge's readiness, else the catalogue's for its kind, else 0."""
    if pledge.readiness is not None:
        return pledge.readiness.days() if pledge.readiness.has_unit else 0.0
    return cap.readiness.days() if cap.readiness is not None and cap.readiness.has_unit else 0.0


def _vote_delay(pledge: Pledge, gate: Delay | None, scenario: Scenario) -> Delay | None:
    """The longest of the party's gate delay and the pledge's own subject_to_vote delays."""
    delay = gate
    for caveat in pledge.caveats:
        if caveat.kind == "subject_to_vote" and scenario.votes.get(pledge.party) != "passed":
            vote = (
                caveat.expected_delay
                if caveat.expected_delay is not None and caveat.expected_delay.has_unit
                else scenario.default_vote_delay
            )
            if delay is None or vote.days() > delay.days:
                delay = Delay(DelayKind.vote, vote.days(), caveat.gate or "", expected=str(vote))
    return delay


def _cascade(
    pledges: list[Pledge], by_id: dict[str, int], direct: dict[int, PledgeLoss]
) -> dict[int, PledgeLoss]:
    """To a fixed point: a pledge stands only if everything it depends on stands."""
    status = dict(direct)
    changed = True
    while changed:
        changed = False
        for i, pledge in enumerate(pledges):
            if i in status:
                continue
            for dep in pledge.depends_on:
                j = by_id.get(dep)
                if j is not None and j in status:
                    root = (
                        status[j] if status[j].kind is not LossKind.dependency else status[j].root
                    )
                    status[i] = PledgeLoss(
                        LossKind.dependency, via=dep, via_party=pledges[j].party, root=root
                    )
                    changed = True
                    break
    return status


def _latest_dependencies(
    pledges: list[Pledge],
    by_id: dict[str, int],
    status: dict[int, PledgeLoss],
    delays: dict[str, Delay],
    catalogue: Catalogue,
    scenario: Scenario,
) -> dict[int, Delay]:
    """For each standing pledge with dependencies: the one in place last, and when.

    A pledge that depends on another cannot be tasked before that one is in place (the UK and
    French brigades wait for the US backstop they depend on), and that one may itself wait for
    another. Standing pledges have no dependency cycle (pledges on one do not stand), so the
    times are settled in dependency order.
    """
    ready: dict[int, float] = {}
    latest: dict[int, Delay] = {}
    for start in range(len(pledges)):
        if start in status or start in ready:
            continue
        stack = [start]
        while stack:  # depth-first, iteratively: chains of dependencies may be long
            i = stack[-1]
            deps = [by_id[d] for d in pledges[i].depends_on if d in by_id]
            pending = [j for j in deps if j not in ready and j not in status]
            if pending:
                stack.extend(pending)
                continue
            stack.pop()
            if i in ready:
                continue
            pledge = pledges[i]
            delay = _vote_delay(pledge, delays.get(pledge.party), scenario)
            kinds = [catalogue[k] for k in catalogue.parts(pledge.capability) if k in catalogue]
            own = max((_own_readiness(pledge, c) for c in kinds), default=0.0)
            own += delay.days if delay else 0.0
            best = own
            for j in deps:
                if j in ready and (i not in latest or ready[j] > latest[i].ready_days):
                    latest[i] = Delay(
                        DelayKind.dependency,
                        0.0,
                        pledges[j].id,
                        party=pledges[j].party,
                        ready_days=ready[j],
                    )
                    best = max(best, ready[j])
            ready[i] = best
    return latest


def left_out_pledges(
    original: Agreement, view: PartiesOut, step: LadderStep, catalogue: Catalogue
) -> list[Unavailable]:
    """The pledges a variant takes out with its parties (and those that fall with them)."""
    by_id = {p.id: p for p in original.pledges}
    losses: dict[str, PledgeLoss] = {}
    for removal in view.of(RemovalKind.pledge, RemovalKind.dependent_pledge):
        if removal.kind is RemovalKind.pledge:
            losses[removal.clause] = PledgeLoss(LossKind.left_out, party=removal.party)
        else:
            dep = losses.get(removal.via)
            root = dep.root if dep is not None and dep.kind is LossKind.dependency else dep
            losses[removal.clause] = PledgeLoss(
                LossKind.dependency, via=removal.via, via_party=by_id[removal.via].party, root=root
            )
    out = []
    for pledge in original.pledges:
        if pledge.id in losses and serves_step(pledge, step):
            parts = catalogue.parts(pledge.capability)
            out.append(
                Unavailable(
                    pledge.party,
                    pledge.id,
                    pledge.capability,
                    pledge.quantity,
                    losses[pledge.id],
                    tuple((k, pledge.quantity * q) for k, q in parts.items()),
                )
            )
    return out


def _places(pledge: Pledge) -> set[Where]:
    """Where the pledge may deploy: its stated place, narrowed by only_from / no_deployment_in."""
    forbidden = {w for c in pledge.caveats if c.kind == "no_deployment_in" for w in c.where}
    only = [set(c.where) for c in pledge.caveats if c.kind == "only_from" and c.where]
    if only:
        allowed = set.intersection(*only)
    elif pledge.location in forbidden:
        # The pledge names a place its own caveat forbids: it contributes from anywhere else.
        allowed = set(Where)
    else:
        allowed = {pledge.location}
    return allowed - forbidden


def _cycles(pledges: Sequence[Pledge], by_id: dict[str, int]) -> dict[int, list[str]]:
    """Pledges on a dependency cycle, each with one cycle through it (as pledge ids)."""
    n = len(pledges)
    if n == 0:
        return {}
    rows, cols = [], []
    for i, pledge in enumerate(pledges):
        for dep in pledge.depends_on:
            j = by_id.get(dep)
            if j is not None:
                rows.append(i)
                cols.append(j)
    graph = csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, n))
    _, labels = connected_components(graph, directed=True, connection="strong")
    sizes = np.bincount(labels)
    out: dict[int, list[str]] = {}
    for i, pledge in enumerate(pledges):
        on_cycle = sizes[labels[i]] > 1 or pledge.id in pledge.depends_on
        if on_cycle:
            members = sorted(pledges[k].id for k in range(n) if labels[k] == labels[i])
            out[i] = [*members, members[0]] if len(members) > 1 else [pledge.id, pledge.id]
    return out
