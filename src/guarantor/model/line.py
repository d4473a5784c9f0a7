"""The agreed line: the line an agreement measures advances and attacks against."""

from __future__ import annotations

import datetime as dt

from pydantic import Field

from guarantor.model.common import Clause


class AgreedLine(Clause):
    """Where the agreed line runs, as the agreement defines it, and whether its course is public."""

    drawn: str = Field(
        description=(
            "How the agreement draws it, e.g. 'the line of contact on the day the ceasefire "
            "enters into force'."
        )
    )
    as_of: dt.date | None = Field(default=None, description="The day the line is taken on.")
    published: bool = Field(
        default=False,
        description="Its course (coordinates or a map) is public, so anyone can check an advance.",
    )
    map: str | None = Field(
        default=None, description="Where its course is published: a URL or a file."
    )
