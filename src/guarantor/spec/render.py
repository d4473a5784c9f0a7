"""Render an agreement as numbered treaty text (Markdown or HTML), optionally beside its rules."""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import yaml
from markdown_it import MarkdownIt

from guarantor.model import Agreement, Clause
from guarantor.model.common import Grade
from guarantor.model.decisions import (
    Consensus,
    EachParty,
    QualifiedMajority,
    Silence,
    UnilateralAfterConsultation,
)
from guarantor.model.pledges import PledgeStatus
from guarantor.rules import Provenance, compile_agreement
from guarantor.rules.compile import clause_provenance
from guarantor.rules.provenance import GradedPart, graded_parts
from guarantor.spec import words as w
from guarantor.spec.findings import Finding


@dataclass
class Paragraph:
    """One numbered paragraph of treaty text, the clause it renders and its provenance."""

    text: str
    clause: Clause | None = None
    source: str = ""  # the clause's grade and citation
    note: str = ""
    parts: list[str] = field(default_factory=list)  # graded parts: their own grade and citation


@dataclass
class Article:
    """A numbered article: a heading and its paragraphs."""

    title: str
    paragraphs: list[Paragraph] = field(default_factory=list)


def _citation(a: Agreement, prov: Provenance, article: str | None = None) -> str:
    """'[grade] document, Art. x, date, url — “quote”', or the reason of an assumption."""
    grade = prov.grade.value if prov.grade is not None else "ungraded"
    doc = a.documents.get(prov.doc) if prov.doc else None
    parts = []
    if prov.doc:
        parts.append(doc.title if doc else prov.doc)
    if article:
        parts.append(f"Art. {article}" if article[:1].isdigit() else article)
    if doc and doc.date:
        parts.append(doc.date.isoformat())
    if doc and doc.url:
        parts.append(doc.url)
    text = ", ".join(parts)
    if prov.quote:
        text += f" — “{prov.quote}”"
    if prov.reason:
        text += ("; " if text else "") + f"assumed by this encoding: {prov.reason}"
    return f"[{grade}] " + (text or "no source cited")


def _source(a: Agreement, c: Clause | None) -> str:
    if c is None:
        return ""
    article = c.source.article if c.source is not None else None
    return f"{_citation(a, clause_provenance(c), article)} (clause {c.id}, version {c.version})"


def _parts(a: Agreement, c: Clause | None) -> list[str]:
    if c is None:
        return []
    return [f"{p.provenance.part}: {_citation(a, p.provenance)}" for p in _graded_parts_of(a, c)]


def _graded_parts_of(a: Agreement, c: Clause) -> list[GradedPart]:
    """The parts of a clause that carry their own grade (not the clause as a whole)."""
    return [p for p in graded_parts(a) if p.provenance.clause == c.id and p.provenance.part != ""]


def _para(a: Agreement, text: str, c: Clause | None) -> Paragraph:
    body = text
    if c is not None and c.text and c.text.strip() not in text:
        body += f" Text: “{c.text.strip()}”"
    note = (c.fact_note or "").strip() if c else ""
    return Paragraph(body, c, _source(a, c), note, _parts(a, c))


def _body_name(a: Agreement, body_id: str) -> str:
    """A body's name, or its id when the agreement does not define it."""
    try:
        return a.body(body_id).name
    except KeyError:
        return body_id


def _procedure_words(a: Agreement, proc: Any) -> str:
    members = w.parties(a, proc.members) if proc.members else "the body's members"
    if isinstance(proc, Consensus) and proc.unanimity:
        text = (
            f"by unanimity of {members}; any member voting against blocks a decision "
            "(an abstention does not)"
        )
    elif isinstance(proc, Consensus):
        text = f"by consensus of {members}; every member can block a decision"
        if proc.reservations_allowed:
            text += "; members may join consensus with reservations"
    elif isinstance(proc, Silence):
        text = (
            f"by silence procedure among {members}: adopted unless a member objects in writing "
            f"within {w.duration(proc.objection_window)}"
        )
    elif isinstance(proc, UnilateralAfterConsultation):
        text = f"by {w.parties(a, [proc.decider])} alone, after consulting {w.parties(a, proc.consult)}"
        if proc.consultation_window is not None:
            text += f" within {w.duration(proc.consultation_window)}"
    elif isinstance(proc, QualifiedMajority):
        text = f"by a qualified majority of {proc.threshold:.0%} of {members}"
        if proc.veto:
            text += f", subject to the veto of {w.parties(a, proc.veto)}"
    elif isinstance(proc, EachParty):
        text = "by each Party for itself"
    else:  # pragma: no cover - the union is closed
        text = proc.kind
    if proc.decides_within is not None:
        text += f", within {w.duration(proc.decides_within)}"
    for g in proc.gates:
        text += (
            f"; for {w.parties(a, [g.party])} subject to approval by the {g.body} "
            f"(expected delay {w.duration(g.expected_delay)})"
        )
    return text


