"""Triggers: typed, graded predicates over observations (events and territorial incidents).

A predicate is written as a mapping with exactly one key naming its kind, e.g.

    when:
      all:
        - armed_attack: {by: [RU], min_attribution: 0.8, sustained: 3 days}
        - not: {threat: {by: [RU]}}
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Discriminator, Field, Tag

from guarantor.model.common import Clause, Duration, Id, SourceRef, Strict


def _with_unit(d: Duration) -> Duration:
    """A predicate's duration must say its unit: it is read by the monitor, not only linted."""
    if not d.has_unit:
        raise ValueError(
            f"{d.value:g} has no unit; write e.g. '{d.value:g} days' or '{d.value:g} hours' "
            "(a predicate's window, sustained and persisted periods are evaluated, so a bare "
            "number cannot be guessed)"
        )
    return d


PredicateDuration = Annotated[Duration, AfterValidator(_with_unit)]


class Level(StrEnum):
    """Grades of a trigger, from weakest to strongest."""

    watch = "watch"
    consult = "consult"
    invoke = "invoke"


LEVEL_ORDER: dict[Level, int] = {Level.watch: 0, Level.consult: 1, Level.invoke: 2}


class Location(Strict):
    """Where an observation must be for the predicate to count."""

    inside: Literal[
        "beneficiary", "beneficiary_incl_sea", "obligor_territory", "treaty_area", "anywhere"
    ] = "beneficiary"
    beyond_agreed_line_km: float | None = Field(
        default=None, ge=0, description="At least this far beyond the agreed line of contact."
    )
    zone: str | None = Field(default=None, description="Name of a zone defined in a scenario file.")


class Intensity(Strict):
    """Aggregates over a sliding window that must all be reached."""

    window: PredicateDuration = Field(
        default="1 day",
        validate_default=True,
        description="Sliding window the counts are taken over, e.g. '7 days' (default 1 day).",
    )
    min_events: int | None = Field(default=None, ge=1)
    min_fatalities: int | None = Field(default=None, ge=1)
    min_distinct_days: int | None = Field(default=None, ge=1)


class ObservedPredicate(Strict):
    """Fields common to predicates over observations."""

    by: list[Id] = Field(default_factory=list, description="Attributed to one of these parties.")
    min_attribution: float = Field(
        default=0.0,
        ge=0,
        le=1,
        description=(
            "Minimum attribution confidence to the parties in `by` (default 0: any attribution "
            "above zero counts)."
        ),
    )
    location: Location | None = None
    intensity: Intensity | None = None
    sustained: PredicateDuration = Field(
        default="1 day",
        validate_default=True,
        description="The condition must hold on this many consecutive days (default 1 day).",
    )
    note: str | None = None


class ArmedAttack(ObservedPredicate):
    """Armed attack (conventional unless `weapons` says otherwise)."""

    weapons: Literal["conventional", "nuclear", "any"] = "any"
    deliberate: bool | None = Field(
        default=None, description="Requires a determination that the attack was deliberate."
    )


class Threat(ObservedPredicate):
    """Threat of armed attack: ultimatums, mobilisation near the border, nuclear signalling."""

    nuclear: bool = False


class AirspaceViolation(ObservedPredicate):
    """Crewed or uncrewed aircraft or missiles entering the protected airspace."""

    min_incursions: int | None = Field(default=None, ge=1)


class TerritorialSeizure(ObservedPredicate):
    """Seizure of territory beyond the agreed line (from territorial-control snapshots)."""

    beyond: Literal["agreed_line", "border"] = "agreed_line"
    min_area_km2: float | None = Field(default=None, ge=0)
    min_depth_km: float | None = Field(default=None, ge=0)
    persisted: PredicateDuration = Field(
        default="0 days",
        validate_default=True,
        description="The advance must persist this long to count, against map noise (default 0).",
    )


class Request(Strict):
    """A party formally requests action (e.g. consultations under NATO Art. 4)."""

    by: list[Id] | Literal["any_party", "beneficiary", "any_guarantor"] = "any_party"
    action: str = "consultations"


class ActObserved(Strict):
    """An act recorded against the agreement: a repeal of an enacted commitment, an enactment step."""

    kind: Literal["repeal", "enactment_step", "breach"] = Field(
        description="The kind of act (as recorded in an acts file)."
    )
    by: list[Id] = Field(default_factory=list, description="Done by one of these (any when empty).")
    ref: Id | None = Field(
        default=None, description="About this obligation or enactment step (any when empty)."
    )


