"""Enactment: the steps by which a party writes a commitment into its own law.

Russia's reported 2025 offer was a "legislative enshrinement" of its commitment not to seize
more territory: a bill through the State Duma, approval by the Federation Council, the
President's signature, publication. Each step has the body that takes it and a deadline;
the agreement says what counts as verification, and its triggers can treat non-enactment
(`not_enacted`) or a repeal (`act: {kind: repeal}`) as a breach.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field, model_validator

from guarantor.model.common import Id, SourceRef, Strict
from guarantor.model.deadline import Deadline


class EnactmentKind(StrEnum):
    """A step of a legislative procedure."""

    introduction = "introduction"  # a bill is introduced
    lower_house = "lower_house"  # adopted by the lower house (State Duma, all readings)
    upper_house = "upper_house"  # approved by the upper house (Federation Council)
    signature = "signature"  # signed into law by the head of state
    publication = "publication"  # officially published, so it enters into force
    ratification = "ratification"  # a treaty ratified
    other = "other"


class EnactmentStep(Strict):
    """One step: which body takes it, of which party, by when."""

    id: Id
    step: EnactmentKind
    body: str = Field(min_length=1, description="e.g. 'State Duma', 'Federation Council'.")
    party: Id | None = Field(default=None, description="Whose body; the obligation's when absent.")
    deadline: Deadline | None = Field(
        default=None,
        description="By when, e.g. within 60 days of entry into force (none: the text sets none).",
    )
    source: SourceRef | None = Field(
        default=None,
        description="Provenance of the step and its deadline; the clause's when absent.",
    )


class Enactment(Strict):
    """The steps that enact a commitment, and what counts as verifying it."""

    steps: list[EnactmentStep] = Field(min_length=1)
    verification: list[str] = Field(
        default_factory=list,
        description="What counts as verification, e.g. 'publication in the official legal portal'.",
    )
    verified_by: Id | None = Field(
        default=None, description="The monitoring arrangement (or body) that verifies it."
    )

    @model_validator(mode="after")
    def _unique_steps(self) -> Enactment:
        """Step ids are unique (acts name them)."""
        seen: set[str] = set()
        for step in self.steps:
            if step.id in seen:
                raise ValueError(f"enactment step id {step.id!r} is used twice")
            seen.add(step.id)
        return self
