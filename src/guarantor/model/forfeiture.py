"""Forfeiture: when a party loses the protection or the benefits."""

from __future__ import annotations

from pydantic import Field

from guarantor.model.common import Clause, Id
from guarantor.model.triggers import Predicate


class Forfeiture(Clause):
    """If `when` holds for `party`, it loses what `loses` lists."""

    party: Id
    loses: list[str] = Field(min_length=1, description="e.g. 'the guarantee', 'sanctions relief'")
    when: Predicate
