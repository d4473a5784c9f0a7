"""`ledger doctor`: records already written that break today's rules, shown without rewriting history."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from guarantor.ledger.chain import MAX_SEQ, StoredRecord
from guarantor.ledger.payload import (
    MAX_KEY,
    MAX_PARTY,
    PayloadError,
    check_kind,
    check_name,
    stored_payload_problem,
)


@dataclass(frozen=True)
class DoctorFinding:
    """One stored record that breaks a rule: which record, which part, why."""

    seq: int
    kind: str
    party: str
    part: str  # kind | party | key | payload | refs
    problem: str

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready view."""
        return {
            "seq": self.seq,
            "kind": self.kind,
            "party": self.party,
            "part": self.part,
            "problem": self.problem,
        }


def _refs_problem(refs: str, seq: int) -> str | None:
    try:
        value = json.loads(refs)
    except ValueError:
        return "not JSON"
    if not isinstance(value, list) or any(type(r) is not int for r in value):
        return "not a list of seqs"
    if any(not 0 < r < seq or r > MAX_SEQ for r in value):
        return "refers to a record that is not before it"
    return None


def examine(rec: StoredRecord) -> list[DoctorFinding]:
    """The rules one stored record breaks."""
    found: list[DoctorFinding] = []

    def add(part: str, problem: str) -> None:
        found.append(DoctorFinding(rec.seq, rec.kind, rec.party, part, problem))

    try:
        check_kind(rec.kind)
    except PayloadError as exc:
        add("kind", exc.message)
    try:
        check_name(rec.party, "party", MAX_PARTY)
    except PayloadError as exc:
        add("party", exc.message)
    if rec.key is not None:
        try:
            check_name(rec.key, "key", MAX_KEY)
        except PayloadError as exc:
            add("key", exc.message)
    problem = stored_payload_problem(rec.payload)
    if problem is not None:
        add("payload", problem)
    problem = _refs_problem(rec.refs, rec.seq)
    if problem is not None:
        add("refs", problem)
    return found


def diagnose(records: Iterable[StoredRecord]) -> tuple[int, list[DoctorFinding]]:
    """How many records were examined, and every rule they break, in chain order."""
    count = 0
    findings: list[DoctorFinding] = []
    for rec in records:
        count += 1
        findings.extend(examine(rec))
    return count, findings
