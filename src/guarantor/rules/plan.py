"""The compiled form of an agreement: typed predicate leaves and trees, links, provenance.

Every room reads an agreement's meaning from here (`compile_agreement` builds it once): the
monitor evaluates the leaves over observations, the simulator over drawn violations, lint
asks it hypothetical questions, the treaty-text writer and the reference checker walk it.
Nothing else walks the YAML predicate tree.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum

from guarantor.model.common import Grade
from guarantor.model.standing import StartKind
from guarantor.model.triggers import Level

YamlPath = tuple[str | int, ...]


class LeafKind(StrEnum):
    """What a leaf predicate is about."""

    armed_attack = "armed_attack"
    threat = "threat"
    airspace_violation = "airspace_violation"
    territorial_seizure = "territorial_seizure"
    request = "request"
    act = "act"  # an act recorded against the agreement (a repeal, an enactment step)
    not_enacted = "not_enacted"  # an enactment step's deadline passed without its act
    narrative = "narrative"


class NodeKind(StrEnum):
    """A node of a compiled predicate tree."""

    leaf = "leaf"
    all = "all"
    any = "any"
    not_ = "not"


class Inside(StrEnum):
    """Areas an observation may have to lie inside."""

    beneficiary = "beneficiary"
    beneficiary_incl_sea = "beneficiary_incl_sea"
    obligor_territory = "obligor_territory"
    treaty_area = "treaty_area"
    anywhere = "anywhere"


class Beyond(StrEnum):
    """The line a seizure of territory is measured against."""

    agreed_line = "agreed_line"
    border = "border"


class EventType(StrEnum):
    """Normalised event types: every event reader maps its source's categories onto these."""

    battle = "battle"  # UCDP state-based violence; ACLED Battles
    remote_violence = "remote_violence"  # ACLED Explosions/Remote violence (shelling, missiles)
    one_sided = "one_sided"  # UCDP one-sided violence; ACLED Violence against civilians
    non_state = "non_state"  # UCDP non-state conflict
    strategic = "strategic"  # ACLED Strategic developments
    protest = "protest"  # ACLED Protests
    riot = "riot"  # ACLED Riots
    threat = "threat"  # project JSON-lines: ultimatums, mobilisation, nuclear signalling
    airspace_violation = "airspace_violation"  # project JSON-lines: aircraft, drones, missiles
    other = "other"


EVENT_TYPES_OF: dict[LeafKind, tuple[EventType, ...]] = {
    LeafKind.armed_attack: (EventType.battle, EventType.remote_violence, EventType.one_sided),
    LeafKind.threat: (EventType.threat,),
    LeafKind.airspace_violation: (EventType.airspace_violation,),
}


class Attribute(StrEnum):
    """Facts a leaf may require beyond counts, place and attribution."""

    nuclear_weapons = "nuclear_weapons"  # armed attack with nuclear weapons
    conventional_weapons = "conventional_weapons"  # armed attack with conventional weapons only
    deliberate = "deliberate"  # the attack was deliberate
    nuclear_threat = "nuclear_threat"  # the threat involves nuclear weapons
    words = "words"  # a condition stated only in words


class Measure(StrEnum):
    """What a threshold counts or measures."""

    events = "events"
    fatalities = "fatalities"
    distinct_days = "distinct_days"
    consecutive_days = "consecutive_days"
    incidents = "incidents"
    area_km2 = "area_km2"
    depth_km = "depth_km"
    persisted_days = "persisted_days"
    attribution = "attribution"
    requests = "requests"
    acts = "acts"


class RequestBy(StrEnum):
    """Who may make a request that a `request` leaf counts, when not named party by party."""

    any_party = "any_party"
    beneficiary = "beneficiary"
    any_guarantor = "any_guarantor"


@dataclass(frozen=True)
class Requirement:
    """A fact a leaf requires: the attribute must be established as true."""

    attribute: Attribute
    text: str = ""  # for words-only conditions: the words


@dataclass(frozen=True)
class Place:
    """Where an observation must lie for a leaf to count it."""

    inside: Inside | None = None
    beyond_agreed_line_km: float | None = None
    zone: str | None = None


@dataclass(frozen=True)
class Provenance:
    """The grade of a clause or part of one, with its citation or reason."""

    grade: Grade | None
    doc: str | None = None
    quote: str | None = None
    reason: str | None = None
    clause: str = ""  # the clause it belongs to (or inherits from)
    part: str = ""  # the part of that clause: "" (whole), "levels[1]", "deadline", a field name

    @property
    def assumed(self) -> bool:
        """True when the value is the encoding's choice, not the record's."""
        return self.grade is Grade.assumed


