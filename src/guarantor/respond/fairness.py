"""Fair shares: each party's share of the money it contributes against its (capped) share of GDP."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from guarantor.model import Agreement, LadderStep, PartyKind, RoleKind
from guarantor.respond.availability import serves_step
from guarantor.respond.economy import PartyRef, choose_table
from guarantor.respond.scenario import Scenario
from guarantor.rules.plan import Provenance

LOW, HIGH = 0.8, 1.2  # US DoD Responsibility Sharing Report bands (see docs/respond.md)


class Band(StrEnum):
    """Where a fair-share ratio falls (US DoD Responsibility Sharing Report bands)."""

    low = "low"  # below 0.8
    in_balance = "in_balance"  # 0.8 to 1.2
    high = "high"  # above 1.2
    not_rated = "not_rated"  # no ratio


class Unrated(StrEnum):
    """Why a party gets no fair-share ratio."""

    organisation = "organisation"  # its economy is its members'
    no_gdp = "no_gdp"  # no GDP figure for it
    not_monetised = "not_monetised"  # it is tasked only kinds without a money value


@dataclass
class FairShareBasis:
    """Who is measured for fair shares, their GDP, and the target share each should carry."""

    parties: list[str]
    gdp: dict[str, float]
    gdp_share: dict[str, float]
    target: dict[str, float]
    unmeasured: dict[str, Unrated] = field(default_factory=dict)  # party -> why no ratio
    source: str = ""
    gdp_unit: str = ""
    overridden: bool = False  # a scenario's `gdp:` replaced some figures
    kiel_uncovered: tuple[str, ...] = ()  # the Kiel file was there but did not cover these


@dataclass(frozen=True)
class FairShare:
    """One party's contribution against its fair share."""

    party: str
    money_eur: float  # what its tasks cost it over the mission (rotation included)
    share: float
    gdp_share: float
    target_share: float
    ratio: float | None
    band: Band
    unrated: Unrated | None = None
    assumed: tuple[Provenance, ...] = ()  # assumed catalogue costs its money rests on


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


def step_parties(agreement: Agreement, steps: Iterable[LadderStep]) -> set[str]:
    """The states that must, may or pledge to act in these steps, less beneficiary and adversary."""
    not_guarantors = {
        r.party
        for r in agreement.roles
        if r.role in (RoleKind.beneficiary, RoleKind.adversary, RoleKind.obligor)
    }
    candidates: set[str] = set()
    for step in steps:
        candidates |= set(agreement.expand([*step.must, *step.may]))
        candidates |= {p.party for p in agreement.pledges if serves_step(p, step)}
    return candidates - (agreement.expand(sorted(not_guarantors)) | not_guarantors)


def fair_share_basis(
    agreement: Agreement,
    steps: Iterable[LadderStep],
    excluded: set[str],
    scenario: Scenario,
    data_dir: Path | None,
) -> FairShareBasis:
    """The parties measured for these steps (those who must, may or pledge to act) and their GDP."""
    candidates = step_parties(agreement, steps) - excluded
    known = {p.id: p for p in agreement.parties}
    unmeasured: dict[str, Unrated] = {}
    states: list[PartyRef] = []
    for pid in sorted(candidates):
        party = known.get(pid)
        if party is not None and party.kind is not PartyKind.state:
            unmeasured[pid] = Unrated.organisation
            continue
        states.append(PartyRef(pid, party.name, party.iso) if party else PartyRef(pid))
    table, uncovered = choose_table(states, data_dir, scenario.gdp)
    gdp: dict[str, float] = {}
    for pid, name, iso in states:
        value = table.gdp(pid, name, iso)
        if value is None:
            unmeasured[pid] = Unrated.no_gdp
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
        gdp_unit=table.unit,
        overridden=table.overridden,
        kiel_uncovered=uncovered,
    )


def band(ratio: float | None) -> Band:
    """Low below 0.8, in balance from 0.8 to 1.2, high above 1.2."""
    if ratio is None:
        return Band.not_rated
    if ratio < LOW:
        return Band.low
    if ratio > HIGH:
        return Band.high
    return Band.in_balance


def fair_shares(
    basis: FairShareBasis,
    money_by_party: dict[str, float],
    unpriced: set[str] | None = None,
    assumed: dict[str, tuple[Provenance, ...]] | None = None,
) -> list[FairShare]:
    """Money share ÷ target share (the GDP share, capped when caps are set), per party.

    `unpriced` are the parties tasked only kinds without a money value: they get no ratio.
    """
    unpriced = unpriced or set()
    assumed = assumed or {}
    total = sum(money_by_party.get(p, 0.0) for p in basis.parties)
    out: list[FairShare] = []
    for party in basis.parties:
        money = money_by_party.get(party, 0.0)
        share = money / total if total > 0 else 0.0
        target = basis.target[party]
        ratio = share / target if total > 0 and target > 0 else None
        why = None
        if party in unpriced and money == 0:
            ratio, why = None, Unrated.not_monetised
        out.append(
            FairShare(
                party,
                money,
                share,
                basis.gdp_share[party],
                target,
                ratio,
                band(ratio),
                why,
                assumed.get(party, ()),
            )
        )
    for party, why in sorted(basis.unmeasured.items()):
        out.append(
            FairShare(
                party,
                money_by_party.get(party, 0.0),
                0.0,
                0.0,
                0.0,
                None,
                Band.not_rated,
                why,
                assumed.get(party, ()),
            )
        )
    return out
