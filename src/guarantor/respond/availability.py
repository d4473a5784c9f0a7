"""Which pledges stand: exclusions, caveats, votes, absurd quantities and the dependency cascade."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components

from guarantor.errors import Position
from guarantor.model import Agreement, LadderStep, Pledge, Where
from guarantor.model.decisions import ApprovalGate
from guarantor.respond.catalogue import Catalogue
from guarantor.respond.scenario import Scenario

Locator = Callable[[tuple[str | int, ...]], Position | None]

# Why a pledge does not stand. Order matters for gap attribution (see gaps.py).
EXCLUDED = "excluded"
DEPENDENCY = "dependency"
CAVEAT = "caveat"
VOTE = "vote_failed"
WITHDRAWN = "withdrawn"
INVALID = "invalid"
CYCLE = "cycle"


@dataclass(frozen=True)
class Unavailable:
    """A pledge that does not stand in this plan, and why."""

    party: str
    pledge: str
    capability: str
    quantity: float
    category: str
    reason: str


@dataclass(frozen=True)
class Offer:
    """A pledge that stands: what it offers, from where, how soon, at what value and cost."""

    pledge: str
    party: str
    capability: str
    quantity: float
    ready_days: float
    places: frozenset[Where]
    declared_place: Where
    value_per_unit: float
    cost_per_unit: float
    not_front_line: bool
    place_caveats: bool = False  # an only_from / no_deployment_in caveat narrows its places
    delay_note: str | None = None


@dataclass
class Availability:
    """The outcome of checking every pledge of an agreement for one step and variant."""

    offers: list[Offer] = field(default_factory=list)
    unavailable: list[Unavailable] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


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


def party_delays(
    agreement: Agreement, step: LadderStep, scenario: Scenario
) -> dict[str, tuple[float, str]]:
    """Days each party's approval gates delay it for this step, with the gate that sets it."""
    out: dict[str, tuple[float, str]] = {}
    for gate in step_gates(agreement, step):
        if not gate.expected_delay.has_unit:
            continue
        if scenario.votes.get(gate.party) == "passed":
            continue
        days = gate.expected_delay.days()
        for member in agreement.expand([gate.party]):
            if days > out.get(member, (-1.0, ""))[0]:
                out[member] = (days, f"{gate.body} ({gate.kind}, expected {gate.expected_delay})")
    for party, delay in scenario.gate_delays.items():
        for member in agreement.expand([party]):
            out[member] = (delay.days(), f"scenario gate delay {delay}")
    return out


def failed_gates(agreement: Agreement, step: LadderStep, scenario: Scenario) -> dict[str, str]:
    """Parties whose approval gate on this step failed (scenario `votes: {P: failed}`)."""
    out: dict[str, str] = {}
    for gate in step_gates(agreement, step):
        if scenario.votes.get(gate.party) == "failed":
            for member in agreement.expand([gate.party]):
                out[member] = f"{gate.body} ({gate.kind})"
    return out


