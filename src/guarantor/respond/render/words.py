"""Words for the respond room's typed results: reasons, delays, notes, removals, numbers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from guarantor.respond.availability import Delay, DelayKind, LossKind, PledgeLoss, Unavailable
from guarantor.respond.fairness import Band, FairShare, Unrated
from guarantor.respond.gaps import Gap, GapReason
from guarantor.respond.money import MissionSpan, SpanBasis
from guarantor.respond.plan import PlanNote, PlanNoteKind, ResponsePlan
from guarantor.respond.problem import Block, BlockCause
from guarantor.respond.removal import NeedChange
from guarantor.rules.plan import Provenance
from guarantor.rules.without import Removal, RemovalKind

BAND_WORDS = {
    Band.low: "low",
    Band.in_balance: "in balance",
    Band.high: "high",
    Band.not_rated: "n/a",
}

BAND_STYLE = {Band.low: "red", Band.in_balance: "green", Band.high: "yellow", Band.not_rated: "dim"}

SHORT_PLACE = {
    "beneficiary_territory": "beneficiary",
    "neighbouring_state": "neighbour",
    "at_sea": "sea",
    "remote": "remote",
    "own_territory": "home",
}

HEADLINE: dict[GapReason, str] = {
    GapReason.late: "too late",
    GapReason.dependency: "lost through a dependency",
    GapReason.left_out: "left out in this variant",
    GapReason.caveats: "caveats forbid it",
    GapReason.approval_refused: "approval refused",
    GapReason.too_late: "too late",
    GapReason.elsewhere: "pledged for another place",
    GapReason.withdrawn: "pledge withdrawn",
    GapReason.not_usable: "pledge not usable",
    GapReason.taken: "taken by other needs",
    GapReason.not_enough: "not enough pledged",
    GapReason.nobody: "nobody pledged it",
    GapReason.unknown_kind: "no capability kind can meet it",
}

SPAN_WORDS = {
    SpanBasis.option: "--years",
    SpanBasis.step: "the scenario's years for this step",
    SpanBasis.standing: "the standing duty's own length",
    SpanBasis.scenario: "the scenario's years",
    SpanBasis.term: "the agreement's term",
    SpanBasis.one_year: "no term or years given: one year",
}


def amount(value: float) -> str:
    """A quantity for a sentence: 3 or 40,000,000,000 (never 4e+10)."""
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


def money(value: float) -> str:
    """EUR in bn or m for a table cell."""
    if abs(value) >= 1e9:
        return f"{value / 1e9:,.2f} bn"
    if abs(value) >= 1e6:
        return f"{value / 1e6:,.1f} m"
    return f"{value:,.0f}"


def format_by(days: float, activation: dt.datetime | None) -> str:
    """'D+14' days after activation, or the UTC instant when the scenario sets an activation time."""
    if activation is None:
        return f"D+{days:.2f}".rstrip("0").rstrip(".")
    when = activation + dt.timedelta(days=days)
    return when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%MZ")


def json_number(value: float, integer: bool) -> float | int:
    if integer or float(value).is_integer():
        return round(value)
    return round(value, 2)


def csv_quantity(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.2f}"


def years_text(years: float) -> str:
    """'10 years', '1 year', '2.5 years'."""
    text = f"{years:g}"
    return f"{text} year" if years == 1 else f"{text} years"


def _at(loss: PledgeLoss) -> str:
    return f" [{loss.position}]" if loss.position is not None else ""


def loss_reason(loss: PledgeLoss) -> str:
    """Why a pledge does not stand, in words."""
    k = loss.kind
    if k is LossKind.left_out:
        return f"party {loss.party} is left out in this variant"
    if k is LossKind.withdrawn:
        return "withdrawn"
    if k is LossKind.unknown_kind:
        hint = f" (did you mean {loss.suggestion!r}?)" if loss.suggestion else ""
        return f"unknown capability kind {loss.capability!r}{hint}{_at(loss)}"
    if k is LossKind.wrong_unit:
        return (
            f"quantity is in {loss.unit!r} but {loss.capability} is counted in "
            f"{loss.expected!r}{_at(loss)}"
        )
    if k is LossKind.absurd_quantity:
        return (
            f"quantity {loss.quantity:g} {loss.expected} is absurd for {loss.capability} (the "
            f"catalogue's ceiling per pledge is {loss.ceiling:g}){_at(loss)}"
        )
    if k is LossKind.zero_quantity:
        return f"quantity is zero{_at(loss)}"
    if k is LossKind.neutrality:
        return f"a neutrality caveat forbids a lethal capability ({loss.capability})"
    if k is LossKind.vote_failed:
        return f"the vote it is subject to failed ({loss.party}, scenario)"
    if k is LossKind.gate_failed:
        return f"{loss.party}'s approval gate failed: {loss.expected} ({loss.gate_kind}) (scenario)"
    if k is LossKind.no_place:
        return f"its caveats forbid every place it could deploy to{_at(loss)}"
    if k is LossKind.unknown_dependency:
        return f"depends on unknown pledge(s) {', '.join(loss.pledges)}{_at(loss)}"
    if k is LossKind.cycle:
        return f"cyclic dependency: {' -> '.join(loss.pledges)}{_at(loss)}"
    root = loss_reason(loss.root) if loss.root is not None else "it does not stand"
    return (
        f"lost through a dependency: depends on {loss.via} ({loss.via_party}), which does not "
        f"stand ({root})"
    )


def unavailable_reason(u: Unavailable) -> str:
    """Why a pledge does not stand in this plan, in words."""
    return loss_reason(u.loss)


def delay_text(delay: Delay, activation: dt.datetime | None = None) -> str:
    """What delays an offer, in words."""
    if delay.kind is DelayKind.gate:
        return f"{delay.body} ({delay.gate_kind}, expected {delay.expected})"
    if delay.kind is DelayKind.vote:
        return f"vote in {delay.body or 'parliament'} (expected {delay.expected})"
    if delay.kind is DelayKind.scenario:
        return f"scenario gate delay {delay.expected}"
    return (
        f"waiting for {delay.body} ({delay.party}), in place "
        f"{format_by(delay.ready_days, activation)}"
    )


def _block_why(block: Block) -> str:
    if block.loss is not None:
        return loss_reason(block.loss)
    if block.cause is BlockCause.front_line:
        return "not_front_line caveat on a front-line need"
    if block.cause is BlockCause.place_caveat:
        return f"may deploy only to {', '.join(sorted(block.places))}"
    if block.cause is BlockCause.elsewhere:
        return f"pledged for {block.declared}"
    return f"ready D+{block.ready_days:g}, needed by D+{block.needed_by_days:g}"


def _listed(items: list[str], sep: str = ", ", limit: int = 4) -> str:
    """Distinct items in order, at most `limit`, with a count of the rest."""
    distinct = list(dict.fromkeys(items))
    shown = sep.join(distinct[:limit])
    return shown + (f"{sep}and {len(distinct) - limit} more" if len(distinct) > limit else "")


def gap_reason(g: Gap, activation: dt.datetime | None = None) -> str:
    """Why part of a need is unmet: a fixed headline, the pledges concerned, their reasons."""
    head = HEADLINE[g.reason]
    if g.reason is GapReason.late:
        parts = []
        for a in g.late:
            text = f"{a.pledge} ({a.party}) arrives {a.days_late:g} days late"
            if a.waits_for is not None:
                text += f" because it is {delay_text(a.waits_for, activation)}"
            elif a.delay is not None:
                text += f" because of {delay_text(a.delay, activation)}"
            parts.append(text)
        return f"{head}: " + "; ".join(parts)
    if g.blocks:
        pledges = _listed([f"{b.pledge} ({b.party})" for b in g.blocks])
        if g.reason is GapReason.left_out:
            return f"{head}: {pledges}"
        whys = sorted({_block_why(b).removeprefix(head + ": ") for b in g.blocks})
        return f"{head}: {pledges}: {_listed(whys, '; ')}"
    if g.reason is GapReason.taken:
        return f"{head}: the rest of what was pledged went to other needs of higher value"
    if g.reason is GapReason.not_enough:
        return (
            f"{head}: {amount(g.pledged)} pledged in all for this step, {amount(g.needed)} needed"
        )
    if g.reason is GapReason.unknown_kind:
        hint = f" (did you mean {g.suggestion!r}?)" if g.suggestion else ""
        return f"{head}: unknown capability kind {g.capability!r}{hint}"
    return head


def ref(p: Provenance) -> str:
    """A clause and part as one reference: 'uk-brigade', 'mnf-deterrence.needs[0]'."""
    return f"{p.clause}.{p.part}" if p.part else p.clause


def assumed_refs(items: Sequence[Provenance]) -> list[str]:
    """The references of assumed clauses, sorted."""
    return sorted({ref(p) for p in items})


def span_text(span: MissionSpan) -> str:
    """How long the step's response lasts, and why."""
    start = f"from year {span.start_year:g} " if span.start_year else ""
    return f"{years_text(span.years)} {start}({SPAN_WORDS[span.basis]})"


