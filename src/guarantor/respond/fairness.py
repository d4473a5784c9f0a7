"""Fair shares: each party's share of contributed value against its (capped) share of GDP."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from guarantor.model import Agreement, LadderStep, PartyKind, RoleKind
from guarantor.respond.availability import Availability, serves_step
from guarantor.respond.economy import PartyRef, choose_table
from guarantor.respond.scenario import Scenario

LOW, HIGH = 0.8, 1.2  # US DoD Responsibility Sharing Report bands (see docs/respond.md)


@dataclass
class FairShareBasis:
    """Who is measured for fair shares, their GDP, and the target share each should carry."""

    parties: list[str]
    gdp: dict[str, float]
    gdp_share: dict[str, float]
    target: dict[str, float]
    unmeasured: dict[str, str] = field(default_factory=dict)  # party -> why no ratio
    source: str = ""
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class FairShare:
    """One party's contribution against its fair share."""

    party: str
    value_eur: float
    share: float
    gdp_share: float
    target_share: float
    ratio: float | None
    band: str


def capped_shares(gdp: dict[str, float], caps: dict[str, float]) -> dict[str, float]:
    """GDP shares with caps applied and the excess spread pro rata over the uncapped parties.

    This is the NATO common-funding rule in its parameterised form (a capped share, residual
    pro-rated); with no caps it is the plain GDP share.
    """
    total = sum(gdp.values())
    if total <= 0:
        return dict.fromkeys(gdp, 0.0)
    fixed: dict[str, float] = {}
    while True:
        free = {p: v for p, v in gdp.items() if p not in fixed}
        left = 1.0 - sum(fixed.values())
        free_total = sum(free.values())
        shares = {p: (left * v / free_total if free_total > 0 else 0.0) for p, v in free.items()}
        over = {p for p, s in shares.items() if p in caps and s > caps[p] + 1e-12}
        if not over:
            return {**fixed, **shares}
        for p in over:
            fixed[p] = caps[p]


def fair_share_basis(
    agreement: Agreement,
    step: LadderStep,
    availability: Availability,
    excluded: set[str],
    scenario: Scenario,
    data_dir: Path | None,
) -> FairShareBasis:
    """The parties measured for this step (those who must, may or pledge to act) and their GDP."""
    not_guarantors = {
        r.party
        for r in agreement.roles
        if r.role in (RoleKind.beneficiary, RoleKind.adversary, RoleKind.obligor)
    }
    candidates = set(agreement.expand([*step.must, *step.may]))
    candidates |= {p.party for p in agreement.pledges if serves_step(p, step)}
    candidates -= agreement.expand(sorted(not_guarantors)) | not_guarantors
    candidates -= excluded
    known = {p.id: p for p in agreement.parties}
    unmeasured: dict[str, str] = {}
    states: list[PartyRef] = []
    for pid in sorted(candidates):
        party = known.get(pid)
        if party is not None and party.kind is not PartyKind.state:
            unmeasured[pid] = (
                f"{party.kind.value}: its economy is its members'; its contributions are "
                "left out of fair shares"
            )
            continue
        states.append(PartyRef(pid, party.name, party.iso) if party else PartyRef(pid))
    table, notes = choose_table(states, data_dir, scenario.gdp)
    gdp: dict[str, float] = {}
    for pid, name, iso in states:
        value = table.gdp(pid, name, iso)
        if value is None:
            unmeasured[pid] = (
                "no GDP figure for this party: add it to the scenario's `gdp:` mapping "
                "(GDP in the table's unit: " + table.unit + ")"
            )
        else:
            gdp[pid] = value
    total = sum(gdp.values())
    return FairShareBasis(
        parties=sorted(gdp),
        gdp=gdp,
        gdp_share={p: v / total for p, v in gdp.items()} if total else {},
        target=capped_shares(gdp, {p: c for p, c in scenario.fair_share_caps.items() if p in gdp}),
        unmeasured=unmeasured,
        source=table.source,
        notes=notes,
    )


def band(ratio: float | None) -> str:
    """'low' below 0.8, 'in balance' from 0.8 to 1.2, 'high' above 1.2."""
    if ratio is None:
        return "n/a"
    if ratio < LOW:
        return "low"
    if ratio > HIGH:
        return "high"
    return "in balance"


def fair_shares(basis: FairShareBasis, value_by_party: dict[str, float]) -> list[FairShare]:
    """Contribution share ÷ target share (the GDP share, capped when caps are set), per party."""
    total = sum(value_by_party.get(p, 0.0) for p in basis.parties)
    out: list[FairShare] = []
    for party in basis.parties:
        value = value_by_party.get(party, 0.0)
        share = value / total if total > 0 else 0.0
        target = basis.target[party]
        ratio = share / target if total > 0 and target > 0 else None
        out.append(
            FairShare(party, value, share, basis.gdp_share[party], target, ratio, band(ratio))
        )
    for party in sorted(basis.unmeasured):
        out.append(FairShare(party, value_by_party.get(party, 0.0), 0.0, 0.0, 0.0, None, "n/a"))
    return out
