"""Scenario files: the situation values, extra or replacement needs, and planning settings."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from guarantor.errors import Position
from guarantor.model import CapabilityNeed, Duration
from guarantor.spec.load import load_yaml_model
from guarantor.spec.yamlpos import Positioned

DEFAULT_PRIORITY_WEIGHTS: dict[int, float] = {1: 16.0, 2: 8.0, 3: 4.0, 4: 2.0, 5: 1.0}


class ScenarioNeed(CapabilityNeed):
    """A need written in a scenario: a CapabilityNeed plus planning flags."""

    front_line: bool = Field(default=False, description="On the line of contact.")
    hard: bool = Field(default=False, description="Must be met in full; refuse the plan otherwise.")


class StepSettings(BaseModel):
    """A scenario's settings for one ladder step: its needs, and when and how long it runs."""

    model_config = ConfigDict(extra="forbid")

    replace: bool = Field(
        default=False, description="Replace the agreement's needs instead of overriding by kind."
    )
    needs: list[ScenarioNeed] = Field(default_factory=list)
    years: float | None = Field(
        default=None, gt=0, le=100, description="How long the step's response lasts, in years."
    )
    start_year: float = Field(
        default=0.0,
        ge=0,
        le=100,
        description="When it starts, in years after the guarantee's start (0: at once).",
    )


class Lateness(BaseModel):
    """How much a unit that arrives after the needed-by time still counts."""

    model_config = ConfigDict(extra="forbid")

    value: float = Field(default=0.5, ge=0, le=1, description="Value of a late unit on day 0.")
    penalty_per_day: float = Field(default=0.01, ge=0, description="Lost per day of lateness.")

    def factor(self, days_late: float) -> float:
        """What one unit arriving `days_late` days after the needed-by time counts for."""
        if days_late <= 0:
            return 1.0
        return max(0.0, self.value - self.penalty_per_day * days_late)


class FromTerritory(BaseModel):
    """A situation value the territory room measures on the real data for a date."""

    model_config = ConfigDict(extra="forbid")

    territory: Literal["contact_line_km"]
    date: dt.date


class Scenario(BaseModel):
    """A planning scenario (YAML): situation values and what-if settings."""

    model_config = ConfigDict(extra="forbid")

    id: str = "default"
    title: str | None = None
    description: str | None = None
    sources: list[str] = Field(
        default_factory=list, description="Where the situation values come from."
    )
    activation: dt.datetime | None = Field(
        default=None, description="When the step is activated (UTC); 'by' times count from it."
    )
    situation: dict[str, float] = Field(default_factory=dict)
    situation_from: dict[str, FromTerritory] = Field(
        default_factory=dict,
        description="Values measured on the real data, e.g. {contact_line_km: {territory: "
        "contact_line_km, date: 2026-08-22}}.",
    )
    steps: dict[str, StepSettings] = Field(default_factory=dict)
    years: float | None = Field(
        default=None,
        gt=0,
        le=100,
        description="How long each step's response lasts, in years (default: the agreement's "
        "term, else one year); a step's own `years` wins.",
    )
    votes: dict[str, Literal["passed", "failed", "pending"]] = Field(default_factory=dict)
    gate_delays: dict[str, Duration] = Field(default_factory=dict)
    default_vote_delay: Duration = Field(default_factory=lambda: Duration.model_validate("14 days"))
    gdp: dict[str, float] = Field(default_factory=dict)
    fair_share_caps: dict[str, float] = Field(default_factory=dict)
    late: Lateness = Field(default_factory=Lateness)
    priority_weights: dict[int, float] = Field(
        default_factory=lambda: dict(DEFAULT_PRIORITY_WEIGHTS)
    )

    @field_validator("activation")
    @classmethod
    def _aware(cls, value: dt.datetime | None) -> dt.datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("activation must carry a time zone, e.g. 2026-09-01T00:00:00Z")
        return value.astimezone(dt.UTC) if value is not None else None

    @field_validator("gdp")
    @classmethod
    def _positive_gdp(cls, value: dict[str, float]) -> dict[str, float]:
        bad = {k: v for k, v in value.items() if not v > 0}
        if bad:
            raise ValueError(f"GDP must be positive: {bad}")
        return value

    @field_validator("fair_share_caps")
    @classmethod
    def _caps(cls, value: dict[str, float]) -> dict[str, float]:
        bad = {k: v for k, v in value.items() if not 0 < v <= 1}
        if bad:
            raise ValueError(f"a cap is a share between 0 and 1 (e.g. 0.1635): {bad}")
        return value

    @field_validator("priority_weights")
    @classmethod
    def _weights(cls, value: dict[int, float]) -> dict[int, float]:
        missing = sorted(set(range(1, 6)) - set(value))
        if missing or any(w <= 0 for w in value.values()):
            raise ValueError("give a positive weight for each priority 1..5")
        return value


class LoadedScenario:
    """A scenario and, when read from a file, the positions of its values."""

    def __init__(self, scenario: Scenario, source: Positioned | None = None) -> None:
        self.scenario = scenario
        self.source = source

    def locate(self, *path: str | int) -> Position | None:
        """The file:line:column of a value, when the scenario came from a file."""
        return None if self.source is None else self.source.locate(tuple(path))


def load_scenario(path: Path | None) -> LoadedScenario:
    """Read a scenario file, or the empty default scenario when no path is given."""
    if path is None:
        return LoadedScenario(Scenario())
    scenario, source = load_yaml_model(path, Scenario)
    return LoadedScenario(scenario, source)
