"""The YAML form of a land-swap proposal, read through the project's one YAML loader."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, model_validator

# A planning assumption, not a fact: roughly a brigade (3,000-5,000) per 12-20 km of defended
# front. Every proposal or command line can set its own.
DEFAULT_TROOPS_PER_KM = 250.0


class SwapSide(StrEnum):
    """The two sides of a proposal: the obligor promises not to seize more territory."""

    obligor = "obligor"
    beneficiary = "beneficiary"


class _Node(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class UnitsNode(_Node):
    """Whole admin-1 units: `unit: CODE` or `units: [CODE, ...]`."""

    unit: str | None = None
    units: list[str] | None = Field(default=None, min_length=1)

    @model_validator(mode="after")
    def _one_way(self) -> UnitsNode:
        if (self.unit is None) == (self.units is None):
            raise ValueError("expected 'unit: CODE' or 'units: [CODE, ...]'")
        return self

    def codes(self) -> tuple[str, ...]:
        """The unit codes named."""
        return (self.unit,) if self.unit is not None else tuple(self.units or ())


class PartOfUnitNode(UnitsNode):
    """The part of some units held by one side."""

    held_by: SwapSide = Field(description="part_of_unit needs 'held_by: obligor|beneficiary'")


class PolygonNode(_Node):
    """A polygon in lon/lat: a GeoJSON file beside the proposal, or its outer ring's coordinates."""

    file: str | None = None
    coordinates: list[tuple[float, float]] | None = Field(default=None, min_length=4)

    @model_validator(mode="after")
    def _one_way(self) -> PolygonNode:
        if (self.file is None) == (self.coordinates is None):
            raise ValueError("polygon needs 'file' or 'coordinates'")
        return self


class AreaNode(_Node):
    """Where a transfer lies: whole units, the part of units held by a side, or a polygon."""

    unit: str | None = None
    units: list[str] | None = Field(default=None, min_length=1)
    part_of_unit: PartOfUnitNode | None = None
    polygon: PolygonNode | None = None

    @model_validator(mode="after")
    def _one_way(self) -> AreaNode:
        given = [self.unit or self.units, self.part_of_unit, self.polygon]
        if sum(g is not None for g in given) != 1 or (self.unit and self.units):
            raise ValueError("an area is one of 'unit', 'units', 'part_of_unit' or 'polygon'")
        return self


class TransferNode(_Node):
    """Territory passing from one side to the other."""

    id: str | None = None
    description: str = ""
    giver: SwapSide = Field(alias="from")
    receiver: SwapSide = Field(alias="to")
    area: AreaNode

    @model_validator(mode="after")
    def _two_sides(self) -> TransferNode:
        if self.giver == self.receiver:
            raise ValueError(
                "a transfer goes 'from' one side 'to' the other (obligor, beneficiary)"
            )
        return self


class FrozenNode(UnitsNode):
    """Units where the line stays where it is."""

    id: str | None = None
    description: str = ""


class ZoneKind(StrEnum):
    """What a zone of the deal is for."""

    demilitarised = "demilitarised"
    buffer = "buffer"


class ZoneNode(_Node):
    """A demilitarised or buffer zone: an area, or a band along the post-swap contact line."""

    id: str | None = None
    kind: ZoneKind = ZoneKind.buffer
    description: str = ""
    area: AreaNode | None = None
    along_contact_line_km: float | None = Field(
        default=None, gt=0, description="width of a band centred on the post-swap contact line"
    )

    @model_validator(mode="after")
    def _one_way(self) -> ZoneNode:
        if (self.area is None) == (self.along_contact_line_km is None):
            raise ValueError("a zone is one of 'area' or 'along_contact_line_km'")
        return self


class SidesNode(_Node):
    """Who the obligor and the beneficiary are."""

    obligor: str
    beneficiary: str


class ProposalFile(_Node):
    """A land-swap proposal file."""

    name: str | None = None
    source: str = ""
    notes: str | None = None
    sides: SidesNode = Field(
        default_factory=lambda: SidesNode(obligor="obligor", beneficiary="beneficiary")
    )
    at: date | None = None
    troops_per_km: float = Field(default=DEFAULT_TROOPS_PER_KM, ge=0)
    transfers: list[TransferNode] = Field(default_factory=list)
    frozen: list[FrozenNode] = Field(default_factory=list)
    zones: list[ZoneNode] = Field(default_factory=list)

    @model_validator(mode="after")
    def _some_transfer(self) -> ProposalFile:
        if not self.transfers:
            raise ValueError("the proposal has no transfers")
        return self
