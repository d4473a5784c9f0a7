"""Reference checks: every id points at something, ids are unique, pledge dependencies are acyclic.

GT006: a standing obligation must name the monitoring arrangement that checks it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from guarantor.model import Agreement
from guarantor.model.triggers import leaf, predicate_kind
from guarantor.spec.findings import Finding, Severity

P = tuple[str | int, ...]
Need = Callable[[str, Iterable[str], P, set[str]], None]


def check_references(a: Agreement) -> list[Finding]:
    """All reference findings for an agreement (GT001 unknown, GT002 duplicate, GT003 cycle, GT004 unused)."""
    out: list[Finding] = []
    parties = a.party_ids()
    procedures = {p.id for p in a.procedures}
    bodies = {b.id for b in a.bodies}
    triggers = {t.id for t in a.triggers}
    determinations = {d.id for d in a.determinations}
    steps = {s.id for s in a.ladder.steps}
    pledges = {p.id for p in a.pledges}
    monitoring = {m.id for m in a.monitoring}
    milestones = {m.id for m in a.milestones}
    documents = set(a.documents)

    def unknown(kind: str, ref: str, path: P, known: set[str]) -> None:
        hint = ", ".join(sorted(known)) if known else f"none are defined; add a '{kind}' entry"
        out.append(
            Finding(
                "GT001",
                Severity.error,
                path,
                f"unknown {kind} {ref!r}",
                f"Known {kind} ids: {hint}.",
            )
        )

    def need(kind: str, refs: Iterable[str], path: P, known: set[str]) -> None:
        for i, ref in enumerate(refs):
            if ref not in known:
                unknown(kind, ref, (*path, i), known)

    # duplicate ids
    seen: dict[str, P] = {}
    id_paths: list[tuple[str, P]] = [(p.id, ("parties", i, "id")) for i, p in enumerate(a.parties)]
    for section, items in (
        ("procedures", a.procedures),
        ("bodies", a.bodies),
        ("triggers", a.triggers),
        ("determinations", a.determinations),
        ("obligations", a.obligations),
        ("standing", a.standing),
        ("milestones", a.milestones),
        ("pledges", a.pledges),
        ("forfeitures", a.forfeitures),
        ("monitoring", a.monitoring),
    ):
        id_paths += [(c.id, (section, i, "id")) for i, c in enumerate(items)]
    id_paths += [(s.id, ("ladder", "steps", i, "id")) for i, s in enumerate(a.ladder.steps)]
    for ident, path in id_paths:
        if ident in seen:
            first = "/".join(str(x) for x in seen[ident])
            out.append(
                Finding(
                    "GT002",
                    Severity.error,
                    path,
                    f"duplicate id {ident!r} (first used at {first})",
                    "Every party and clause needs its own id so that references are unambiguous.",
                )
            )
        else:
            seen[ident] = path

    for i, p in enumerate(a.parties):
        need("party", p.members, ("parties", i, "members"), parties)
    for i, r in enumerate(a.roles):
        need("party", [r.party], ("roles", i, "party"), parties)
    for i, proc in enumerate(a.procedures):
        base: P = ("procedures", i)
        need("party", proc.members, (*base, "members"), parties)
        for j, g in enumerate(proc.gates):
            need("party", [g.party], (*base, "gates", j, "party"), parties)
        decider = getattr(proc, "decider", None)
        if decider is not None:
            need("party", [decider], (*base, "decider"), parties)
        need("party", getattr(proc, "consult", []), (*base, "consult"), parties)
        need("party", getattr(proc, "veto", []), (*base, "veto"), parties)
        need("party", list(getattr(proc, "weights", {})), (*base, "weights"), parties)
    for i, b in enumerate(a.bodies):
        need("party", b.members, ("bodies", i, "members"), parties)
        need("party", b.veto, ("bodies", i, "veto"), parties)
        if b.procedure is not None:
            need("procedure", [b.procedure], ("bodies", i, "procedure"), procedures)
    for i, ps in enumerate(a.lifecycle.parties):
        need("party", [ps.party], ("lifecycle", "parties", i, "party"), parties)
    for i, t in enumerate(a.triggers):
        for j, lvl in enumerate(t.levels):
            _check_predicate(lvl.when, ("triggers", i, "levels", j, "when"), parties, need)
        if t.determination is not None:
            need(
                "determination", [t.determination], ("triggers", i, "determination"), determinations
            )
    for i, d in enumerate(a.determinations):
        need("body", [d.body], ("determinations", i, "body"), bodies)
        if d.procedure is not None:
            need("procedure", [d.procedure], ("determinations", i, "procedure"), procedures)
        need("trigger", d.triggers, ("determinations", i, "triggers"), triggers)
    clause_ids = set(seen)
    enactment_steps = {
        s.id for o in a.obligations if o.enactment is not None for s in o.enactment.steps
    }
    enacted = {o.id for o in a.obligations if o.enactment is not None}
    for i, t in enumerate(a.triggers):
        for j, lvl in enumerate(t.levels):
            at: P = ("triggers", i, "levels", j, "when")
            _check_act_refs(lvl.when, at, clause_ids | enactment_steps, enacted, need)
    for i, o in enumerate(a.obligations):
        base = ("obligations", i)
        need("party", o.party, (*base, "party"), parties)
        need("party", o.at_request_of, (*base, "at_request_of"), parties)
        if o.opened_by.trigger is not None:
            need("trigger", [o.opened_by.trigger], (*base, "opened_by", "trigger"), triggers)
        if o.monitored_by is not None:
            need("monitoring arrangement", [o.monitored_by], (*base, "monitored_by"), monitoring)
        need("clause", o.hence, (*base, "hence"), clause_ids)
        need("clause", o.lest, (*base, "lest"), clause_ids)
        for j, c in enumerate(o.caveats):
            need("party", c.parties, (*base, "caveats", j, "parties"), parties)
        if o.enactment is not None:
            for j, step in enumerate(o.enactment.steps):
                if step.party is not None:
                    at = (*base, "enactment", "steps", j, "party")
                    need("party", [step.party], at, parties)
            if o.enactment.verified_by is not None:
                at = (*base, "enactment", "verified_by")
                need(
                    "monitoring arrangement or body",
                    [o.enactment.verified_by],
                    at,
                    monitoring | bodies,
                )
    out += _standing_references(a, parties, procedures, monitoring, milestones, need)
    for i, ms in enumerate(a.milestones):
        need("party", ms.party, ("milestones", i, "party"), parties)
        if ms.procedure is not None:
            need("procedure", [ms.procedure], ("milestones", i, "procedure"), procedures)
    for i, s in enumerate(a.ladder.steps):
        base = ("ladder", "steps", i)
        need("party", s.must, (*base, "must"), parties)
        need("party", s.may, (*base, "may"), parties)
        need("trigger", s.triggers, (*base, "triggers"), triggers)
        need(
            "determination or step",
            s.preconditions,
            (*base, "preconditions"),
            determinations | steps,
        )
        if s.through_body is not None:
            need("body", [s.through_body], (*base, "through_body"), bodies)
        if s.procedure is not None:
            need("procedure", [s.procedure], (*base, "procedure"), procedures)
        if s.sanctions is not None and s.sanctions.decided_by is not None:
            at = (*base, "sanctions", "decided_by")
            need("procedure", [s.sanctions.decided_by], at, procedures)
    for i, pl in enumerate(a.pledges):
        base = ("pledges", i)
        need("party", [pl.party], (*base, "party"), parties)
        need("pledge", pl.depends_on, (*base, "depends_on"), pledges)
        need("ladder step", pl.steps, (*base, "steps"), steps)
    for i, f in enumerate(a.forfeitures):
        need("party", [f.party], ("forfeitures", i, "party"), parties)
        _check_predicate(f.when, ("forfeitures", i, "when"), parties, need)
    for i, m in enumerate(a.monitoring):
        need("party", m.monitor, ("monitoring", i, "monitor"), parties | bodies)
        need("party", m.reports_to, ("monitoring", i, "reports_to"), parties | bodies)
    for section, clause in a.clauses():
        doc = clause.source.doc if clause.source is not None else None
        if doc is not None and doc not in documents:
            path = _clause_path(a, section, clause.id)
            unknown("document", doc, (*path, "source", "doc"), documents)
    if a.source is not None and a.source.doc is not None and a.source.doc not in documents:
        unknown("document", a.source.doc, ("source", "doc"), documents)

    out += _pledge_cycles(a)
    out += _unused_levels(a)
    return out


def _standing_references(
    a: Agreement,
    parties: set[str],
    procedures: set[str],
    monitoring: set[str],
    milestones: set[str],
    need: Need,
) -> list[Finding]:
    """References of standing obligations; GT006 for one that names no monitoring arrangement."""
    out: list[Finding] = []
    for i, s in enumerate(a.standing):
        base: P = ("standing", i)
        need("party", s.party, (*base, "party"), parties)
        if s.start.milestone is not None:
            need("milestone", [s.start.milestone], (*base, "start", "milestone"), milestones)
        for j, f in enumerate(s.funding):
            if f.procedure is not None:
                need("procedure", [f.procedure], (*base, "funding", j, "procedure"), procedures)
        if s.reporting is not None:
            need(
                "party",
                s.reporting.to,
                (*base, "reporting", "to"),
                parties | {b.id for b in a.bodies},
            )
        for j, c in enumerate(s.caveats):
            need("party", c.parties, (*base, "caveats", j, "parties"), parties)
        if s.monitored_by is not None:
            need("monitoring arrangement", [s.monitored_by], (*base, "monitored_by"), monitoring)
        else:
            out.append(
                Finding(
                    "GT006",
                    Severity.error,
                    (*base, "id"),
                    f"standing obligation {s.id!r} names no monitoring arrangement (monitored_by)",
                    "A standing duty (a force present, an army under its cap, money paid) is "
                    "only worth what checks it: name the monitoring arrangement that does, or "
                    "encode one graded `assumed` with the reason when the text names none.",
                )
            )
    return out


def _check_act_refs(p: Any, path: P, about: set[str], enacted: set[str], need: Need) -> None:
    """`act` leaves name clauses or enactment steps; `not_enacted` leaves an enacted obligation."""
    kind = predicate_kind(p)
    if kind in ("all", "any"):
        for i, q in enumerate(getattr(p, kind)):
            _check_act_refs(q, (*path, kind, i), about, enacted, need)
    elif kind == "not":
        _check_act_refs(p.not_, (*path, "not"), about, enacted, need)
    elif kind == "act" and p.act.ref is not None:
        need("clause or enactment step", [p.act.ref], (*path, "act", "ref"), about)
    elif kind == "not_enacted":
        at = (*path, "not_enacted", "obligation")
        need("obligation with enactment steps", [p.not_enacted.obligation], at, enacted)


def _check_predicate(p: Any, path: P, parties: set[str], need: Need) -> None:
    kind = predicate_kind(p)
    if kind in ("all", "any"):
        for i, q in enumerate(getattr(p, kind)):
            _check_predicate(q, (*path, kind, i), parties, need)
        return
    if kind == "not":
        _check_predicate(p.not_, (*path, "not"), parties, need)
        return
    inner = leaf(p)
    by = getattr(inner, "by", [])
    if isinstance(by, list):
        need("party", by, (*path, kind, "by"), parties)


def _clause_path(a: Agreement, section: str, clause_id: str) -> P:
    if section == "lifecycle":
        if (
            a.lifecycle.entry_into_force is not None
            and a.lifecycle.entry_into_force.id == clause_id
        ):
            return ("lifecycle", "entry_into_force")
        return ("lifecycle", "term")
    items = a.ladder.steps if section == "ladder" else getattr(a, section)
    for i, item in enumerate(items):
        if item.id == clause_id:
            return ("ladder", "steps", i) if section == "ladder" else (section, i)
    return (section,)


def _pledge_cycles(a: Agreement) -> list[Finding]:
    graph = {p.id: list(p.depends_on) for p in a.pledges}
    index = {p.id: i for i, p in enumerate(a.pledges)}
    out: list[Finding] = []
    reported: set[frozenset[str]] = set()
    state: dict[str, int] = {}

    def visit(node: str, stack: list[str]) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in graph.get(node, []):
            if nxt not in graph:
                continue
            if state.get(nxt) == 1:
                cycle = stack[stack.index(nxt) :]
                key = frozenset(cycle)
                if key not in reported:
                    reported.add(key)
                    shown = " → ".join([*cycle, nxt])
                    out.append(
                        Finding(
                            "GT003",
                            Severity.error,
                            ("pledges", index[cycle[0]], "depends_on"),
                            f"pledge dependency cycle: {shown}",
                            "No pledge in a cycle can ever stand; break the cycle.",
                        )
                    )
            elif state.get(nxt) is None:
                visit(nxt, stack)
        stack.pop()
        state[node] = 2

    for pid in graph:
        if state.get(pid) is None:
            visit(pid, [])
    return out


def _unused_levels(a: Agreement) -> list[Finding]:
    out: list[Finding] = []
    for i, t in enumerate(a.triggers):
        for j, lvl in enumerate(t.levels):
            used = any(
                o.opened_by.trigger == t.id and o.opened_by.level in (None, lvl.level)
                for o in a.obligations
            )
            used = used or any(
                (t.id in s.triggers and s.at_level in (None, lvl.level))
                or (not s.triggers and s.at_level == lvl.level)
                for s in a.ladder.steps
            )
            used = used or (lvl.level.value == "watch")  # watch levels inform; nothing must follow
            if not used:
                out.append(
                    Finding(
                        "GT004",
                        Severity.warning,
                        ("triggers", i, "levels", j, "level"),
                        f"trigger {t.id!r} level {lvl.level.value!r} opens no obligation and no ladder step",
                        "A trigger level that nothing responds to is a promise without a consequence.",
                    )
                )
    return out
