"""Milestones of a track outside the agreement (EU accession) that an agreement can tie duties to."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from pydantic import Field, model_validator

from guarantor.model.common import Clause, Id


class MilestoneStatus(StrEnum):
    """Where a milestone stands."""

    planned = "planned"  # not reached; `by` is the target, when one is set
    reached = "reached"  # reached `on` a date
    missed = "missed"  # its target date passed without it


class Milestone(Clause):
    """A dated step of a track (e.g. the beneficiary's EU accession) and who must take it."""

    track: str = Field(description="e.g. 'EU accession'.")
    what: str = Field(description="The step in plain words.")
    party: list[Id] = Field(default_factory=list, description="Who takes the step.")
    procedure: Id | None = Field(default=None, description="The decision procedure it needs.")
    status: MilestoneStatus = MilestoneStatus.planned
    reached_on: dt.date | None = Field(default=None, description="When it was reached.")
    target: dt.date | None = Field(default=None, description="Its target date, when one is set.")

    @model_validator(mode="after")
    def _dated(self) -> Milestone:
        """A reached milestone says when; a missed one says which target it missed."""
        if self.status is MilestoneStatus.reached and self.reached_on is None:
            raise ValueError("a reached milestone needs `reached_on: YYYY-MM-DD`")
        if self.status is MilestoneStatus.missed and self.target is None:
            raise ValueError("a missed milestone needs the target it missed (`target: YYYY-MM-DD`)")
        return self
