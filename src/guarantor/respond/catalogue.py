"""The capability catalogue: kinds of contribution, their units, sizes, costs, readiness, rotation.

Every value that carries a figure (unit size, yearly cost, readiness, rotation, the parts a
composite kind stands for) has its own provenance under `sources:`: the grade (`official`,
`reported`, `text` or `assumed`), the document it comes from, and for an assumed value the reason.
"""

from __future__ import annotations

import difflib
import functools
from importlib import resources
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, model_validator

from guarantor.errors import UserError
from guarantor.model import Where
from guarantor.model.common import Document, Duration, Grade, SourceRef
from guarantor.rules.compile import provenance
from guarantor.rules.plan import Provenance
from guarantor.spec.load import load_yaml_model, validate_positioned
from guarantor.spec.yamlpos import Positioned, parse_text

# The values of a kind that carry a figure, and so a provenance each.
GRADED_VALUES: tuple[str, ...] = (
    "unit_size",
    "cost_eur_per_year",
    "readiness",
    "rotation",
    "stands_for",
)


class UnitSize(BaseModel):
    """How big one unit is: a count of something (soldiers, aircraft, crew)."""

    model_config = ConfigDict(extra="forbid")

    count: float = Field(gt=0)
    of: str = Field(description="What is counted, e.g. 'soldiers', 'AWACS aircraft'.")


class Capability(BaseModel):
    """One kind of contribution (an air-defence battery, a brigade, EUR per year of financing)."""

    model_config = ConfigDict(extra="forbid")

    id: str = ""
    name: str
    unit: str
    unit_aliases: list[str] = Field(default_factory=list)
    domain: str
    integer: bool = True
    lethal: bool = False
    unit_size: UnitSize | None = None
    cost_eur_per_year: float | None = Field(
        default=None,
        ge=0,
        description="What keeping one unit on the mission costs its sender for a year (EUR); 0 = "
        "not monetised (a political commitment).",
    )
    face_value: bool = Field(
        default=False, description="Money: one unit is one euro (no cost figure of its own)."
    )
    readiness: Duration | None = Field(
        default=None, description="Typical time to be ready after a call (when a pledge says none)."
    )
    rotation: float = Field(
        default=1.0,
        ge=1,
        description="Units held in the force-generation cycle for one unit deployed over a "
        "multi-year mission (3: one deployed, one preparing, one recovering); 1 = no rotation.",
    )
    stands_for: dict[str, float] = Field(
        default_factory=dict,
        description="A composite kind: the kinds (and quantities per unit) it stands for.",
    )
    max_per_pledge: float = Field(gt=0)
    serves: dict[Where, list[Where]] = Field(default_factory=dict)
    anywhere: bool = False
    solver_scale: float = Field(default=1.0, gt=0)
    sources: dict[str, SourceRef] = Field(
        default_factory=dict,
        description="Provenance of each value with a figure (see GRADED_VALUES).",
    )
    note: str | None = None

    @model_validator(mode="after")
    def _money_is_stated(self) -> Capability:
        """A kind says what a unit costs, counts at face value, or stands for other kinds."""
        if self.stands_for:
            if self.cost_eur_per_year is not None or self.face_value:
                raise ValueError("a composite kind (stands_for) takes its cost from its parts")
        elif self.face_value and self.cost_eur_per_year is not None:
            raise ValueError("face_value and cost_eur_per_year exclude each other")
        elif not self.face_value and self.cost_eur_per_year is None:
            raise ValueError(
                "give cost_eur_per_year (0 when not monetised) or face_value: true (money)"
            )
        return self

    @property
    def monetised(self) -> bool:
        """True when a unit has a money value (its own, at face value, or its parts')."""
        return self.face_value or bool(self.cost_eur_per_year) or bool(self.stands_for)

    def money_per_unit_year(self) -> float:
        """EUR one unit costs for a year on the mission (1 at face value; parts not included)."""
        if self.face_value:
            return 1.0
        return self.cost_eur_per_year or 0.0

    def graded_values(self) -> list[str]:
        """The values of this kind that carry a figure, and so need a provenance."""
        present = {
            "unit_size": self.unit_size is not None,
            "cost_eur_per_year": self.cost_eur_per_year is not None,
            "readiness": self.readiness is not None,
            "rotation": "rotation" in self.model_fields_set,
            "stands_for": bool(self.stands_for),
        }
        return [name for name in GRADED_VALUES if present[name]]

    def provenance_of(self, value: str) -> Provenance:
        """The provenance of one value (ungraded when the file gives none)."""
        return provenance(self.sources.get(value), f"catalogue:{self.id}", value)

    def can_serve(self, need_at: Where, deployed_at: Where) -> bool:
        """True when a unit deployed at `deployed_at` meets a need at `need_at`."""
        if self.anywhere or need_at == deployed_at:
            return True
        return deployed_at in self.serves.get(need_at, [])

    def accepts_unit(self, unit: str | None) -> bool:
        """True when `unit` (as written in a pledge or need) is this capability's unit."""
        if unit is None:
            return True
        spelled = unit.strip().lower()
        return spelled in {self.unit.lower(), *(a.lower() for a in self.unit_aliases)}


class CatalogueFile(BaseModel):
    """The shape of a catalogue YAML file."""

    model_config = ConfigDict(extra="forbid")

    documents: dict[str, Document] = Field(default_factory=dict)
    capabilities: dict[str, Capability]


