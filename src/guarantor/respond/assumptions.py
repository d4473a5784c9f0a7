"""Which results rest on assumed clauses: assumed pledges, assumed quantities, assumed catalogue values.

A need rests on its own provenance (`requirements.need_assumptions`); a task rests on its need, on
its pledge (an `assumed` status, an assumed grade, fields listed under `assumed:`), on the parts a
composite kind is assumed to stand for, and on the catalogue's readiness when the pledge states
none; a party's money rests on the catalogue costs of the kinds it is tasked when those are assumed.
"""

from __future__ import annotations

from guarantor.model import Pledge
from guarantor.model.common import Grade
from guarantor.model.pledges import PledgeStatus
from guarantor.respond.availability import Offer
from guarantor.respond.catalogue import Catalogue
from guarantor.rules.compile import clause_provenance, part_provenance
from guarantor.rules.plan import Provenance


def pledge_assumptions(pledge: Pledge) -> tuple[Provenance, ...]:
    """The assumed parts of a pledge: the whole (grade or status) and fields under `assumed:`."""
    out: list[Provenance] = []
    own = clause_provenance(pledge)
    if own.assumed:
        out.append(own)
    elif pledge.status is PledgeStatus.assumed:
        out.append(
            Provenance(
                Grade.assumed,
                reason=own.reason or pledge.fact_note,
                clause=pledge.id,
                part="status",
            )
        )
    out += [part_provenance(pledge, name) for name in sorted(pledge.assumed)]
    return tuple(out)


def offer_assumptions(
    offer: Offer, pledge: Pledge | None, catalogue: Catalogue
) -> tuple[Provenance, ...]:
    """What an offer's units rest on beyond their need: the pledge and assumed catalogue values."""
    out = list(pledge_assumptions(pledge)) if pledge is not None else []
    if offer.composite is not None:
        parts = catalogue[offer.composite].provenance_of("stands_for")
        if parts.assumed:
            out.append(parts)
    if offer.readiness_from_catalogue:
        ready = catalogue[offer.capability].provenance_of("readiness")
        if ready.assumed:
            out.append(ready)
    return tuple(out)


def money_assumptions(catalogue: Catalogue, kind: str) -> tuple[Provenance, ...]:
    """The assumed catalogue values a kind's money rests on: its yearly cost and its rotation."""
    cap = catalogue.get(kind)
    if cap is None:
        return ()
    out = []
    for value in ("cost_eur_per_year", "rotation"):
        if value in cap.graded_values():
            prov = cap.provenance_of(value)
            if prov.assumed:
                out.append(prov)
    return tuple(out)


def merged(*groups: tuple[Provenance, ...]) -> tuple[Provenance, ...]:
    """Provenances of several results together, each clause part once, in a stable order."""
    seen: dict[tuple[str, str], Provenance] = {}
    for group in groups:
        for prov in group:
            seen.setdefault((prov.clause, prov.part), prov)
    return tuple(seen[k] for k in sorted(seen))
