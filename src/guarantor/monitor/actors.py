"""Actor maps: source actor names to parties, with the confidence the analyst sets."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from guarantor.errors import UserError
from guarantor.spec.load import load_yaml_model

ACTORS_SCHEMA = "guarantor/actors@1"


class ActorEntry(BaseModel):
    """One source actor name (and aliases) attributed to a party at a confidence."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1)
    aliases: list[str] = Field(default_factory=list)
    party: str = Field(min_length=1)
    confidence: float = Field(ge=0, le=1)
    relation: Literal["self", "proxy", "ally", "unknown"] = "self"
    note: str | None = None


class ActorFile(BaseModel):
    """An actor map file."""

    model_config = ConfigDict(extra="forbid")
    schema_: str = Field(default=ACTORS_SCHEMA, alias="schema")
    title: str | None = None
    actors: list[ActorEntry] = Field(default_factory=list)


@dataclass(frozen=True)
class Attribution:
    """A party an actor is attributed to, and how confidently."""

    party: str
    confidence: float
    relation: str


@dataclass
class ActorMap:
    """Case-insensitive lookup from actor names to attributions."""

    entries: dict[str, list[Attribution]] = field(default_factory=dict)
    source: str = "(none)"

    def attribute(self, actor: str) -> list[Attribution]:
        """The parties this actor name is attributed to (empty when unknown)."""
        return self.entries.get(actor.strip().casefold(), [])

    def confidence(self, actor: str, parties: set[str]) -> float:
        """The highest confidence that `actor` acts for one of `parties` (0 when none)."""
        return max((a.confidence for a in self.attribute(actor) if a.party in parties), default=0.0)

    def with_confidence(self, relation: str, confidence: float) -> ActorMap:
        """A copy with every attribution of this relation (e.g. `proxy`) set to `confidence`."""
        entries = {
            name: [
                Attribution(
                    a.party, confidence if a.relation == relation else a.confidence, a.relation
                )
                for a in items
            ]
            for name, items in self.entries.items()
        }
        return ActorMap(entries, f"{self.source} ({relation} at {confidence:.2f})")

    @classmethod
    def from_entries(cls, items: list[ActorEntry], source: str = "(inline)") -> ActorMap:
        """An actor map from parsed entries."""
        entries: dict[str, list[Attribution]] = {}
        for item in items:
            for name in (item.name, *item.aliases):
                entries.setdefault(name.strip().casefold(), []).append(
                    Attribution(item.party, item.confidence, item.relation)
                )
        return cls(entries, source)


def load_actor_map(path: Path) -> ActorMap:
    """Read an actor map YAML file; errors name file:line:column."""
    parsed, positioned = load_yaml_model(path, ActorFile)
    if parsed.schema_ != ACTORS_SCHEMA:
        raise UserError(
            f"schema is {parsed.schema_!r}, expected {ACTORS_SCHEMA!r}",
            positioned.locate(("schema",)),
        )
    return ActorMap.from_entries(parsed.actors, str(path))
