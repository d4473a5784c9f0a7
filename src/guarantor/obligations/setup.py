"""Replay setups: a counterfactual written down as a file (agreement, history, period, sweep)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from guarantor.errors import Position, UserError
from guarantor.sources.locate import DataFolder
from guarantor.spec.load import load_yaml_model

SETUP_SCHEMA = "guarantor/replay@1"


class ReplaySetup(BaseModel):
    """What to replay against what. Paths starting `data:` are inside the data folder."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    schema_: str = Field(default=SETUP_SCHEMA, alias="schema")
    title: str
    note: str | None = None
    agreement: str
    from_: dt.date = Field(alias="from")
    to: dt.date
    events: list[str] = Field(default_factory=list)
    territory: str | None = None
    actors: str | None = None
    proxy_confidences: list[float] = Field(default_factory=list)
    territory_every_days: int = Field(default=1, ge=1)
    attacks_from_territory: bool = False


def load_setup(path: Path) -> ReplaySetup:
    """Read a replay setup; errors name file:line:column."""
    setup, _ = load_yaml_model(path, ReplaySetup)
    if setup.schema_ != SETUP_SCHEMA:
        raise UserError(
            f"schema is {setup.schema_!r}, expected {SETUP_SCHEMA!r}", Position(str(path))
        )
    return setup


def resolve(text: str, setup_file: Path, data: DataFolder) -> Path | None:
    """A setup path: `data:REL` inside the data folder (None when absent), else beside the file."""
    if text.startswith("data:"):
        return data.file(text[len("data:") :])
    return (setup_file.parent / text).resolve()
