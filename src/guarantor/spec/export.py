"""The agreement as data (`guarantor render FILE --format json`): clauses, provenance, compiled levels.

Each clause comes with its plain-language paragraph (the same words `render` prints), its
provenance (grade, document, quote, reason), its parts with their own grade, a pledge's status
beside its grade, and for a trigger the levels as compiled (`rules.RulePlan`): the one meaning
the monitor, the simulator and lint read.
"""

from __future__ import annotations

from typing import Any

from guarantor.model import Agreement, Clause
from guarantor.model.pledges import Pledge
from guarantor.rules import Leaf, Node, NodeKind, Provenance, RulePlan, compile_agreement
from guarantor.rules.compile import clause_provenance
from guarantor.rules.provenance import grade_counts, graded_parts
from guarantor.rules.trace import resolver_json
from guarantor.spec.render import articles


def provenance_json(p: Provenance) -> dict[str, Any]:
    """A provenance as data: grade (None when ungraded), document, quote, reason."""
    return {
        "grade": p.grade.value if p.grade is not None else None,
        "doc": p.doc,
        "quote": p.quote,
        "reason": p.reason,
    }


def leaf_json(lf: Leaf) -> dict[str, Any]:
    """A compiled leaf as data, every default explicit."""
    return {
        "kind": lf.kind.value,
        "path": "/".join(str(x) for x in lf.path),
        "event_types": [e.value for e in lf.event_types],
        "by": list(lf.by),
        "parties": list(lf.parties),
        "min_attribution": lf.min_attribution,
        "place": {
            "inside": lf.place.inside.value if lf.place.inside is not None else None,
            "beyond_agreed_line_km": lf.place.beyond_agreed_line_km,
            "zone": lf.place.zone,
        },
        "window_days": lf.window_days,
        "min_events": lf.min_events,
        "min_fatalities": lf.min_fatalities,
        "min_distinct_days": lf.min_distinct_days,
        "sustained_days": lf.sustained_days,
        "beyond": lf.beyond.value,
        "min_area_km2": lf.min_area_km2,
        "min_depth_km": lf.min_depth_km,
        "persisted_days": lf.persisted_days,
        "request_by": list(lf.request_by),
        "request_action": lf.request_action,
        "requires": [{"attribute": r.attribute.value, "text": r.text} for r in lf.requires],
    }


def tree_json(plan: RulePlan, node: Node) -> dict[str, Any]:
    """A compiled tree as nested data: {"leaf": {...}} or {"all"|"any"|"not": [...]}."""
    if node.kind is NodeKind.leaf:
        return {"leaf": leaf_json(plan.leaves[node.leaf])}
    return {node.kind.value: [tree_json(plan, c) for c in node.children]}


def agreement_json(a: Agreement) -> dict[str, Any]:
    """Every clause with its words, provenance and parts; triggers with their compiled levels."""
    plan = compile_agreement(a)
    words = {
        p.clause.id: p.text for art in articles(a) for p in art.paragraphs if p.clause is not None
    }
    parts: dict[str, list[dict[str, Any]]] = {}
    for part in graded_parts(a):
        if part.provenance.part:
            parts.setdefault(part.provenance.clause, []).append(
                {
                    "part": part.provenance.part,
                    "path": "/".join(str(x) for x in part.path),
                    "provenance": provenance_json(part.provenance),
                }
            )
    clauses = []
    for section, c in a.clauses():
        clauses.append(_clause_json(plan, section, c, words.get(c.id, ""), parts.get(c.id, [])))
    return {
        "agreement": a.id,
        "title": a.title,
        "version": a.version,
        "nature": a.nature.value,
        "provenance": grade_counts(a),
        "clauses": clauses,
    }


def _clause_json(
    plan: RulePlan,
    section: str,
    c: Clause,
    words: str,
    parts: list[dict[str, Any]],
) -> dict[str, Any]:
    source = c.source
    out: dict[str, Any] = {
        "section": section,
        "id": c.id,
        "title": c.title,
        "text": c.text,
        "words": words,
        "article": source.article if source is not None else None,
        "provenance": provenance_json(clause_provenance(c)),
        "parts": parts,
        "version": c.version,
    }
    if isinstance(c, Pledge):
        out["status"] = c.status.value
    if section == "triggers":
        t = plan.trigger(c.id)
        out["levels"] = [
            {
                "level": lv.level.value,
                "path": "/".join(str(x) for x in lv.path),
                "provenance": provenance_json(lv.provenance),
                "tree": tree_json(plan, lv.tree),
            }
            for lv in t.levels
        ]
        out["resolved_by"] = resolver_json(t.resolver)
    return out
