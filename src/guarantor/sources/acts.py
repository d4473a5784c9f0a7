"""Acts recorded against an agreement: requests, consultations held, objections, votes, findings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator

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


ACTS_SCHEMA = "guarantor/acts@1"


class Act(BaseModel):
    """One act: who did what, when, about which obligation, procedure, gate or trigger (`ref`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    kind: ActKind
    party: str = Field(min_length=1)
    time: datetime
    ref: str | None = Field(
        default=None, description="Obligation, procedure, gate body, determination or trigger id."
    )
    finding: bool = Field(
        default=True,
        description=(
            "For determination_made and attribution_established: whether the body found the "
            "trigger's conditions met (true) or not met (false)."
        ),
    )
    note: str | None = None

    @field_validator("time")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("needs a UTC offset (write ...Z or +00:00)")
        return value.astimezone(UTC)


class ActsFile(BaseModel):
    """A file of acts."""

    model_config = ConfigDict(extra="forbid")
    schema_: str = Field(default=ACTS_SCHEMA, alias="schema")
    acts: list[Act] = Field(default_factory=list)


@dataclass(frozen=True)
class ActLog:
    """Acts in time order, with lookups."""

    acts: tuple[Act, ...] = ()

    def find(
        self,
        kinds: set[str],
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
            if parties is not None and act.party not in parties:
                continue
            if refs is not None and act.ref is not None and act.ref not in refs:
                continue
            if after is not None and act.time < after:
                continue
            if before is not None and act.time > before:
                continue
            out.append(act)
        return out


def load_acts(path: Path) -> ActLog:
    """Read acts from YAML (`schema: guarantor/acts@1`, `acts: [...]`); errors give file:line:column."""
    parsed, _ = load_yaml_model(path, ActsFile)
    return ActLog(tuple(sorted(parsed.acts, key=lambda a: (a.time, a.kind, a.party))))
