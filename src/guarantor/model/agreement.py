"""The agreement: everything a guarantee says, as one typed object."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from pydantic import Field

from guarantor.model.common import Clause, Document, Id, SourceRef, Strict
from guarantor.model.decisions import DecisionProcedure
from guarantor.model.determination import Determination
from guarantor.model.forfeiture import Forfeiture
from guarantor.model.lifecycle import BindingNature, Lifecycle
from guarantor.model.line import AgreedLine
from guarantor.model.milestones import Milestone
from guarantor.model.monitoring import MonitoringArrangement
from guarantor.model.obligations import Obligation
from guarantor.model.parties import Body, Party, Role, RoleKind
from guarantor.model.party_names import PartyEntry, PartyNames
from guarantor.model.pledges import Pledge
from guarantor.model.response import ResponseLadder
from guarantor.model.standing import StandingObligation
from guarantor.model.triggers import Trigger

SCHEMA_VERSION = "guarantor/agreement@1"


class Agreement(Strict):
    """A multilateral security guarantee written as code."""

    schema_: str = Field(default=SCHEMA_VERSION, alias="schema")
    id: Id
    title: str
    version: str = "1"
    date: dt.date | None = None
    nature: BindingNature
    summary: str | None = None
    source: SourceRef | None = None
    fact_notes: list[str] = Field(
        default_factory=list, description="Where public facts are thin, what this encoding assumes."
    )
    documents: dict[Id, Document] = Field(default_factory=dict)
    parties: list[Party] = Field(min_length=1)
    roles: list[Role] = Field(default_factory=list)
    procedures: list[DecisionProcedure] = Field(default_factory=list)
    bodies: list[Body] = Field(default_factory=list)
    lifecycle: Lifecycle = Field(default_factory=Lifecycle)
    agreed_line: AgreedLine | None = Field(
        default=None,
        description=(
            "The line that predicates 'beyond the agreed line' measure against; lint flags a "
            "line that is used but not defined or not published."
        ),
    )
    triggers: list[Trigger] = Field(default_factory=list)
    determinations: list[Determination] = Field(default_factory=list)
    obligations: list[Obligation] = Field(default_factory=list)
    standing: list[StandingObligation] = Field(
        default_factory=list,
        description=(
            "Duties owed from entry into force (or a date or milestone) for the life of the "
            "agreement: presence, training, financing, caps, reporting; not opened by a trigger."
        ),
    )
    milestones: list[Milestone] = Field(
        default_factory=list,
        description="Dated steps of a track outside the agreement (EU accession) it ties duties to.",
    )
    ladder: ResponseLadder = Field(default_factory=ResponseLadder)
    pledges: list[Pledge] = Field(default_factory=list)
    forfeitures: list[Forfeiture] = Field(default_factory=list)
    monitoring: list[MonitoringArrangement] = Field(default_factory=list)

    def party_ids(self) -> set[str]:
        """Ids of every party, including groups."""
        return {p.id for p in self.parties}

    def party_names(self) -> PartyNames:
        """The resolver of the agreement's parties: id, name, ISO alpha-3 or alpha-2, any case."""
        return PartyNames.of(
            (PartyEntry(p.id, p.name, p.iso) for p in self.parties), f"the agreement {self.id}"
        )

    def party(self, party_id: str) -> Party:
        """The party with this id."""
        for p in self.parties:
            if p.id == party_id:
                return p
        raise KeyError(party_id)

    def expand(self, ids: list[str]) -> set[str]:
        """Party ids with groups replaced by their members (recursively)."""
        by_id = {p.id: p for p in self.parties}
        out: set[str] = set()
        stack = list(ids)
        seen: set[str] = set()
        while stack:
            pid = stack.pop()
            if pid in seen:
                continue
            seen.add(pid)
            party = by_id.get(pid)
            if party is not None and party.members:
                stack.extend(party.members)
            else:
                out.add(pid)
        return out

    def with_role(self, role: RoleKind, on: dt.date | None = None) -> list[str]:
        """Parties holding `role` (on a date, when given), in the order listed."""
        out: list[str] = []
        for r in self.roles:
            if r.role is role and (on is None or r.active_on(on)) and r.party not in out:
                out.append(r.party)
        return out

    def standing_obligation(self, standing_id: str) -> StandingObligation:
        """The standing obligation with this id."""
        for s in self.standing:
            if s.id == standing_id:
                return s
        raise KeyError(standing_id)

    def procedure(self, proc_id: str) -> DecisionProcedure:
        """The decision procedure with this id."""
        for p in self.procedures:
            if p.id == proc_id:
                return p
        raise KeyError(proc_id)

    def body(self, body_id: str) -> Body:
        """The body with this id."""
        for b in self.bodies:
            if b.id == body_id:
                return b
        raise KeyError(body_id)

    def clauses(self) -> Iterator[tuple[str, Clause]]:
        """Every clause with its section name, in document order."""
        lc = self.lifecycle
        if lc.entry_into_force is not None:
            yield "lifecycle", lc.entry_into_force
        if lc.term is not None:
            yield "lifecycle", lc.term
        if self.agreed_line is not None:
            yield "agreed_line", self.agreed_line
        for section, items in (
            ("procedures", self.procedures),
            ("bodies", self.bodies),
            ("triggers", self.triggers),
            ("determinations", self.determinations),
            ("obligations", self.obligations),
            ("standing", self.standing),
            ("milestones", self.milestones),
            ("ladder", self.ladder.steps),
            ("pledges", self.pledges),
            ("forfeitures", self.forfeitures),
            ("monitoring", self.monitoring),
        ):
            for item in items:
                yield section, item