def _parties_article(a: Agreement) -> Article:
    """Article: the parties and their roles."""
    art = Article("Parties and roles")
    for party in a.parties:
        roles = [r for r in a.roles if r.party == party.id]
        text = f"{party.name} ({party.id})"
        if party.members:
            text += f", a group of {w.parties(a, party.members)}"
        if roles:
            desc = []
            for r in roles:
                span = ""
                if r.valid_from or r.valid_to:
                    span = f" from {r.valid_from or '…'} to {r.valid_to or '…'}"
                desc.append(r.role.value.replace("_", " ") + span)
            text += ", as " + "; ".join(desc)
        art.paragraphs.append(Paragraph(text + "."))
    return art


def _lifecycle_article(a: Agreement) -> Article:
    """Article: entry into force, duration and exit."""
    lc = a.lifecycle
    art = Article("Entry into force, duration and exit")
    art.paragraphs.append(
        Paragraph(f"Status: {lc.status.value}. Nature: {a.nature.value.replace('_', ' ')}.")
    )
    if lc.entry_into_force is not None:
        text = f"This guarantee enters into force {lc.entry_into_force.condition}."
        if lc.entry_into_force.effective:
            text += f" It took effect on {lc.entry_into_force.effective.isoformat()}."
        art.paragraphs.append(_para(a, text, lc.entry_into_force))
    if lc.term is not None:
        t = lc.term
        bits = []
        if t.duration is not None:
            bits.append(f"It remains in force for {w.duration(t.duration)}")
        if t.renewal:
            bits.append(f"it may be renewed {t.renewal}")
        if t.notice_period is not None:
            bits.append(
                f"termination takes effect {w.duration(t.notice_period)} after written notice"
            )
        if t.sunset:
            bits.append(f"it ends {t.sunset}")
        art.paragraphs.append(_para(a, ("; ".join(bits) or "No term is set") + ".", t))
    for ps in lc.parties:
        bits = [w.parties(a, [ps.party])]
        if ps.signed:
            bits.append(f"signed {ps.signed.isoformat()}")
        if ps.ratified:
            bits.append(f"ratified {ps.ratified.isoformat()}")
        if ps.procedure:
            bits.append(ps.procedure)
        art.paragraphs.append(Paragraph(", ".join(bits) + "."))
    return art


def _bodies_article(a: Agreement) -> Article | None:
    """Article: bodies and decision procedures (None when there are none)."""
    if not (a.bodies or a.procedures):
        return None
    art = Article("Bodies and decision procedures")
    for b in a.bodies:
        text = f"The {b.name} consists of {w.parties(a, b.members)}"
        if b.venue:
            text += f" and meets at {b.venue}"
        if b.veto:
            text += f"; {w.parties(a, b.veto)} each hold a veto"
        art.paragraphs.append(_para(a, text + ".", b))
    for proc in a.procedures:
        art.paragraphs.append(
            _para(
                a,
                f"Procedure {proc.id}: decisions are taken {_procedure_words(a, proc)}.",
                proc,
            )
        )
    return art


def _agreed_line_article(a: Agreement) -> Article | None:
    """Article: the agreed line (None when the agreement defines none)."""
    line = a.agreed_line
    if line is None:
        return None
    text = f"The agreed line is {line.drawn}"
    if line.as_of is not None:
        text += f", as of {line.as_of.isoformat()}"
    if line.map:
        text += f". Its course is published at {line.map}."
    elif line.published:
        text += ". Its course is published."
    else:
        text += ". Its course is not published."
    return Article("The agreed line", [_para(a, text, line)])


