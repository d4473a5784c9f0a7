"""Deadlines: `within` this long `from` an event, counted on a clock."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from guarantor.model.common import Clock, Duration, SourceRef, Strict


class Deadline(Strict):
    """`within` this long `from` an event, counted on a clock."""

    within: Duration
    from_: Literal[
        "request",
        "determination",
        "trigger",
        "entry_into_force",
        "signature",
        "notice",
        "previous_step",
    ] = Field(
        default="trigger",
        alias="from",
        description=(
            "The event the time runs from; `previous_step` (enactment steps only): the previous "
            "step's act, or its deadline while that act is not recorded."
        ),
    )
    clock: Clock = Clock.elapsed
    where_possible: bool = Field(
        default=False,
        description="The text softens the deadline ('where possible within 24 hours').",
    )
    source: SourceRef | None = Field(
        default=None, description="Provenance of the time limit; the obligation's own when absent."
    )
