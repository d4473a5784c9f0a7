"""Reference checks: every id points at something, ids are unique, nothing waits on itself.

GT006: a standing obligation must name the monitoring arrangement that checks it.
"""

from __future__ import annotations

import graphlib
from collections.abc import Callable, Iterable

from guarantor.model import Agreement
from guarantor.model.triggers import Level
from guarantor.rules import LeafKind, RequestBy, RulePlan, compile_agreement
from guarantor.rules.provenance import graded_parts
from guarantor.spec.codes import finding
from guarantor.spec.findings import Finding

P = tuple[str | int, ...]
Need = Callable[[str, Iterable[str], P, set[str]], None]

_REQUEST_BY = {r.value for r in RequestBy}


def check_references(a: Agreement) -> list[Finding]:
    """All reference findings (GT001 unknown, GT002 duplicate, GT003/GT005 cycles, GT004 unused)."""
    out: list[Finding] = []
    plan = compile_agreement(a)
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
        out.append(finding("GT001", path, f"unknown {kind} {ref!r}", f"Known {kind} ids: {hint}."))

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
                finding(
                    "GT002",
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
    for lf in plan.leaves:  # the parties predicates name, from the compiled plan
        need("party", lf.by, (*lf.path, "by"), parties)
        if not (len(lf.request_by) == 1 and lf.request_by[0] in _REQUEST_BY):
            need("party", lf.request_by, (*lf.path, "by"), parties)
    for i, t in enumerate(a.triggers):
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
    for lf in plan.leaves:  # what `act` and `not_enacted` predicates name
        if lf.kind is LeafKind.act and lf.act_ref is not None:
            need(
                "clause or enactment step",
                [lf.act_ref],
                (*lf.path, "ref"),
                clause_ids | enactment_steps,
            )
        elif lf.kind is LeafKind.not_enacted:
            need(
                "obligation with enactment steps",
                [lf.obligation],
                (*lf.path, "obligation"),
                enacted,
            )
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
                    at: P = (*base, "enactment", "steps", j, "party")
                    need("party", [step.party], at, parties)
            if o.enactment.verified_by is not None:
                at = (*base, "enactment", "verified_by")
                need(
                    "monitoring arrangement or body",
                    [o.enactment.verified_by],
                    at,
                    monitoring | bodies,
                )
    _standing_references(a, parties, procedures, monitoring, milestones, need)
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
    for i, m in enumerate(a.monitoring):
        need("party", m.monitor, ("monitoring", i, "monitor"), parties | bodies)
        need("party", m.reports_to, ("monitoring", i, "reports_to"), parties | bodies)
    for part in graded_parts(a):  # every clause's and graded part's citation
        doc = part.provenance.doc
        if doc is not None and doc not in documents:
            unknown("document", doc, (*part.path, "doc"), documents)
    if a.source is not None and a.source.doc is not None and a.source.doc not in documents:
        unknown("document", a.source.doc, ("source", "doc"), documents)

    out += _pledge_cycles(a)
    out += _waiting_cycles(a, plan)
    out += _unused_levels(plan)
    return out


def _standing_references(
    a: Agreement,
    parties: set[str],
    procedures: set[str],
    monitoring: set[str],
    milestones: set[str],
    need: Need,
) -> None:
    """References of standing obligations (their parties, start, funding, reports, monitoring)."""
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


def unmonitored_standing(a: Agreement) -> list[Finding]:
    """GT006: a standing obligation of the file that names no monitoring arrangement.

    Checked on the file as encoded (where an assumed arrangement, with its reason, is enough); as
    written, a text that names no checker is a finding of its own, not a broken reference.
    """
    return [
        finding(
            "GT006",
            ("standing", i, "id"),
            f"standing obligation {s.id!r} names no monitoring arrangement (monitored_by)",
        )
        for i, s in enumerate(a.standing)
        if s.monitored_by is None
    ]


def cycles(waits_on: dict[str, list[str]]) -> list[list[str]]:
    """Each cycle of a waits-on graph once, as [a, b, ..., a] where each waits on the next."""
    graph = {node: [x for x in deps if x in waits_on] for node, deps in waits_on.items()}
    found: list[list[str]] = []
    while True:
        try:
            graphlib.TopologicalSorter(graph).prepare()
        except graphlib.CycleError as err:
            # graphlib lists each node before the one that waits on it; read it the other way
            cycle = list(reversed(err.args[1]))
            found.append(cycle)
            graph[cycle[0]] = [x for x in graph[cycle[0]] if x != cycle[1]]  # break it, go on
            continue
        return found


def _pledge_cycles(a: Agreement) -> list[Finding]:
    index = {p.id: i for i, p in enumerate(a.pledges)}
    out = []
    for cycle in cycles({p.id: list(p.depends_on) for p in a.pledges}):
        out.append(
            finding(
                "GT003",
                ("pledges", index[cycle[0]], "depends_on"),
                f"pledge dependency cycle: {' → '.join(cycle)}",
                "No pledge in a cycle can ever stand; break the cycle.",
            )
        )
    return out


def _waiting_cycles(a: Agreement, plan: RulePlan) -> list[Finding]:
    """GT005: a step, obligation, trigger or determination that waits, through others, on itself.

    A ladder step waits on its preconditions and its triggers; an obligation on the trigger that
    opens it (and on that trigger's determination when it opens upon determination); a clause
    named in an obligation's `hence` or `lest` waits on that obligation; a trigger waits on the
    determination that settles it. A determination waits on nothing of the agreement's.
    """
    waits: dict[str, list[str]] = {}
    where: dict[str, P] = {}
    resolvers = {t.id: t.resolver for t in plan.triggers}
    for t in plan.triggers:
        waits[t.id] = [t.resolver.determination] if t.resolver is not None else []
        where[t.id] = ("triggers", t.index)
    for i, d in enumerate(a.determinations):
        waits.setdefault(d.id, [])
        where.setdefault(d.id, ("determinations", i))
    for i, s in enumerate(a.ladder.steps):
        waits.setdefault(s.id, []).extend([*s.preconditions, *s.triggers])
        where.setdefault(s.id, ("ladder", "steps", i, "preconditions"))
    for i, o in enumerate(a.obligations):
        deps = waits.setdefault(o.id, [])
        where.setdefault(o.id, ("obligations", i))
        if o.opened_by.trigger is not None:
            deps.append(o.opened_by.trigger)
            resolver = resolvers.get(o.opened_by.trigger)
            if o.opened_by.upon == "determination" and resolver is not None:
                deps.append(resolver.determination)
    for o in a.obligations:
        for follower in [*o.hence, *o.lest]:
            waits.setdefault(follower, []).append(o.id)
    out = []
    for cycle in cycles(waits):
        out.append(
            finding(
                "GT005",
                where.get(cycle[0], ()),
                f"{cycle[0]!r} waits on itself: {' waits on '.join(cycle)}",
            )
        )
    return out


def _unused_levels(plan: RulePlan) -> list[Finding]:
    out: list[Finding] = []
    for t in plan.triggers:
        for lv in t.levels:
            used = any(link.level in (None, lv.level) for link in t.links)
            used = used or lv.level is Level.watch  # watch levels inform; nothing must follow
            if not used:
                out.append(
                    finding(
                        "GT004",
                        (*lv.path, "level"),
                        f"trigger {t.id!r} level {lv.level.value!r} opens no obligation and no "
                        "ladder step",
                        "A trigger level that nothing responds to is a promise without a "
                        "consequence.",
                    )
                )
    return out