def _triggers_article(a: Agreement) -> Article | None:
    """Article: triggers, phrased from the compiled plan (None when there are none)."""
    if not (a.triggers):
        return None
    art = Article("Triggers")
    plan = compile_agreement(a)
    for trig in a.triggers:
        text = f"{trig.title or trig.id}."
        for lvl in plan.trigger(trig.id).levels:
            text += f" It reaches the level “{lvl.level.value}” on {w.tree(plan, lvl.tree, a)}."
        if trig.determination:
            text += f" It is confirmed by determination {trig.determination}."
        art.paragraphs.append(_para(a, text, trig))
    return art


def _determinations_article(a: Agreement) -> Article | None:
    """Article: determination and attribution (None when there are none)."""
    if not (a.determinations):
        return None
    art = Article("Determination and attribution")
    for d in a.determinations:
        body = _body_name(a, d.body)
        text = f"The {body} determines whether {', '.join(d.triggers) or 'a breach'} occurred"
        text += " and who is responsible" if d.attributes else ""
        if d.within is not None:
            text += f", within {w.duration(d.within)}"
        if d.min_attribution is not None:
            text += f", on attribution confidence of at least {d.min_attribution:g}"
        if d.evidence_required:
            text += f", on the evidence of {', '.join(d.evidence_required)}"
        text += "."
        if d.conditional_invocation:
            text += " It may invoke the guarantee conditionally, pending attribution."
        art.paragraphs.append(_para(a, text, d))
    return art


def _obligations_article(a: Agreement) -> Article | None:
    """Article: obligations (None when there are none)."""
    if not (a.obligations):
        return None
    art = Article("Obligations")
    for o in a.obligations:
        verb = {"must": "shall", "may": "may", "must_not": "shall not"}[o.modality.value]
        text = f"{w.parties(a, o.party)} {verb} {o.what}"
        if o.opened_by.trigger:
            level_words = f" at level “{o.opened_by.level.value}”" if o.opened_by.level else ""
            text += f", once trigger {o.opened_by.trigger}{level_words} is reached"
        if o.at_request_of:
            text += f", at the request of {w.parties(a, o.at_request_of)}"
        if o.deadline is not None:
            text += f", {w.deadline(o.deadline)}"
        if o.venue:
            text += f", at {o.venue}"
        text += "."
        if o.monitored_by:
            text += f" Compliance is monitored under {o.monitored_by}."
        if o.hence:
            text += f" On compliance: {', '.join(o.hence)}."
        if o.lest:
            text += f" On breach: {', '.join(o.lest)}."
        if o.on_breach:
            text += f" On breach: {o.on_breach}."
        text += _caveats_words(a, o.caveats)
        if o.enactment is not None:
            text += " " + _enactment_words(a, o.enactment)
        art.paragraphs.append(_para(a, text, o))
    return art


def _caveats_words(a: Agreement, caveats: list[Any]) -> str:
    """' Caveat of Austria and Ireland: ...' for each caveat of a clause binding several parties."""
    out = ""
    for c in caveats:
        whose = f" of {w.parties(a, c.parties)}" if c.parties else ""
        out += f" Caveat{whose}: {c.text or c.kind.replace('_', ' ')}."
    return out


def _enactment_words(a: Agreement, enactment: Any) -> str:
    """The steps that enact an obligation into law, each with its body and deadline."""
    steps = []
    for s in enactment.steps:
        text = f"{s.id}: {s.step.value.replace('_', ' ')} by the {s.body}"
        if s.party:
            text += f" ({w.parties(a, [s.party])})"
        text += f", {w.deadline(s.deadline)}"
        steps.append(text)
    out = "It is enacted in steps: " + "; ".join(steps) + "."
    if enactment.verification:
        out += f" Verification: {'; '.join(enactment.verification)}"
        if enactment.verified_by:
            out += f", by {enactment.verified_by}"
        out += "."
    return out


_START_WORDS = {
    "entry_into_force": "from entry into force",
    "signature": "from signature",
    "always": "at all times",
}


