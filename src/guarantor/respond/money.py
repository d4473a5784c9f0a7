"""Money over the mission: how long a step's response lasts, and what a unit costs over it.

A unit kept on a mission for longer than a year ties up `rotation` units of its kind (three for
one deployed: one there, one preparing, one recovering), so a multi-year presence costs its sender
the yearly cost of every unit held, for every year: quantity x rotation x cost per unit-year x
years. Money (financing) counts at face value per year. Fair shares are computed on this money.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from guarantor.model import Agreement, LadderStep
from guarantor.respond.availability import Offer
from guarantor.respond.scenario import Scenario
from guarantor.rules.compile import part_provenance
from guarantor.rules.plan import Provenance

DAYS_PER_YEAR = 365.25


class SpanBasis(StrEnum):
    """Where the length of a step's response comes from."""

    option = "option"  # the command's --years
    step = "step"  # the scenario's steps.<id>.years
    standing = "standing"  # a standing duty's own `lasts`
    scenario = "scenario"  # the scenario's years
    term = "term"  # the agreement's term
    one_year = "one_year"  # nothing says: one year


@dataclass(frozen=True)
class MissionSpan:
    """When a step's response starts (years after the guarantee's start) and how long it lasts."""

    step: str
    start_year: float
    years: float
    basis: SpanBasis
    assumed: tuple[Provenance, ...] = ()  # the agreement's term, when that is assumed


def step_span(
    agreement: Agreement, step: LadderStep, scenario: Scenario, years: float | None = None
) -> MissionSpan:
    """The span of a step: --years, the scenario's step years, a standing duty's own length, the
    scenario's years, the agreement's term, or one year."""
    settings = scenario.steps.get(step.id) or scenario.steps.get(str(step.order))
    start = settings.start_year if settings is not None else 0.0
    if years is not None:
        return MissionSpan(step.id, start, years, SpanBasis.option)
    if settings is not None and settings.years is not None:
        return MissionSpan(step.id, start, settings.years, SpanBasis.step)
    duty = next((s for s in agreement.standing if s.id == step.id), None)
    if duty is not None and duty.lasts is not None and duty.lasts.has_unit:
        prov = part_provenance(duty, "lasts")
        return MissionSpan(
            step.id,
            start,
            duty.lasts.days() / DAYS_PER_YEAR,
            SpanBasis.standing,
            (prov,) if prov.assumed else (),
        )
    if scenario.years is not None:
        return MissionSpan(step.id, start, scenario.years, SpanBasis.scenario)
    term = agreement.lifecycle.term
    if term is not None and term.duration is not None and term.duration.has_unit:
        prov = part_provenance(term, "duration")
        return MissionSpan(
            step.id,
            start,
            term.duration.days() / DAYS_PER_YEAR,
            SpanBasis.term,
            (prov,) if prov.assumed else (),
        )
    return MissionSpan(step.id, start, 1.0, SpanBasis.one_year)


def offer_years(offer: Offer, span: MissionSpan) -> float:
    """Years the offer's units serve: the step's span, shortened by the pledge's own duration."""
    return span.years if offer.pledged_years is None else min(span.years, offer.pledged_years)


def units_held(offer: Offer, span: MissionSpan) -> float:
    """Units its sender holds for each unit sent: the kind's rotation over a multi-year mission."""
    return offer.rotation if offer_years(offer, span) > 1.0 else 1.0


def unit_money(offer: Offer, span: MissionSpan) -> float:
    """EUR one unit of this offer costs its sender over the mission (rotation included)."""
    return offer.cost_per_year * units_held(offer, span) * offer_years(offer, span)
