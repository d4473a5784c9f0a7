"""Determinations: who establishes that a trigger happened and who is responsible."""

from __future__ import annotations

from pydantic import Field

from guarantor.model.common import Clause, Duration, Id


class Determination(Clause):
    """A body's finding that a trigger fired and, if `attributes`, who is responsible."""

    body: Id
    procedure: Id | None = Field(default=None, description="Overrides the body's own procedure.")
    triggers: list[Id] = Field(default_factory=list, description="Triggers it determines.")
    attributes: bool = Field(default=True, description="It establishes responsibility.")
    evidence_required: list[str] = Field(default_factory=list)
    min_attribution: float | None = Field(default=None, ge=0, le=1)
    conditional_invocation: bool = Field(
        default=False,
        description="The body may invoke conditionally, pending attribution (NAC, 12 Sep 2001).",
    )
    within: Duration | None = None
