"""Compile an agreement into its one meaning (`RulePlan`): the only walker of the YAML predicates."""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

from guarantor.model import Agreement
from guarantor.model.common import Clause, Duration, SourceRef
from guarantor.model.triggers import (
    ActP,
    AirspaceViolation,
    AirspaceViolationP,
    AllOf,
    AnyOf,
    ArmedAttack,
    ArmedAttackP,
    Intensity,
    NarrativeP,
    NotEnactedP,
    NotP,
    RequestP,
    TerritorialSeizure,
    TerritorialSeizureP,
    Threat,
    ThreatP,
    TriggerLevel,
)
from guarantor.rules.plan import (
    EVENT_TYPES_OF,
    Attribute,
    Beyond,
    CompiledLevel,
    CompiledTrigger,
    Inside,
    Leaf,
    LeafKind,
    Link,
    LinkKind,
    Node,
    NodeKind,
    Place,
    Provenance,
    Requirement,
    Resolver,
    RulePlan,
    StandingLink,
    YamlPath,
)


def whole_days(duration: Duration) -> int:
    """Whole UTC days covering a duration (evaluation is on UTC days): 36 hours is 2 days."""
    return max(0, math.ceil(duration.days() - 1e-9))


def provenance(source: SourceRef | None, clause: str, part: str = "") -> Provenance:
    """The provenance a source reference states (ungraded when there is none)."""
    if source is None:
        return Provenance(None, clause=clause, part=part)
    return Provenance(source.grade, source.doc, source.quote, source.reason, clause, part)


def clause_provenance(clause: Clause) -> Provenance:
    """A clause's own provenance."""
    return provenance(clause.source, clause.id)


def part_provenance(
    clause: Clause, field_name: str, source: SourceRef | None = None, index: int | None = None
) -> Provenance:
    """The provenance of a part of a clause: its own source, an `assumed` entry, or the clause's.

    `field_name` is the clause's field ("" for the clause as a whole), `index` the item of a
    list field (a trigger's levels, a step's needs).
    """
    from guarantor.model.common import Grade

    part = field_name if index is None else f"{field_name}[{index}]"
    if field_name in clause.assumed:
        return Provenance(
            Grade.assumed, reason=clause.assumed[field_name], clause=clause.id, part=part
        )
    if source is not None:
        return provenance(source, clause.id, part)
    own = clause_provenance(clause)
    return Provenance(own.grade, own.doc, own.quote, own.reason, clause.id, part)


class _Compiler:
    """Walks the YAML predicate trees once, appending leaves."""

    def __init__(self, agreement: Agreement) -> None:
        self.a = agreement
        self.leaves: list[Leaf] = []
        self.trigger = ""  # the trigger whose levels are being compiled

    def tree(self, p: Any, path: YamlPath, prov: Provenance) -> Node:
        """The compiled node of one predicate."""
        if isinstance(p, AllOf):
            kids = tuple(self.tree(q, (*path, "all", i), prov) for i, q in enumerate(p.all))
            return Node(NodeKind.all, children=kids)
        if isinstance(p, AnyOf):
            kids = tuple(self.tree(q, (*path, "any", i), prov) for i, q in enumerate(p.any))
            return Node(NodeKind.any, children=kids)
        if isinstance(p, NotP):
            return Node(NodeKind.not_, children=(self.tree(p.not_, (*path, "not"), prov),))
        self.leaves.append(replace(self.leaf(p, path, prov), trigger=self.trigger))
        return Node(NodeKind.leaf, leaf=len(self.leaves) - 1)

    def leaf(self, p: Any, path: YamlPath, prov: Provenance) -> Leaf:
        """The compiled leaf of one leaf predicate (every default made explicit)."""
        if isinstance(p, NarrativeP):
            return Leaf(
                LeafKind.narrative,
                (*path, "narrative"),
                requires=(Requirement(Attribute.words, p.narrative.text),),
                provenance=prov,
            )
        if isinstance(p, RequestP):
            r = p.request
            by = tuple(r.by) if isinstance(r.by, list) else (r.by,)
            return Leaf(
                LeafKind.request,
                (*path, "request"),
                request_by=by,
                request_action=r.action,
                provenance=prov,
            )
        if isinstance(p, ActP):
            act = p.act
            return Leaf(
                LeafKind.act,
                (*path, "act"),
                by=tuple(act.by),
                parties=tuple(sorted(self.a.expand(act.by))) if act.by else (),
                act_kind=act.kind,
                act_ref=act.ref,
                provenance=prov,
            )
        if isinstance(p, NotEnactedP):
            return Leaf(
                LeafKind.not_enacted,
                (*path, "not_enacted"),
                obligation=p.not_enacted.obligation,
                provenance=prov,
            )
        inner: ArmedAttack | Threat | AirspaceViolation | TerritorialSeizure
        if isinstance(p, ArmedAttackP):
            kind, inner = LeafKind.armed_attack, p.armed_attack
        elif isinstance(p, ThreatP):
            kind, inner = LeafKind.threat, p.threat
        elif isinstance(p, AirspaceViolationP):
            kind, inner = LeafKind.airspace_violation, p.airspace_violation
        elif isinstance(p, TerritorialSeizureP):
            kind, inner = LeafKind.territorial_seizure, p.territorial_seizure
        else:  # pragma: no cover - the model's discriminator admits no other kind
            raise TypeError(f"not a predicate: {p!r}")
        parties = tuple(sorted(self.a.expand(inner.by))) if inner.by else ()
        common: dict[str, Any] = {
            "kind": kind,
            "path": (*path, kind.value),
            "by": tuple(inner.by),
            "parties": parties,
            "min_attribution": inner.min_attribution,
            "sustained_days": max(1, whole_days(inner.sustained)),
            "provenance": prov,
        }
        if isinstance(p, TerritorialSeizureP):
            s = p.territorial_seizure
            return Leaf(
                **common,
                beyond=Beyond(s.beyond),
                min_area_km2=s.min_area_km2,
                min_depth_km=s.min_depth_km,
                persisted_days=whole_days(s.persisted),
            )
        intensity = inner.intensity or Intensity()
        min_events = intensity.min_events
        incursions = getattr(inner, "min_incursions", None)
        if incursions is not None:
            min_events = max(min_events or 0, incursions)
        requires: list[Requirement] = []
        if isinstance(p, ArmedAttackP):
            if p.armed_attack.weapons == "nuclear":
                requires.append(Requirement(Attribute.nuclear_weapons))
            elif p.armed_attack.weapons == "conventional":
                requires.append(Requirement(Attribute.conventional_weapons))
            if p.armed_attack.deliberate:
                requires.append(Requirement(Attribute.deliberate))
        if isinstance(p, ThreatP) and p.threat.nuclear:
            requires.append(Requirement(Attribute.nuclear_threat))
        loc = inner.location
        place = Place()
        if loc is not None:
            place = Place(Inside(loc.inside), loc.beyond_agreed_line_km, loc.zone)
        return Leaf(
            **common,
            event_types=EVENT_TYPES_OF[kind],
            place=place,
            window_days=max(1, whole_days(intensity.window)),
            min_events=min_events,
            min_fatalities=intensity.min_fatalities,
            min_distinct_days=intensity.min_distinct_days,
            requires=tuple(requires),
        )