def _posture_words(s: Any) -> str:
    """A standing obligation's posture, ceiling and funding in words ('' when it has none)."""
    text = ""
    if s.presence is not None:
        p = s.presence
        text += f" Posture: {p.where.value.replace('_', ' ')}"
        if p.area:
            text += f", {p.area}"
        if p.personnel is not None:
            text += f", {p.personnel:,} personnel"
        if p.rotation is not None:
            text += f", units rotating every {w.duration(p.rotation)}"
        text += "."
    if s.ceiling is not None:
        c = s.ceiling
        text += f" Ceiling: {c.measure} at most {c.limit:,.0f} {c.unit}."
    for f in s.funding:
        amount = f"{f.amount:,.0f} {f.currency}" + (" a year" if f.per_year else "")
        text += f" Funding: {amount} as {f.instrument.value.replace('_', ' ')}"
        if f.years:
            text += f" ({', '.join(str(y) for y in f.years)})"
        if f.repaid_from:
            text += f", repaid from {f.repaid_from}"
        if f.procedure:
            text += f", released under procedure {f.procedure}"
        text += "."
    return text


def _standing_article(a: Agreement) -> Article | None:
    """Article: standing obligations, owed from entry into force (None when there are none)."""
    if not a.standing:
        return None
    art = Article("Standing obligations")
    for s in a.standing:
        verb = {"must": "shall", "may": "may", "must_not": "shall not"}[s.modality.value]
        start = s.start
        if start.upon.value == "date":
            when = f"from {start.day}"
        elif start.upon.value == "milestone":
            when = f"from milestone {start.milestone}"
        else:
            when = _START_WORDS[start.upon.value]
        text = f"{w.parties(a, s.party)} {verb} {s.what} ({s.kind.value}), {when}"
        if start.within is not None:
            text += f", in place within {w.duration(start.within)}"
        if s.lasts is not None:
            text += f", for {w.duration(s.lasts)}"
        text += "."
        text += _posture_words(s)
        if s.reporting is not None:
            text += (
                f" Reports every {w.duration(s.reporting.every)} to {w.parties(a, s.reporting.to)}."
            )
        for n in s.needs:
            qty = f"{n.quantity:g}" if n.quantity is not None else f"[{n.formula}]"
            text += f" Needs {qty} × {n.capability} ({n.where.value.replace('_', ' ')})."
        text += _caveats_words(a, s.caveats)
        if s.monitored_by:
            text += f" Checked under {s.monitored_by}."
        art.paragraphs.append(_para(a, text, s))
    return art


def _milestones_article(a: Agreement) -> Article | None:
    """Article: milestones of tracks the agreement ties duties to (None when there are none)."""
    if not a.milestones:
        return None
    art = Article("Milestones")
    for m in a.milestones:
        text = f"{m.track}: {m.what}"
        if m.party:
            text += f" ({w.parties(a, m.party)})"
        if m.status.value == "reached":
            text += f", reached on {m.reached_on}"
        elif m.target is not None:
            text += f", {m.status.value}, target {m.target}"
        else:
            text += f", {m.status.value}, no target date"
        if m.procedure:
            text += f"; decided under procedure {m.procedure}"
        art.paragraphs.append(_para(a, text + ".", m))
    return art


def _ladder_article(a: Agreement) -> Article:
    """Article: the response ladder."""
    art = Article("Response ladder")
    if not a.ladder.steps:
        art.paragraphs.append(Paragraph("No response is set out."))
    for s in sorted(a.ladder.steps, key=lambda s: s.order):
        text = f"Step {s.order}: {s.action}"
        if s.at_level:
            text += f" (at level “{s.at_level.value}”"
            text += f" of {', '.join(s.triggers)})" if s.triggers else ")"
        if s.preconditions:
            text += f", after {', '.join(s.preconditions)}"
        text += "."
        if s.must:
            text += f" {w.parties(a, s.must)} shall act."
        if s.may:
            text += f" {w.parties(a, s.may)} may act."
        if s.through_body:
            text += f" It requires a decision of {_body_name(a, s.through_body)}."
        if s.procedure:
            text += f" Decision: procedure {s.procedure}."
        if s.within is not None:
            text += f" To be taken within {w.duration(s.within)}."
        for n in s.needs:
            qty = w.quantity(n.quantity) if n.quantity is not None else f"[{n.formula}]"
            text += (
                f" Needs {qty} × {n.capability} ({n.where.value.replace('_', ' ')}"
                f", within {w.duration(n.needed_within)}, priority {n.priority})."
            )
        if s.sanctions is not None:
            text += " " + _sanctions_words(s.sanctions)
        art.paragraphs.append(_para(a, text, s))
    return art


