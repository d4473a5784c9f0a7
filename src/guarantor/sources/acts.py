"""Acts recorded against an agreement: requests, consultations held, votes, findings, decisions.

An acts file (`schema: guarantor/acts@1`) is either written for one agreement (acts `ref`
its obligations, procedures and triggers) or a curated record of what happened in the real
world (NAC meetings, sanctions packages, aid decisions: `examples/acts/`), each act citing
its source (`source: {grade, doc, quote}` with `documents` as in an agreement). An act without
`ref` counts for any duty of its kind by its party, or by any of its `members` (the allies
at a North Atlantic Council meeting). `coverage` says for which parties and period the record
is meant to be complete; outside it, a missing act says nothing about what happened.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator

from guarantor.errors import Position, UserError
from guarantor.model.common import Document, Grade, SourceRef
from guarantor.spec.load import load_yaml_model


class ActKind(StrEnum):
    """What an act is."""

    request = "request"
    consultation_held = "consultation_held"
    objection_lodged = "objection_lodged"
    approval_voted = "approval_voted"
    determination_made = "determination_made"
    attribution_established = "attribution_established"
    done = "done"
    breach = "breach"
    sanctions_adopted = "sanctions_adopted"  # a sanctions package (or a snapback) decided
    aid_decided = "aid_decided"  # an aid package, loan or appropriation decided
    aid_suspended = (
        "aid_suspended"  # aid or intelligence sharing halted (or, with finding false, resumed)
    )
    enactment_step = "enactment_step"  # a step of enacting a commitment into law was taken
    repeal = "repeal"  # an enacted commitment was repealed
    presence_confirmed = "presence_confirmed"  # a monitor found a standing duty met


ACTS_SCHEMA = "guarantor/acts@1"


class Act(BaseModel):
    """One act: who did what, when, about which obligation, procedure, gate or trigger (`ref`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    kind: ActKind
    party: str = Field(min_length=1)
    time: datetime
    ref: str | None = Field(
        default=None,
        description=(
            "Obligation, procedure, gate body, determination, trigger or enactment-step id; "
            "none: the act counts for any duty of its kind by its party or members."
        ),
    )
    members: tuple[str, ...] = Field(
        default=(),
        description="Who took part besides `party` (e.g. the allies at a NAC meeting).",
    )
    forum: str | None = Field(default=None, description="Where, e.g. 'North Atlantic Council'.")
    amount: float | None = Field(default=None, ge=0, description="For aid: how much.")
    currency: str | None = Field(default=None, pattern=r"^[A-Z]{3}$")
    finding: bool = Field(
        default=True,
        description=(
            "For determination_made and attribution_established: whether the body found the "
            "trigger's conditions met (true) or not met (false)."
        ),
    )
    source: SourceRef | None = Field(
        default=None, description="Where the act is recorded: grade, document, quote."
    )
    note: str | None = None

    @field_validator("time")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("needs a UTC offset (write ...Z or +00:00)")
        return value.astimezone(UTC)

    def involves(self, parties: set[str]) -> bool:
        """True when the act's party or one of its members is among `parties`."""
        return self.party in parties or not parties.isdisjoint(self.members)


class Coverage(BaseModel):
    """The parties and period for which a record of acts is meant to be complete."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
    parties: tuple[str, ...] = Field(min_length=1)
    from_: dt.date = Field(alias="from")
    to: dt.date
    kinds: tuple[ActKind, ...] = Field(
        default=(), description="The kinds of act it covers (all when empty)."
    )
    forum: str | None = Field(
        default=None,
        description=(
            "Complete only for acts in this forum (e.g. 'North Atlantic Council'): it settles a "
            "duty only where the duty's venue is that forum. None: every forum."
        ),
    )
    note: str | None = None


class ActsFile(BaseModel):
    """A file of acts, with the documents they cite and what the record covers."""

    model_config = ConfigDict(extra="forbid")
    schema_: str = Field(default=ACTS_SCHEMA, alias="schema")
    title: str | None = None
    documents: dict[str, Document] = Field(default_factory=dict)
    coverage: list[Coverage] = Field(default_factory=list)
    acts: list[Act] = Field(default_factory=list)


@dataclass(frozen=True)
class ActLog:
    """Acts in time order, with lookups, and the coverage the record declares."""

    acts: tuple[Act, ...] = ()
    coverage: tuple[Coverage, ...] = ()
    documents: tuple[tuple[str, Document], ...] = ()

    def find(
        self,
        kinds: set[ActKind] | set[str],
        parties: set[str] | None = None,
        refs: set[str] | None = None,
        after: datetime | None = None,
        before: datetime | None = None,
    ) -> list[Act]:
        """Acts of these kinds, by these parties, about these refs (None ref matches any), in a period."""
        out = []
        for act in self.acts:
            if act.kind not in kinds:
                continue
            if parties is not None and not act.involves(parties):
                continue
            if refs is not None and act.ref is not None and act.ref not in refs:
                continue
            if after is not None and act.time < after:
                continue
            if before is not None and act.time > before:
                continue
            out.append(act)
        return out

    def covered(
        self, party: str, day: dt.date, kind: str | None = None, venue: str | None = None
    ) -> bool:
        """True when the record declares itself complete for `party` on `day`.

        Only declared `coverage` counts, for acts of `kind` (when given) and, for a coverage
        limited to a forum, only for a duty whose `venue` is that forum: where the record does not
        say it is complete, a missing act says nothing about what happened.
        """
        return any(
            party in c.parties
            and c.from_ <= day <= c.to
            and (kind is None or not c.kinds or kind in c.kinds)
            and (c.forum is None or c.forum == venue)
            for c in self.coverage
        )

    def span(self, party: str) -> tuple[dt.date, dt.date] | None:
        """The first and last day with an act by or with `party` (None: no act at all)."""
        days = [a.time.date() for a in self.acts if a.involves({party})]
        return (min(days), max(days)) if days else None


def load_acts(path: Path) -> ActLog:
    """Read acts from a YAML file, or from every `*.yaml` in a folder (sorted by name).

    Errors give file:line:column: an unknown key, a time without offset, a source citing a
    document the file does not define, a `reported` or `official` act citing none.
    """
    files = sorted(path.glob("*.yaml")) if path.is_dir() else [path]
    if path.is_dir() and not files:
        raise UserError(f"no acts files (*.yaml) in the folder {path}")
    acts: list[Act] = []
    coverage: list[Coverage] = []
    documents: dict[str, Document] = {}
    for file in files:
        parsed, positions = load_yaml_model(file, ActsFile)
        for i, act in enumerate(parsed.acts):
            _check_source(act, parsed, positions.locate(("acts", i, "source")))
        acts += parsed.acts
        coverage += parsed.coverage
        documents.update(parsed.documents)
    return ActLog(
        tuple(sorted(acts, key=lambda a: (a.time, a.kind, a.party))),
        tuple(coverage),
        tuple(sorted(documents.items())),
    )


def _check_source(act: Act, parsed: ActsFile, position: Position) -> None:
    """An act's citation names a document of its file, and `assumed` gives a reason."""
    src = act.source
    if src is None:
        return
    if src.doc is not None and src.doc not in parsed.documents:
        known = ", ".join(sorted(parsed.documents)) or "none are defined"
        raise UserError(
            f"act cites document {src.doc!r}, not defined in this file ({known})", position
        )
    if src.grade in (Grade.official, Grade.reported, Grade.text) and src.doc is None:
        raise UserError(f"an act graded {src.grade.value} must cite a document (doc)", position)
    if src.grade is Grade.assumed and not (src.reason or "").strip():
        raise UserError("an act graded assumed must give its reason", position)
