"""The two views lint reads: the agreement as written and as encoded, each with its compiled plan.

As written (`rules.provenance.as_written`) drops every value the encoding assumed, so lists in it
may be shorter than in the file. `encoded_path` takes a YAML path in the written agreement back to
the same item in the file, so that a finding of either view is located in the file the user reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from guarantor.model import Agreement, RoleKind
from guarantor.model.common import Grade
from guarantor.rules import RulePlan, compile_agreement
from guarantor.rules.provenance import as_written
from guarantor.spec.findings import View

P = tuple[str | int, ...]


@dataclass(frozen=True)
class Subject:
    """What lint reads in one view: the agreement in that view, its plan, and the file's encoding."""

    view: View
    agreement: Agreement
    plan: RulePlan
    encoded: Agreement
    adversaries: frozenset[str]  # obligors and adversaries, groups expanded


def subject(encoded: Agreement, view: View) -> Subject:
    """The subject of one view of an encoded agreement."""
    a = as_written(encoded) if view is View.as_written else encoded
    named = a.with_role(RoleKind.obligor) + a.with_role(RoleKind.adversary)
    return Subject(view, a, compile_agreement(a), encoded, frozenset(a.expand(named)))


def encoded_path(encoded: Agreement, written: Agreement, path: P) -> P:
    """The path in the file of the item at `path` in the written agreement."""
    out: list[str | int] = []
    enc: Any = encoded
    wr: Any = written
    for i, step in enumerate(path):
        if isinstance(step, int) and isinstance(enc, list) and isinstance(wr, list):
            if not 0 <= step < len(wr):
                return (*out, *path[i:])
            index = _matching_index(enc, wr, step)
            out.append(index)
            enc, wr = enc[index], wr[step]
            continue
        out.append(step)
        enc, wr = _child(enc, step), _child(wr, step)
        if enc is None or wr is None:
            return (*out, *path[i + 1 :])
    return tuple(out)


def _matching_index(enc: list[Any], wr: list[Any], step: int) -> int:
    """Where the written list's item `step` stands in the encoded list."""
    item = wr[step]
    ident = getattr(item, "id", None)
    if isinstance(ident, str):
        return next((k for k, x in enumerate(enc) if getattr(x, "id", None) == ident), step)
    if isinstance(item, str):
        return enc.index(item) if item in enc else step
    kept = [k for k, x in enumerate(enc) if not _assumed(getattr(x, "source", None))]
    return kept[step] if len(kept) == len(wr) else step


def _assumed(source: Any) -> bool:
    return source is not None and getattr(source, "grade", None) is Grade.assumed


def _child(obj: Any, step: str | int) -> Any:
    if isinstance(obj, dict):
        return obj.get(step)
    if isinstance(obj, BaseModel) and isinstance(step, str):
        for name, f in type(obj).model_fields.items():
            if step in (name, f.alias):
                return getattr(obj, name)
    return None