class NotEnacted(Strict):
    """An obligation's enactment is overdue: a step's deadline passed without its act."""

    obligation: Id = Field(description="The obligation whose `enactment` steps are watched.")


class Narrative(Strict):
    """A condition stated only in words; nothing here can be measured (lint flags it)."""

    text: str


class AllOf(Strict):
    """All of the predicates hold."""

    all: list[Predicate] = Field(min_length=1)


class AnyOf(Strict):
    """At least one of the predicates holds."""

    any: list[Predicate] = Field(min_length=1)


class NotP(Strict):
    """The predicate does not hold."""

    not_: Predicate = Field(alias="not")


class ArmedAttackP(Strict):
    """Wrapper: `armed_attack: {...}`."""

    armed_attack: ArmedAttack


class ThreatP(Strict):
    """Wrapper: `threat: {...}`."""

    threat: Threat


class AirspaceViolationP(Strict):
    """Wrapper: `airspace_violation: {...}`."""

    airspace_violation: AirspaceViolation


class TerritorialSeizureP(Strict):
    """Wrapper: `territorial_seizure: {...}`."""

    territorial_seizure: TerritorialSeizure


class RequestP(Strict):
    """Wrapper: `request: {...}`."""

    request: Request


class ActP(Strict):
    """Wrapper: `act: {...}`."""

    act: ActObserved


class NotEnactedP(Strict):
    """Wrapper: `not_enacted: {...}`."""

    not_enacted: NotEnacted


class NarrativeP(Strict):
    """Wrapper: `narrative: {...}`."""

    narrative: Narrative


PREDICATE_KINDS: tuple[str, ...] = (
    "armed_attack",
    "threat",
    "airspace_violation",
    "territorial_seizure",
    "request",
    "act",
    "not_enacted",
    "narrative",
    "all",
    "any",
    "not",
)


def _predicate_kind(value: Any) -> str | None:
    if isinstance(value, dict):
        keys = [k for k in value if k in PREDICATE_KINDS]
        return keys[0] if len(keys) == 1 and len(value) == 1 else None
    for kind, cls in _KIND_CLASSES.items():
        if isinstance(value, cls):
            return kind
    return None


Predicate = Annotated[
    Annotated[ArmedAttackP, Tag("armed_attack")]
    | Annotated[ThreatP, Tag("threat")]
    | Annotated[AirspaceViolationP, Tag("airspace_violation")]
    | Annotated[TerritorialSeizureP, Tag("territorial_seizure")]
    | Annotated[RequestP, Tag("request")]
    | Annotated[ActP, Tag("act")]
    | Annotated[NotEnactedP, Tag("not_enacted")]
    | Annotated[NarrativeP, Tag("narrative")]
    | Annotated[AllOf, Tag("all")]
    | Annotated[AnyOf, Tag("any")]
    | Annotated[NotP, Tag("not")],
    Discriminator(
        _predicate_kind,
        custom_error_type="predicate_kind",
        custom_error_message=(
            "a predicate is a mapping with exactly one key, one of: " + ", ".join(PREDICATE_KINDS)
        ),
    ),
]

_KIND_CLASSES: dict[str, type[Strict]] = {
    "armed_attack": ArmedAttackP,
    "threat": ThreatP,
    "airspace_violation": AirspaceViolationP,
    "territorial_seizure": TerritorialSeizureP,
    "request": RequestP,
    "act": ActP,
    "not_enacted": NotEnactedP,
    "narrative": NarrativeP,
    "all": AllOf,
    "any": AnyOf,
    "not": NotP,
}

AllOf.model_rebuild()
AnyOf.model_rebuild()
NotP.model_rebuild()


class TriggerLevel(Strict):
    """One grade of a trigger and the predicate that reaches it."""

    level: Level
    when: Predicate
    source: SourceRef | None = Field(
        default=None,
        description="Provenance of this level's thresholds; the trigger's own when absent.",
    )
    note: str | None = None


class Trigger(Clause):
    """A typed, graded trigger: the highest level whose predicate holds is the activation."""

    levels: list[TriggerLevel] = Field(min_length=1)
    determination: Id | None = Field(
        default=None, description="Id of the determination that confirms this trigger."
    )