def _sanctions_words(s: Any) -> str:
    """A sanctions step's regime, decision and snapback in words."""
    text = f"Sanctions ({s.mode.value}): {s.regime}"
    if s.relief:
        text += f"; reverses {s.relief}"
    if s.automatic:
        text += "; they return automatically, without a new decision"
    elif s.decided_by:
        text += f"; a new decision under procedure {s.decided_by} is needed"
    if s.renewal is not None:
        text += f"; they lapse unless renewed every {w.duration(s.renewal)}"
    return text + "."


_PLEDGE_VERBS = {
    PledgeStatus.committed: "pledges",
    PledgeStatus.proposed: "proposes",
    PledgeStatus.conditional: "pledges, on conditions,",
    PledgeStatus.withdrawn: "has withdrawn its pledge of",
    PledgeStatus.assumed: "is assumed by this encoding to pledge",
}


def _contributions_article(a: Agreement) -> Article:
    """Article: contributions."""
    art = Article("Contributions")
    if not a.pledges:
        art.paragraphs.append(Paragraph("No contributions are pledged."))
    for p in a.pledges:
        grade = clause_provenance(p).grade
        verb = _PLEDGE_VERBS[p.status]
        if grade is Grade.assumed or p.status is PledgeStatus.assumed:
            verb = "is assumed by this encoding to pledge"
        text = (
            f"{w.parties(a, [p.party])} {verb} {w.quantity(p.quantity)} × {p.capability}"
            f"{' (' + p.unit + ')' if p.unit else ''}, located {p.location.value.replace('_', ' ')}"
        )
        if p.readiness is not None:
            text += f", ready within {w.duration(p.readiness)}"
        text += f" [status: {p.status.value}; grade: {grade.value if grade else 'ungraded'}]."
        for c in p.caveats:
            where = ", ".join(x.value.replace("_", " ") for x in c.where)
            cav = {
                "no_deployment_in": f"no deployment in {where}",
                "only_from": f"only from {where}",
                "subject_to_vote": f"subject to a vote of the {c.gate}"
                + (f" (expected delay {w.duration(c.expected_delay)})" if c.expected_delay else ""),
                "not_front_line": "not on the front line",
                "neutrality": "without prejudice to its neutrality",
                "other": c.text or "other caveat",
            }[c.kind]
            text += f" Caveat: {cav}."
        if p.depends_on:
            text += f" Stands only if {', '.join(p.depends_on)} stands."
        art.paragraphs.append(_para(a, text, p))
    return art


def _forfeiture_article(a: Agreement) -> Article | None:
    """Article: forfeiture (None when there are none)."""
    if not (a.forfeitures):
        return None
    art = Article("Forfeiture")
    plan = compile_agreement(a)
    for f, (_, tree) in zip(a.forfeitures, plan.forfeitures, strict=True):
        text = f"{w.parties(a, [f.party])} loses {', '.join(f.loses)} on {w.tree(plan, tree, a)}."
        art.paragraphs.append(_para(a, text, f))
    return art


def _monitoring_article(a: Agreement) -> Article:
    """Article: monitoring and verification."""
    art = Article("Monitoring and verification")
    if not a.monitoring:
        art.paragraphs.append(Paragraph("No monitoring arrangement is set out."))
    for m in a.monitoring:
        text = f"{w.parties(a, m.monitor)} monitor"
        if m.sensors:
            text += f" with {', '.join(m.sensors)}"
        if m.cadence is not None:
            text += f", every {w.duration(m.cadence)}"
        if m.on_request_within is not None:
            text += f"; verification on request within {w.duration(m.on_request_within)}"
        if m.reports_to:
            text += f"; reports go to {', '.join(m.reports_to)}"
        art.paragraphs.append(_para(a, text + ".", m))
    return art


_ARTICLES: tuple[Callable[[Agreement], Article | None], ...] = (
    _parties_article,
    _lifecycle_article,
    _bodies_article,
    _agreed_line_article,
    _triggers_article,
    _determinations_article,
    _obligations_article,
    _standing_article,
    _milestones_article,
    _ladder_article,
    _contributions_article,
    _forfeiture_article,
    _monitoring_article,
)


def articles(a: Agreement) -> list[Article]:
    """The agreement as numbered articles, generated from the model."""
    built = (f(a) for f in _ARTICLES)
    return [art for art in built if art is not None]


def _rule_yaml(c: Clause | None) -> str:
    if c is None:
        return ""
    data = c.model_dump(
        mode="json", by_alias=True, exclude_unset=True, exclude={"text", "source", "fact_note"}
    )
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=88).strip()