def unrated_text(f: FairShare, gdp_unit: str) -> str:
    """Why a party has no fair-share ratio."""
    if f.unrated is Unrated.organisation:
        return (
            f"fair share of {f.party} not measured: an organisation, its economy is its members'; "
            "its contributions are left out of fair shares"
        )
    if f.unrated is Unrated.no_gdp:
        return (
            f"fair share of {f.party} not measured: no GDP figure for this party: add it to the "
            f"scenario's `gdp:` mapping (GDP in the table's unit: {gdp_unit})"
        )
    return f"fair share of {f.party} not measured: it is tasked only kinds without a money value"


def note_text(note: PlanNote) -> str:
    """A plan's note in words."""
    if note.kind is PlanNoteKind.measured:
        return (
            f"{note.subject} = {note.value:,.1f} km, measured on {note.source} (territory room, "
            "geodesic)"
        )
    if note.kind is PlanNoteKind.readiness_from_catalogue:
        return (
            "readiness not stated (the catalogue's readiness for the kind is used): "
            + ", ".join(note.items)
        )
    if note.kind is PlanNoteKind.not_proven:
        return "the solver stopped at its time limit: this plan is the best found, not a proven optimum"
    return (
        f"{note.subject} is tasked {', '.join(note.items)}, which the catalogue does not monetise: "
        "its fair-share ratio leaves it out (no ratio when that is all it is tasked)"
    )


