"""The agreement without some parties: out of pledges, bodies, procedures, monitoring and duties alike.

`without(agreement, parties)` is the one reading of "what if these parties are not there": their
pledges go, and with them every pledge that depends on one of those; they leave the groups, the
bodies, the decision procedures (members, weights, vetoes and approval gates) and the monitoring
arrangements; their roles go, and their duties and standing duties (and the caveats only they hold), where no
other party shares them. A body, a
procedure or a monitoring arrangement left with nobody goes too, and so does a determination whose
body or procedure is gone. Every such change is recorded as a typed `Removal`, so that callers (the
respond room, the simulator, the dashboard) can say what each removal costs.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from guarantor.model import Agreement
from guarantor.model.decisions import blockers
from guarantor.rules.provenance import prune_references


class RemovalKind(StrEnum):
    """What leaving a party out takes away."""

    pledge = "pledge"  # a pledge of a party left out
    dependent_pledge = "dependent_pledge"  # another party's pledge that depends on a removed one
    role = "role"
    group_member = "group_member"
    body_member = "body_member"
    body = "body"  # a body with no member left
    procedure_member = "procedure_member"
    procedure_gate = "procedure_gate"  # a national approval gate of a procedure
    procedure = "procedure"  # a procedure with no member, or no decider, left
    determination = "determination"  # its body or its procedure is gone
    monitor = "monitor"  # a monitoring arrangement loses one of its monitors
    monitoring = "monitoring"  # a monitoring arrangement with no monitor left
    obligation_party = "obligation_party"  # a duty (or standing duty) that others still share
    obligation = "obligation"  # a duty (or standing duty) nobody else is bound by
    step_party = "step_party"  # a ladder step's must/may list
    step_decision = "step_decision"  # a ladder step whose procedure or body is gone


@dataclass(frozen=True)
class Removal:
    """One change that leaving a party out makes to an agreement."""

    kind: RemovalKind
    clause: str  # id of the clause changed or removed ("" for a role)
    party: str  # the party left out that causes it ("" when it follows from another removal)
    via: str = ""  # what it follows from: the pledge depended on, the body or procedure lost
    veto: bool = False  # a member who could block the body's or procedure's decisions alone


@dataclass(frozen=True)
class PartiesOut:
    """An agreement with some parties left out, and every change that makes."""

    agreement: Agreement
    parties: tuple[str, ...]  # as asked (groups not expanded)
    left_out: frozenset[str]  # every party id left out (groups expanded, the groups themselves too)
    removals: tuple[Removal, ...]

    def of(self, *kinds: RemovalKind) -> tuple[Removal, ...]:
        """The removals of these kinds, in the order they were made."""
        return tuple(r for r in self.removals if r.kind in kinds)


def without(agreement: Agreement, parties: list[str] | tuple[str, ...]) -> PartiesOut:
    """The agreement with these parties (groups expand to their members) taken out everywhere."""
    asked = tuple(sorted(set(parties)))
    out = frozenset(agreement.expand(list(asked)) | set(asked))
    if not out:
        return PartiesOut(agreement, asked, out, ())
    data: dict[str, Any] = agreement.model_dump(mode="python", by_alias=True)
    changes = _Changes(out)
    changes.parties_and_roles(data)
    changes.procedures(data, agreement)
    changes.bodies(data, agreement)
    changes.determinations(data, agreement)
    changes.monitoring(data)
    changes.obligations(data)
    changes.standing(data)
    changes.steps(data)
    changes.pledges(data)
    prune_references(data, changes.removed)
    return PartiesOut(Agreement.model_validate(data), asked, out, tuple(changes.removals))


class _Changes:
    """Takes the parties out of the dumped agreement, section by section, noting each removal."""

    def __init__(self, out: frozenset[str]) -> None:
        self.out = out
        self.removals: list[Removal] = []
        self.removed: set[str] = set()  # ids of clauses removed altogether

    def note(
        self, kind: RemovalKind, clause: str, party: str, via: str = "", veto: bool = False
    ) -> None:
        self.removals.append(Removal(kind, clause, party, via, veto))

    def _strip(self, ids: list[str], kind: RemovalKind, clause: str, vetoes: set[str]) -> list[str]:
        kept = []
        for pid in ids:
            if pid in self.out:
                self.note(kind, clause, pid, veto=pid in vetoes)
            else:
                kept.append(pid)
        return kept

    def parties_and_roles(self, data: dict[str, Any]) -> None:
        for party in data["parties"]:
            if party["members"]:
                party["members"] = self._strip(
                    party["members"], RemovalKind.group_member, party["id"], set()
                )
        kept = []
        for role in data["roles"]:
            if role["party"] in self.out:
                self.note(RemovalKind.role, str(role["role"]), role["party"])
            else:
                kept.append(role)
        data["roles"] = kept

    def procedures(self, data: dict[str, Any], agreement: Agreement) -> None:
        kept = []
        for proc, model in zip(data["procedures"], agreement.procedures, strict=True):
            pid = proc["id"]
            vetoes = blockers(model, list(model.members))
            gates = []
            for gate in proc["gates"]:
                if gate["party"] in self.out:
                    self.note(RemovalKind.procedure_gate, pid, gate["party"], via=gate["body"])
                else:
                    gates.append(gate)
            proc["gates"] = gates
            had_members = bool(proc["members"])
            proc["members"] = self._strip(
                proc["members"], RemovalKind.procedure_member, pid, vetoes
            )
            for key in ("veto", "consult"):
                if key in proc:
                    proc[key] = [p for p in proc[key] if p not in self.out]
            if "weights" in proc:
                proc["weights"] = {p: w for p, w in proc["weights"].items() if p not in self.out}
            decider = proc.get("decider")
            if decider in self.out:
                self.note(RemovalKind.procedure, pid, decider, via="decider")
                self.removed.add(pid)
            elif had_members and not proc["members"]:
                self.note(RemovalKind.procedure, pid, "", via="members")
                self.removed.add(pid)
            else:
                kept.append(proc)
        data["procedures"] = kept

    def bodies(self, data: dict[str, Any], agreement: Agreement) -> None:
        procedures = {p.id: p for p in agreement.procedures}
        kept = []
        for body, model in zip(data["bodies"], agreement.bodies, strict=True):
            had_members = bool(body["members"])
            vetoes = set(body["veto"])
            procedure = procedures.get(model.procedure or "")
            if procedure is not None:
                vetoes |= blockers(procedure, list(model.members))
            body["members"] = self._strip(
                body["members"], RemovalKind.body_member, body["id"], vetoes
            )
            body["veto"] = [p for p in body["veto"] if p not in self.out]
            if had_members and not body["members"]:
                self.note(RemovalKind.body, body["id"], "", via="members")
                self.removed.add(body["id"])
            elif body.get("procedure") in self.removed:
                self.note(RemovalKind.body, body["id"], "", via=body["procedure"])
                self.removed.add(body["id"])
            else:
                kept.append(body)
        data["bodies"] = kept

    def determinations(self, data: dict[str, Any], agreement: Agreement) -> None:
        procedure_of = {b.id: b.procedure for b in agreement.bodies}
        kept = []
        for det in data["determinations"]:
            procedure = det.get("procedure") or procedure_of.get(det["body"])
            lost_via = (
                det["body"]
                if det["body"] in self.removed
                else (procedure if procedure in self.removed else None)
            )
            if lost_via is not None:
                self.note(RemovalKind.determination, det["id"], "", via=lost_via)
                self.removed.add(det["id"])
            else:
                kept.append(det)
        data["determinations"] = kept

    def monitoring(self, data: dict[str, Any]) -> None:
        kept = []
        for arr in data["monitoring"]:
            arr["monitor"] = self._strip(arr["monitor"], RemovalKind.monitor, arr["id"], set())
            arr["reports_to"] = [p for p in arr["reports_to"] if p not in self.out]
            if arr["monitor"]:
                kept.append(arr)
            else:
                self.note(RemovalKind.monitoring, arr["id"], "", via="monitor")
                self.removed.add(arr["id"])
        data["monitoring"] = kept

    def obligations(self, data: dict[str, Any]) -> None:
        kept = []
        for ob in data["obligations"]:
            bound = [p for p in ob["party"] if p not in self.out]
            if not bound:
                for pid in ob["party"]:
                    self.note(RemovalKind.obligation, ob["id"], pid)
                self.removed.add(ob["id"])
                continue
            for pid in ob["party"]:
                if pid in self.out:
                    self.note(RemovalKind.obligation_party, ob["id"], pid)
            ob["party"] = bound
            ob["at_request_of"] = [p for p in ob["at_request_of"] if p not in self.out]
            self._caveats(ob)
            kept.append(ob)
        data["obligations"] = kept

    def standing(self, data: dict[str, Any]) -> None:
        """Standing duties are duties: shared ones stay with the others, sole ones go."""
        kept = []
        for duty in data["standing"]:
            bound = [p for p in duty["party"] if p not in self.out]
            if not bound:
                for pid in duty["party"]:
                    self.note(RemovalKind.obligation, duty["id"], pid)
                self.removed.add(duty["id"])
                continue
            for pid in duty["party"]:
                if pid in self.out:
                    self.note(RemovalKind.obligation_party, duty["id"], pid)
            duty["party"] = bound
            self._caveats(duty)
            kept.append(duty)
        data["standing"] = kept

    def _caveats(self, clause: dict[str, Any]) -> None:
        """A caveat that some parties hold loses those left out, and goes when none is left."""
        kept = []
        for caveat in clause.get("caveats", []):
            holders = caveat.get("parties") or []
            if holders and all(p in self.out for p in holders):
                continue
            caveat["parties"] = [p for p in holders if p not in self.out]
            kept.append(caveat)
        clause["caveats"] = kept

    def steps(self, data: dict[str, Any]) -> None:
        for step in data["ladder"]["steps"]:
            for key in ("must", "may"):
                step[key] = self._strip(step[key], RemovalKind.step_party, step["id"], set())
            for key in ("procedure", "through_body"):
                if step.get(key) in self.removed:
                    self.note(RemovalKind.step_decision, step["id"], "", via=step[key])

    def pledges(self, data: dict[str, Any]) -> None:
        gone: dict[str, str] = {}  # pledge id -> the pledge it fell with ("" for its own)
        for pledge in data["pledges"]:
            if pledge["party"] in self.out:
                gone[pledge["id"]] = ""
                self.note(RemovalKind.pledge, pledge["id"], pledge["party"])
        changed = True
        while changed:  # the cascade, to a fixed point: a pledge stands only if its dependencies do
            changed = False
            for pledge in data["pledges"]:
                if pledge["id"] in gone:
                    continue
                dep = next((d for d in pledge["depends_on"] if d in gone), None)
                if dep is not None:
                    gone[pledge["id"]] = dep
                    self.note(RemovalKind.dependent_pledge, pledge["id"], "", via=dep)
                    changed = True
        data["pledges"] = [p for p in data["pledges"] if p["id"] not in gone]
        self.removed |= set(gone)