class Catalogue:
    """The known capability kinds, by id, and the documents their values cite."""

    def __init__(
        self, capabilities: dict[str, Capability], documents: dict[str, Document] | None = None
    ) -> None:
        self.capabilities = dict(sorted(capabilities.items()))
        self.documents = dict(sorted((documents or {}).items()))

    def __contains__(self, kind: object) -> bool:
        return kind in self.capabilities

    def __getitem__(self, kind: str) -> Capability:
        return self.capabilities[kind]

    def get(self, kind: str) -> Capability | None:
        """The capability of this kind, or None when unknown."""
        return self.capabilities.get(kind)

    def ids(self) -> list[str]:
        """Known kinds in sorted order."""
        return list(self.capabilities)

    def close_match(self, kind: str) -> str | None:
        """The known kind closest to a misspelt one, or None."""
        close = difflib.get_close_matches(kind, self.ids(), n=1, cutoff=0.6)
        return close[0] if close else None

    def parts(self, kind: str) -> dict[str, float]:
        """The kinds one unit of `kind` stands for (itself when it is not a composite)."""
        cap = self.capabilities.get(kind)
        if cap is None or not cap.stands_for:
            return {kind: 1.0}
        return dict(sorted(cap.stands_for.items()))

    def extended(self, other: Catalogue) -> Catalogue:
        """This catalogue with the kinds of `other` added or replacing ours."""
        return Catalogue(
            {**self.capabilities, **other.capabilities}, {**self.documents, **other.documents}
        )


def _check_sources(
    kind: str, cap: Capability, documents: dict[str, Document], source: Positioned
) -> None:
    """Every value with a figure is graded; grades carry what they need; documents exist."""
    path = ("capabilities", kind)
    for name, ref in cap.sources.items():
        where = source.locate((*path, "sources", name), prefer_key=True)
        if name not in GRADED_VALUES:
            close = difflib.get_close_matches(name, GRADED_VALUES, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise UserError(
                f"sources: {name!r} is not a value with a figure{hint} (values: "
                + ", ".join(GRADED_VALUES)
                + ")",
                where,
            )
        if name not in cap.graded_values():
            raise UserError(f"sources: {name!r} is given, but {kind} sets no {name}", where)
        if ref.grade is None:
            raise UserError(
                f"sources.{name}: give a grade (text, official, reported, assumed)", where
            )
        if ref.grade is Grade.assumed and not ref.reason:
            raise UserError(f"sources.{name}: an assumed value needs a `reason`", where)
        if ref.grade is Grade.text and not ref.quote:
            raise UserError(f"sources.{name}: a `text` grade needs the `quote`", where)
        if ref.grade in (Grade.official, Grade.reported, Grade.text) and not ref.doc:
            raise UserError(f"sources.{name}: a {ref.grade.value} value cites a `doc`", where)
        if ref.doc is not None and ref.doc not in documents:
            known = ", ".join(sorted(documents)) or "none"
            raise UserError(
                f"sources.{name}: document {ref.doc!r} is not in `documents` (known: {known})",
                source.locate((*path, "sources", name, "doc")),
            )
    for name in cap.graded_values():
        if name not in cap.sources:
            raise UserError(
                f"{kind}.{name} has no provenance: add sources.{name} with a grade (and a doc, "
                "or the reason when it is assumed)",
                source.locate((*path, name), prefer_key=True),
            )


def _from_file(parsed: CatalogueFile, source: Positioned, base: Catalogue | None) -> Catalogue:
    documents = {**(base.documents if base else {}), **parsed.documents}
    known = set(parsed.capabilities) | set(base.capabilities if base else {})
    caps: dict[str, Capability] = {}
    for kind, cap in parsed.capabilities.items():
        if not kind.replace("_", "").isalnum():
            raise UserError(
                f"capability id {kind!r} must be letters, digits and underscores",
                source.locate(("capabilities", kind), prefer_key=True),
            )
        _check_sources(kind, cap, documents, source)
        for part in cap.stands_for:
            if part not in known or part == kind:
                raise UserError(
                    f"{kind} stands for {part!r}, which is not another kind of the catalogue",
                    source.locate(("capabilities", kind, "stands_for", part), prefer_key=True),
                )
        caps[kind] = cap.model_copy(update={"id": kind})
    for kind, cap in caps.items():
        for part in cap.stands_for:
            inner = caps.get(part) or _get(base, part)
            if inner is not None and inner.stands_for:
                raise UserError(
                    f"{kind} stands for {part}, itself a composite: list its parts directly",
                    source.locate(("capabilities", kind, "stands_for", part), prefer_key=True),
                )
    return Catalogue(caps, parsed.documents)


def _get(base: Catalogue | None, kind: str) -> Capability | None:
    return base.get(kind) if base is not None else None


@functools.cache
def default_catalogue() -> Catalogue:
    """The catalogue shipped with guarantor (src/guarantor/respond/catalogue.yaml)."""
    ref = resources.files("guarantor.respond").joinpath("catalogue.yaml")
    text = ref.read_text(encoding="utf-8")
    source = parse_text(text, "guarantor/respond/catalogue.yaml")
    return _from_file(validate_positioned(source, CatalogueFile), source, None)


def load_catalogue(path: Path | None = None) -> Catalogue:
    """The default catalogue, extended by a user's catalogue file when given."""
    base = default_catalogue()
    if path is None:
        return base
    parsed, source = load_yaml_model(path, CatalogueFile)
    return base.extended(_from_file(parsed, source, base))