def check_pledges(
    agreement: Agreement,
    step: LadderStep,
    catalogue: Catalogue,
    scenario: Scenario,
    without: set[str],
    locate: Locator | None = None,
) -> Availability:
    """Offers that stand for this step, and the pledges that do not with their reasons."""
    result = Availability()
    pledges = agreement.pledges
    by_id = {p.id: i for i, p in enumerate(pledges)}
    excluded_parties = agreement.expand(sorted(without)) if without else set()
    delays = party_delays(agreement, step, scenario)
    blocked_by_gate = failed_gates(agreement, step, scenario)
    direct: dict[int, tuple[str, str]] = {}

    def at(i: int) -> str:
        loc = locate(("pledges", i)) if locate else None
        return f" [{loc}]" if loc is not None else ""

    for i, pledge in enumerate(pledges):
        cap = catalogue.get(pledge.capability)
        if pledge.party in excluded_parties:
            direct[i] = (EXCLUDED, f"party {pledge.party} is left out in this variant")
        elif pledge.status == "withdrawn":
            direct[i] = (WITHDRAWN, "withdrawn")
        elif cap is None:
            direct[i] = (
                INVALID,
                f"unknown capability kind {pledge.capability!r}{catalogue.suggest(pledge.capability)}"
                f"{at(i)}",
            )
        elif not cap.accepts_unit(pledge.unit):
            direct[i] = (
                INVALID,
                f"quantity is in {pledge.unit!r} but {pledge.capability} is counted in {cap.unit!r}{at(i)}",
            )
        elif pledge.quantity > cap.max_per_pledge:
            direct[i] = (
                INVALID,
                f"quantity {pledge.quantity:g} {cap.unit} is absurd for {pledge.capability} "
                f"(the catalogue's ceiling per pledge is {cap.max_per_pledge:g}){at(i)}",
            )
        elif pledge.quantity <= 0:
            direct[i] = (INVALID, f"quantity is zero{at(i)}")
        elif cap.lethal and any(c.kind == "neutrality" for c in pledge.caveats):
            direct[i] = (
                CAVEAT,
                f"a neutrality caveat forbids a lethal capability ({pledge.capability})",
            )
        elif (
            any(c.kind == "subject_to_vote" for c in pledge.caveats)
            and scenario.votes.get(pledge.party) == "failed"
        ):
            direct[i] = (VOTE, f"the vote it is subject to failed ({pledge.party}, scenario)")
        elif pledge.party in blocked_by_gate and serves_step(pledge, step):
            direct[i] = (
                VOTE,
                f"{pledge.party}'s approval gate failed: {blocked_by_gate[pledge.party]} (scenario)",
            )
        elif not _places(pledge):
            direct[i] = (CAVEAT, f"its caveats forbid every place it could deploy to{at(i)}")

    unknown_deps: dict[int, list[str]] = {
        i: [d for d in p.depends_on if d not in by_id] for i, p in enumerate(pledges)
    }
    for i, missing in unknown_deps.items():
        if missing and i not in direct:
            direct[i] = (INVALID, f"depends on unknown pledge(s) {', '.join(missing)}{at(i)}")

    for i, cycle in _cycles(pledges, by_id).items():
        if i not in direct:
            direct[i] = (CYCLE, f"cyclic dependency: {' -> '.join(cycle)}{at(i)}")

    # Cascade to a fixed point: a pledge stands only if everything it depends on stands.
    status: dict[int, tuple[str, str]] = dict(direct)
    root: dict[int, str] = {i: reason for i, (_, reason) in direct.items()}
    changed = True
    while changed:
        changed = False
        for i, pledge in enumerate(pledges):
            if i in status:
                continue
            for dep in pledge.depends_on:
                j = by_id.get(dep)
                if j is not None and j in status:
                    root[i] = root[j]
                    status[i] = (
                        DEPENDENCY,
                        f"lost through a dependency: depends on {dep} ({pledges[j].party}), "
                        f"which does not stand ({root[j]})",
                    )
                    changed = True
                    break

    missing_readiness: list[str] = []
    for i, pledge in enumerate(pledges):
        if not serves_step(pledge, step):
            continue
        if i in status:
            category, reason = status[i]
            result.unavailable.append(
                Unavailable(
                    pledge.party, pledge.id, pledge.capability, pledge.quantity, category, reason
                )
            )
            continue
        cap = catalogue[pledge.capability]
        ready = pledge.readiness.days() if pledge.readiness and pledge.readiness.has_unit else 0.0
        if pledge.readiness is None:
            missing_readiness.append(pledge.id)
        delay, note = delays.get(pledge.party, (0.0, None))
        for caveat in pledge.caveats:
            if caveat.kind == "subject_to_vote" and scenario.votes.get(pledge.party) != "passed":
                vote = (
                    caveat.expected_delay
                    if caveat.expected_delay is not None and caveat.expected_delay.has_unit
                    else scenario.default_vote_delay
                )
                if vote.days() > delay:
                    delay = vote.days()
                    note = f"vote in {caveat.gate or 'parliament'} (expected {vote})"
        cost = (
            pledge.cost_eur / pledge.quantity
            if pledge.cost_eur is not None and pledge.quantity > 0
            else cap.value_eur
        )
        result.offers.append(
            Offer(
                pledge=pledge.id,
                party=pledge.party,
                capability=pledge.capability,
                quantity=pledge.quantity,
                ready_days=ready + delay,
                places=frozenset(_places(pledge)),
                declared_place=pledge.location,
                value_per_unit=cap.value_eur,
                cost_per_unit=cost,
                not_front_line=any(c.kind == "not_front_line" for c in pledge.caveats),
                place_caveats=any(
                    c.kind in ("only_from", "no_deployment_in") for c in pledge.caveats
                ),
                delay_note=note,
            )
        )
    if missing_readiness:
        result.notes.append(
            "readiness not stated (taken as ready at once): " + ", ".join(sorted(missing_readiness))
        )
    return result


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


def _cycles(pledges: list[Pledge], by_id: dict[str, int]) -> dict[int, list[str]]:
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
