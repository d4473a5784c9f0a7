"""The capability catalogue: kinds of contribution, their units and attributes (package YAML)."""

from __future__ import annotations

import difflib
import functools
from importlib import resources
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from guarantor.errors import UserError
from guarantor.model import Where
from guarantor.spec.load import load_yaml_model, validate_positioned
from guarantor.spec.yamlpos import Positioned, parse_text


class Capability(BaseModel):
    """One kind of contribution (an air-defence battery, a battalion, EUR per year of financing)."""

    model_config = ConfigDict(extra="forbid")

    id: str = ""
    name: str
    unit: str
    unit_aliases: list[str] = Field(default_factory=list)
    domain: str
    integer: bool = True
    lethal: bool = False
    value_eur: float = Field(ge=0)
    max_per_pledge: float = Field(gt=0)
    serves: dict[Where, list[Where]] = Field(default_factory=dict)
    anywhere: bool = False
    solver_scale: float = Field(default=1.0, gt=0)
    note: str | None = None

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

    capabilities: dict[str, Capability]


class Catalogue:
    """The known capability kinds, by id."""

    def __init__(self, capabilities: dict[str, Capability]) -> None:
        self.capabilities = dict(sorted(capabilities.items()))

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

    def suggest(self, kind: str) -> str:
        """' (did you mean X?)' for a misspelt kind, or ''."""
        close = difflib.get_close_matches(kind, self.ids(), n=1, cutoff=0.6)
        return f" (did you mean {close[0]!r}?)" if close else ""

    def extended(self, other: Catalogue) -> Catalogue:
        """This catalogue with the kinds of `other` added or replacing ours."""
        return Catalogue({**self.capabilities, **other.capabilities})


def _from_file(parsed: CatalogueFile, source: Positioned) -> Catalogue:
    caps: dict[str, Capability] = {}
    for kind, cap in parsed.capabilities.items():
        if not kind.replace("_", "").isalnum():
            raise UserError(
                f"capability id {kind!r} must be letters, digits and underscores",
                source.locate(("capabilities", kind), prefer_key=True),
            )
        caps[kind] = cap.model_copy(update={"id": kind})
    return Catalogue(caps)


@functools.cache
def default_catalogue() -> Catalogue:
    """The catalogue shipped with guarantor (src/guarantor/respond/catalogue.yaml)."""
    ref = resources.files("guarantor.respond").joinpath("catalogue.yaml")
    text = ref.read_text(encoding="utf-8")
    source = parse_text(text, "guarantor/respond/catalogue.yaml")
    return _from_file(validate_positioned(source, CatalogueFile), source)


def load_catalogue(path: Path | None = None) -> Catalogue:
    """The default catalogue, extended by a user's catalogue file when given."""
    base = default_catalogue()
    if path is None:
        return base
    return base.extended(_from_file(*load_yaml_model(path, CatalogueFile)))
