"""The response plan: tasking, gaps with reasons, fair shares, and the plan without the US."""

from __future__ import annotations

from pathlib import Path

from guarantor.errors import UserError
from guarantor.model import Agreement
from guarantor.report.document import Section, figure, heading, join, markup, para, table
from guarantor.report.figures import PALETTE, new_figure, to_svg


def default_step(agreement: Agreement) -> str | None:
    """The highest ladder step that names capability needs (the one a plan is most about)."""
    with_needs = [s for s in agreement.ladder.steps if s.needs]
    return max(with_needs, key=lambda s: s.order).id if with_needs else None


def respond_section(
    agreement: Agreement,
    step: str | None,
    compare_without: list[str],
    scenario: Path | None,
    data_dir: Path | None,
) -> Section:
    """Plan one ladder step for all parties and for each variant without some of them."""
    from guarantor.respond.compare import Variant, compare, parse_variant
    from guarantor.respond.render import (
        BAND_WORDS,
        format_by,
        gap_reason,
        plan_notes,
        unavailable_reason,
    )
    from guarantor.respond.scenario import load_scenario

    s = Section("plan", "Response plan: tasking, gaps and fair shares")
    names = {p.id: p.name for p in agreement.parties}

    def name(code: str) -> str:
        return f"{names[code]} ({code})" if names.get(code, code) != code else code

    step = step or default_step(agreement)
    if step is None:
        return s.missing(
            "the agreement's response ladder names no capability needs: nothing to plan"
        )
    try:
        loaded = load_scenario(scenario)
    except UserError as err:
        s.partial(f"scenario unreadable, planned without it: {err}")
        loaded = load_scenario(None)
    known = agreement.party_ids()
    variants = [Variant("all parties")]
    for text in compare_without:
        v = parse_variant(text)
        if all(p in known for p in v.without):
            variants.append(v)
        else:
            s.partial(f"variant '{v.label}' skipped: not a party of the agreement")
    try:
        plans = compare(
            agreement, step, variants, scenario=loaded, data_dir=data_dir, time_limit=20.0
        )
    except UserError as err:
        return s.missing(f"the planner could not plan step {step!r}: {err}")
    base = plans[0]
    parts = [
        para(
            markup(
                "Ladder step <strong>{}</strong>, planned with the {} allocation (HiGHS). "
                "Coverage {:.1f}% (greedy baseline {:.1f}%). GDP source for fair shares: {}."
            ).format(
                base.step,
                base.method,
                base.coverage_pct,
                base.greedy_coverage_pct,
                base.gdp_source,
            )
        )
    ]
    if len(plans) > 1:
        parts.append(
            table(
                ["variant", "coverage %", "tasks", "gaps"],
                [
                    [p.label, f"{p.coverage_pct:.1f}", str(len(p.tasking)), str(len(p.gaps))]
                    for p in plans
                ],
                caption="What-if: the same step with parties left out",
            )
        )
    for plan in plans:
        parts.append(heading(_title(plan.label)))
        parts.append(
            table(
                ["party", "capability", "quantity", "where", "by", "late (days)"],
                [
                    [
                        name(t.party),
                        t.capability,
                        f"{t.quantity:g} {t.unit or ''}".strip(),
                        t.where,
                        format_by(t.by_days, plan.activation),
                        f"{t.late_days:g}",
                    ]
                    for t in sorted(plan.tasking, key=lambda t: (t.party, t.capability, t.where))
                ],
                caption="Tasking",
            )
            if plan.tasking
            else para("No tasking: no pledge can meet any requirement.")
        )
        if plan.gaps:
            parts.append(
                table(
                    ["capability", "missing", "where", "why"],
                    [
                        [
                            g.capability,
                            f"{g.quantity:g} {g.unit or ''}".strip(),
                            g.where,
                            gap_reason(g, plan.activation),
                        ]
                        for g in plan.gaps
                    ],
                    caption="Gaps and their reasons",
                )
            )
        if plan.unavailable:
            parts.append(
                table(
                    ["party", "pledge", "why unavailable"],
                    [[name(u.party), u.pledge, unavailable_reason(u)] for u in plan.unavailable],
                    caption="Pledges not available",
                )
            )
    fair = [f for f in base.fair if f.ratio is not None]
    if fair:
        fig = new_figure(9, 3.2)
        ax = fig.add_subplot()
        codes = [f.party for f in fair]
        ax.bar(
            [i - 0.2 for i in range(len(fair))],
            [f.share * 100 for f in fair],
            0.4,
            color=PALETTE[0],
            label="share of the plan's money",
        )
        ax.bar(
            [i + 0.2 for i in range(len(fair))],
            [f.target_share * 100 for f in fair],
            0.4,
            color=PALETTE[1],
            label="fair share (GDP-based target)",
        )
        ax.set_xticks(range(len(fair)))
        ax.set_xticklabels(codes)
        ax.set_ylabel("% of the total")
        ax.legend(fontsize=7)
        ax.set_title(f"Fair shares, step {base.step} (all parties)")
        parts.append(
            figure(
                to_svg(fig, "Fair shares per party"),
                f"Source: the respond room's plan of {agreement.id} step {base.step}; GDP from {base.gdp_source}. Method: money over the mission (catalogue cost per unit-year, rotation included) over GDP-share target.",
            )
        )
        parts.append(
            table(
                ["party", "money EUR", "share %", "target %", "ratio", "band"],
                [
                    [
                        name(f.party),
                        f"{f.money_eur:,.0f}",
                        f"{f.share * 100:.1f}",
                        f"{f.target_share * 100:.1f}",
                        f"{f.ratio:.2f}" if f.ratio is not None else "",
                        BAND_WORDS[f.band],
                    ]
                    for f in base.fair
                ],
            )
        )
    for note in plan_notes(base):
        parts.append(para(note, "meta"))
    s.body = join(parts)
    return s


def _title(label: str) -> str:
    """A variant's label as a heading: 'without US' -> 'Without the US' (codes keep their case)."""
    words = label.split(" ", 1)
    rest = words[1] if len(words) > 1 else ""
    if words[0] == "without" and rest:
        parties = [p.strip() for p in rest.split(",")]
        rest = ", ".join(("the " + p if p in ("US", "UK", "EU") else p) for p in parties)
        return f"Without {rest}"
    return label[:1].upper() + label[1:]
