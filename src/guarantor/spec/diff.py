"""Clause-level differences between two versions of an agreement."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any

from guarantor.model import Agreement

_HEADER_FIELDS = ("id", "title", "version", "date", "nature", "summary")


@dataclass(frozen=True)
class ClauseChange:
    """One changed clause or field: what kind of change, where, and the old and new values."""

    kind: str  # "added", "removed", "changed"
    section: str
    clause: str
    field: str
    old: Any
    new: Any

    def as_dict(self) -> dict[str, Any]:
        """The scriptable form."""
        return {
            "kind": self.kind,
            "section": self.section,
            "clause": self.clause,
            "field": self.field,
            "old": self.old,
            "new": self.new,
        }


def _clauses(a: Agreement) -> dict[tuple[str, str], dict[str, Any]]:
    out = {(section, c.id): c.model_dump(mode="json", by_alias=True) for section, c in a.clauses()}
    for p in a.parties:
        out[("parties", p.id)] = p.model_dump(mode="json")
    return out


def _flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for k in sorted(value):
            out.update(_flatten(value[k], f"{prefix}.{k}" if prefix else str(k)))
        return out
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        out = {}
        for i, v in enumerate(value):
            out.update(_flatten(v, f"{prefix}[{i}]"))
        return out
    return {prefix: value}


def diff_agreements(old: Agreement, new: Agreement) -> list[ClauseChange]:
    """Every clause added, removed or changed (field by field), in a stable order."""
    changes: list[ClauseChange] = []
    a = old.model_dump(mode="json", by_alias=True)
    b = new.model_dump(mode="json", by_alias=True)
    for f in _HEADER_FIELDS:
        if a.get(f) != b.get(f):
            changes.append(ClauseChange("changed", "agreement", old.id, f, a.get(f), b.get(f)))
    if old.lifecycle.status != new.lifecycle.status:
        changes.append(
            ClauseChange(
                "changed",
                "agreement",
                old.id,
                "lifecycle.status",
                old.lifecycle.status.value,
                new.lifecycle.status.value,
            )
        )
    ca, cb = _clauses(old), _clauses(new)
    for key in sorted(set(ca) | set(cb)):
        section, cid = key
        if key not in cb:
            changes.append(ClauseChange("removed", section, cid, "", ca[key], None))
        elif key not in ca:
            changes.append(ClauseChange("added", section, cid, "", None, cb[key]))
        else:
            fa, fb = _flatten(ca[key]), _flatten(cb[key])
            for f in sorted(set(fa) | set(fb)):
                if fa.get(f) != fb.get(f):
                    changes.append(ClauseChange("changed", section, cid, f, fa.get(f), fb.get(f)))
    return changes


def word_diff(old: str, new: str) -> str:
    """Inline word diff: [-removed-] {+added+}."""
    a, b = old.split(), new.split()
    out: list[str] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            out.extend(a[i1:i2])
        if op in ("delete", "replace"):
            out.append("[-" + " ".join(a[i1:i2]) + "-]")
        if op in ("insert", "replace"):
            out.append("{+" + " ".join(b[j1:j2]) + "+}")
    return " ".join(out)