def plan_notes(plan: ResponsePlan) -> list[str]:
    """Every note of a plan: the planner's, the GDP basis's, unrated parties, the mission's span."""
    out = [note_text(n) for n in plan.notes]
    b = plan.basis
    if b.kiel_uncovered:
        out.append(
            "Kiel tracker GDP does not cover "
            + ", ".join(b.kiel_uncovered)
            + "; using the World Bank table for every party"
        )
    out += [
        unrated_text(f, b.gdp_unit)
        for f in plan.fair
        if f.unrated in (Unrated.organisation, Unrated.no_gdp)
    ]
    out.append(
        f"money over the mission: {span_text(plan.span)}; units kept longer than a year count "
        "with their rotation"
    )
    return out


def gdp_text(plan: ResponsePlan) -> str:
    """Where the GDP figures come from."""
    return plan.gdp_source + (" (with scenario overrides)" if plan.basis.overridden else "")


def removal_text(r: Removal) -> str:
    """What one removal does, in words."""
    k = r.kind
    veto = " (it could block decisions on its own)" if r.veto else ""
    if k is RemovalKind.pledge:
        return f"{r.clause}: a pledge of {r.party}"
    if k is RemovalKind.dependent_pledge:
        return f"{r.clause}: falls with {r.via}, which it depends on"
    if k is RemovalKind.role:
        return f"{r.party} no longer holds the role {r.clause}"
    if k is RemovalKind.group_member:
        return f"{r.clause} loses its member {r.party}"
    if k is RemovalKind.body_member:
        return f"body {r.clause} loses its member {r.party}{veto}"
    if k is RemovalKind.body:
        why = "no member left" if r.via == "members" else f"its procedure {r.via} is gone"
        return f"body {r.clause} is gone: {why}"
    if k is RemovalKind.procedure_member:
        return f"procedure {r.clause} loses {r.party}{veto}"
    if k is RemovalKind.procedure_gate:
        return f"procedure {r.clause} loses {r.party}'s approval gate ({r.via})"
    if k is RemovalKind.procedure:
        why = f"its decider {r.party} is left out" if r.via == "decider" else "no member left"
        return f"procedure {r.clause} is gone: {why}"
    if k is RemovalKind.determination:
        return f"determination {r.clause} is lost: {r.via}, which makes it, is gone"
    if k is RemovalKind.step_decision:
        return f"step {r.clause} loses its decision through {r.via}"
    if k is RemovalKind.monitor:
        return f"monitoring {r.clause} loses its monitor {r.party}"
    if k is RemovalKind.monitoring:
        return f"monitoring {r.clause} is gone: no monitor left; what it monitored is unmonitored"
    if k is RemovalKind.obligation_party:
        return f"duty {r.clause}: {r.party} is no longer bound (others still are)"
    if k is RemovalKind.obligation:
        return f"duty {r.clause} is gone: {r.party} was the only party bound"
    return f"step {r.clause} no longer lists {r.party}"


def need_change_text(c: NeedChange, activation: dt.datetime | None) -> str:
    """How a need fares before → after."""

    def side(on: float, late: float, full: float | None) -> str:
        text = f"{amount(on)}/{amount(c.needed)}" + (f" +{amount(late)} late" if late else "")
        return text + (
            f", full by {format_by(full, activation)}" if full is not None else ", never full"
        )

    place = SHORT_PLACE.get(c.where, c.where)
    return (
        f"{c.capability} @ {place}: {side(c.on_time_before, c.late_before, c.full_by_before)} → "
        f"{side(c.on_time_after, c.late_after, c.full_by_after)}"
    )