def _level_provenance(trigger: Clause, index: int, level: TriggerLevel) -> Provenance:
    return part_provenance(trigger, "levels", level.source, index)


def _resolver(a: Agreement, trigger_id: str, named: str | None) -> Resolver | None:
    by_id = {d.id: d for d in a.determinations}
    det = by_id.get(named) if named else None
    if det is None:
        det = next((d for d in a.determinations if trigger_id in d.triggers), None)
    if det is None:
        return None
    procedure = det.procedure
    if procedure is None:
        body = next((b for b in a.bodies if b.id == det.body), None)
        procedure = body.procedure if body is not None else None
    return Resolver(det.id, det.body, procedure, det.min_attribution, det.conditional_invocation)


def _links(a: Agreement, trigger_id: str) -> tuple[Link, ...]:
    links = [
        Link(LinkKind.obligation, o.id, o.opened_by.level)
        for o in a.obligations
        if o.opened_by.trigger == trigger_id
    ]
    for s in a.ladder.steps:
        if trigger_id in s.triggers or not s.triggers:  # a step naming no trigger answers any
            links.append(Link(LinkKind.step, s.id, s.at_level))
    return tuple(links)


def compile_agreement(agreement: Agreement) -> RulePlan:
    """The agreement's one compiled meaning: leaves, level trees, resolvers, links, provenance."""
    c = _Compiler(agreement)
    triggers: list[CompiledTrigger] = []
    for ti, t in enumerate(agreement.triggers):
        c.trigger = t.id
        levels = []
        for li, lv in enumerate(t.levels):
            prov = _level_provenance(t, li, lv)
            path: YamlPath = ("triggers", ti, "levels", li)
            levels.append(
                CompiledLevel(lv.level, c.tree(lv.when, (*path, "when"), prov), path, prov)
            )
        levels.sort(key=lambda x: list(type(x.level)).index(x.level))
        triggers.append(
            CompiledTrigger(
                id=t.id,
                index=ti,
                levels=tuple(levels),
                resolver=_resolver(agreement, t.id, t.determination),
                links=_links(agreement, t.id),
                provenance=clause_provenance(t),
            )
        )
    c.trigger = ""
    forfeitures = tuple(
        (f.id, c.tree(f.when, ("forfeitures", i, "when"), clause_provenance(f)))
        for i, f in enumerate(agreement.forfeitures)
    )
    standing = tuple(
        StandingLink(
            s.id,
            s.start.upon,
            s.start.day,
            s.start.milestone,
            s.monitored_by,
            clause_provenance(s),
        )
        for s in agreement.standing
    )
    return RulePlan(
        agreement=agreement.id,
        version=agreement.version,
        leaves=tuple(c.leaves),
        triggers=tuple(triggers),
        forfeitures=forfeitures,
        standing=standing,
    )