@dataclass(frozen=True)
class Leaf:
    """One predicate over observations, with every threshold and default made explicit."""

    kind: LeafKind
    path: YamlPath  # where it is written, for located messages
    trigger: str = ""  # the trigger whose level reads it ("" for a forfeiture's)
    event_types: tuple[EventType, ...] = ()
    by: tuple[str, ...] = ()  # the party ids as written (groups not expanded)
    parties: tuple[str, ...] = ()  # attributed to one of these (groups expanded); () = anyone
    min_attribution: float = 0.0  # 0: any attribution above zero
    place: Place = field(default_factory=Place)
    window_days: int = 1
    min_events: int | None = None
    min_fatalities: int | None = None
    min_distinct_days: int | None = None
    sustained_days: int = 1
    beyond: Beyond = Beyond.agreed_line
    min_area_km2: float | None = None
    min_depth_km: float | None = None
    persisted_days: int = 0
    request_by: tuple[str, ...] = ()  # party ids and RequestBy values
    request_action: str = ""
    act_kind: str = ""  # act leaves: the kind of act counted (repeal, enactment_step, breach)
    act_ref: str | None = None  # act leaves: about this clause or step (None: any)
    obligation: str = ""  # not_enacted leaves: the obligation whose enactment steps are watched
    requires: tuple[Requirement, ...] = ()
    provenance: Provenance = field(default_factory=lambda: Provenance(None))

    @property
    def counts_events(self) -> bool:
        """True for leaves over event observations (attacks, threats, airspace)."""
        return bool(self.event_types)

    def selection(self) -> Leaf:
        """The leaf with thresholds cleared: what selects its observations (shared by equals)."""
        return Leaf(
            kind=self.kind,
            path=(),
            event_types=self.event_types,
            parties=self.parties,
            min_attribution=self.min_attribution,
            place=self.place,
            beyond=self.beyond,
            min_area_km2=self.min_area_km2,
            min_depth_km=self.min_depth_km,
            persisted_days=self.persisted_days,
            request_by=self.request_by,
            trigger=self.trigger if self.kind is LeafKind.request else "",
            act_kind=self.act_kind,
            act_ref=self.act_ref,
            obligation=self.obligation,
        )


@dataclass(frozen=True)
class Node:
    """A node of a compiled predicate tree: a leaf (index into the plan's leaves) or a connective."""

    kind: NodeKind
    leaf: int = -1
    children: tuple[Node, ...] = ()

    def leaves(self) -> tuple[int, ...]:
        """Indices of the leaves under this node, depth first."""
        if self.kind is NodeKind.leaf:
            return (self.leaf,)
        return tuple(i for child in self.children for i in child.leaves())

    def positive_leaves(self) -> tuple[int, ...]:
        """Leaves that count for the tree when they hold (not under an odd number of `not`)."""
        if self.kind is NodeKind.leaf:
            return (self.leaf,)
        if self.kind is NodeKind.not_:
            return ()
        return tuple(i for child in self.children for i in child.positive_leaves())


@dataclass(frozen=True)
class Resolver:
    """The determination (body and procedure) that can settle a trigger's unknowns."""

    determination: str
    body: str
    procedure: str | None
    min_attribution: float | None
    conditional_invocation: bool


class LinkKind(StrEnum):
    """What a trigger level opens."""

    obligation = "obligation"
    step = "step"


@dataclass(frozen=True)
class Link:
    """A trigger level opening an obligation or a ladder step."""

    kind: LinkKind
    target: str
    level: Level | None  # None: any level of the trigger


@dataclass(frozen=True)
class StandingLink:
    """A standing obligation: owed from its start (not opened by a trigger), and who checks it."""

    target: str
    start: StartKind
    day: dt.date | None  # for a dated start
    milestone: str | None  # for a start at a milestone
    monitored_by: str | None
    provenance: Provenance


@dataclass(frozen=True)
class CompiledLevel:
    """One level of a trigger: its tree and the provenance of its thresholds."""

    level: Level
    tree: Node
    path: YamlPath
    provenance: Provenance


@dataclass(frozen=True)
class CompiledTrigger:
    """A trigger: levels weakest first, who resolves its unknowns, what it opens."""

    id: str
    index: int
    levels: tuple[CompiledLevel, ...]
    resolver: Resolver | None
    links: tuple[Link, ...]
    provenance: Provenance

    def level(self, level: Level) -> CompiledLevel | None:
        """The compiled level, when the trigger has it."""
        return next((lv for lv in self.levels if lv.level is level), None)

    def opens(self, level: Level, kind: LinkKind | None = None) -> tuple[Link, ...]:
        """What an activation at `level` opens: links at any level, or at `level` or below."""
        order = list(Level)
        return tuple(
            link
            for link in self.links
            if (kind is None or link.kind is kind)
            and (link.level is None or order.index(link.level) <= order.index(level))
        )


@dataclass(frozen=True)
class RulePlan:
    """An agreement compiled once: every leaf, every trigger's levels, links and provenance."""

    agreement: str
    version: str
    leaves: tuple[Leaf, ...]
    triggers: tuple[CompiledTrigger, ...]
    forfeitures: tuple[tuple[str, Node], ...]
    standing: tuple[StandingLink, ...] = ()

    def trigger(self, trigger_id: str) -> CompiledTrigger:
        """The compiled trigger with this id."""
        for t in self.triggers:
            if t.id == trigger_id:
                return t
        raise KeyError(trigger_id)

    def fingerprint(self) -> str:
        """A stable text identifying the plan's meaning (checkpoints refuse another one)."""
        leaves = [(lf.selection(), lf.window_days, lf.min_events, lf.min_fatalities,
                   lf.min_distinct_days, lf.sustained_days, lf.requires) for lf in self.leaves]  # fmt: skip
        trees = [(t.id, [(lv.level.value, lv.tree) for lv in t.levels]) for t in self.triggers]
        return repr((leaves, trees))