def render_markdown(
    a: Agreement, side_by_side: bool = False, findings: list[Finding] | None = None
) -> str:
    """The agreement as Markdown treaty text; with `side_by_side`, each paragraph's rule follows it."""
    out = [f"# {a.title}", ""]
    meta = f"*{a.nature.value.replace('_', ' ').capitalize()}*, version {a.version}"
    if a.date:
        meta += f", {a.date.isoformat()}"
    out += [meta + f". Id `{a.id}`.", ""]
    if a.summary:
        out += [a.summary.strip(), ""]
    if a.fact_notes:
        out += ["**Where public facts are thin**", ""]
        out += [f"- {n.strip()}" for n in a.fact_notes]
        out.append("")
    for i, art in enumerate(articles(a), start=1):
        out += [f"## Article {i}. {art.title}", ""]
        for j, p in enumerate(art.paragraphs, start=1):
            out.append(f"{i}.{j}. {p.text}")
            if p.source:
                out += ["", f"   *Source:* {p.source}"]
            for part in p.parts:
                out += ["", f"   *Part* {part}"]
            if p.note:
                out += ["", f"   *Note:* {p.note}"]
            if side_by_side and p.clause is not None:
                out += (
                    ["", "   ```yaml"]
                    + [f"   {line}" for line in _rule_yaml(p.clause).splitlines()]
                    + ["   ```"]
                )
            out.append("")
    if findings is not None:
        out += ["## Lint findings", ""]
        if not findings:
            out.append("None.")
        for f in findings:
            out.append(f"- **{f.code}** ({f.severity.value}, line {f.line}): {f.message}")
        out.append("")
    if a.documents:
        out += ["## Sources", ""]
        for key in sorted(a.documents):
            d = a.documents[key]
            bits = [f"`{key}`: {d.title}"]
            if d.publisher:
                bits.append(d.publisher)
            if d.date:
                bits.append(d.date.isoformat())
            if d.url:
                bits.append(d.url)
            out.append("- " + ", ".join(bits))
        out.append("")
    return "\n".join(out).rstrip() + "\n"


_CSS = """
body{font-family:Georgia,'Times New Roman',serif;max-width:72em;margin:2em auto;padding:0 1em;line-height:1.5;color:#1a1a1a}
h1{font-size:1.6em}h2{font-size:1.2em;border-bottom:1px solid #ccc;margin-top:1.6em}
.src,.note{font-size:.85em;color:#555}.note{color:#7a4b00}
table.sbs{border-collapse:collapse;width:100%}table.sbs td{vertical-align:top;border-top:1px solid #ddd;padding:.5em}
table.sbs td.rule{width:45%;background:#f6f8fa}pre{font-size:.8em;white-space:pre-wrap;margin:0}
"""


def render_html(
    a: Agreement, side_by_side: bool = False, findings: list[Finding] | None = None
) -> str:
    """The agreement as a self-contained HTML page; with `side_by_side`, text beside rule."""
    e = html.escape
    if not side_by_side:
        body = str(MarkdownIt("commonmark").render(render_markdown(a, findings=findings)))
    else:
        parts = [
            f"<h1>{e(a.title)}</h1>",
            f"<p><em>{e(a.nature.value.replace('_', ' '))}</em>, version {e(a.version)}</p>",
        ]
        for i, art in enumerate(articles(a), start=1):
            parts.append(f'<h2>Article {i}. {e(art.title)}</h2><table class="sbs">')
            for j, p in enumerate(art.paragraphs, start=1):
                src = f'<div class="src">Source: {e(p.source)}</div>' if p.source else ""
                src += "".join(f'<div class="src">Part {e(x)}</div>' for x in p.parts)
                note = f'<div class="note">Note: {e(p.note)}</div>' if p.note else ""
                rule = f"<pre>{e(_rule_yaml(p.clause))}</pre>" if p.clause is not None else ""
                parts.append(
                    f"<tr><td><strong>{i}.{j}.</strong> {e(p.text)}{src}{note}</td>"
                    f'<td class="rule">{rule}</td></tr>'
                )
            parts.append("</table>")
        body = "\n".join(parts) + "\n"
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{e(a.title)}</title><style>{_CSS.strip()}</style></head><body>\n"
        + body
        + "</body></html>\n"
    )
