"""GDP per party for fair shares: the shipped World Bank table, or the Kiel tracker's column."""

from __future__ import annotations

import csv
import functools
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import NamedTuple

from pydantic import BaseModel, ConfigDict, Field

from guarantor.errors import Position, UserError
from guarantor.sources.locate import KIEL_FILE
from guarantor.spec.load import validate_positioned
from guarantor.spec.yamlpos import parse_text


class GdpEntry(BaseModel):
    """GDP of one economy."""

    model_config = ConfigDict(extra="forbid")

    name: str
    gdp: float = Field(gt=0)
    aliases: list[str] = Field(default_factory=list)


class GdpFile(BaseModel):
    """The shape of the shipped GDP table."""

    model_config = ConfigDict(extra="forbid")

    source: str
    year: int
    unit: str
    licence: str
    parties: dict[str, GdpEntry]


@dataclass
class GdpTable:
    """GDP by economy code, with every alias that names it, and where the figures come from."""

    source: str
    unit: str
    values: dict[str, float]
    aliases: dict[str, str] = field(default_factory=dict)
    overridden: bool = False  # a scenario's `gdp:` replaced some figures

    def code_of(
        self, party_id: str, party_name: str | None = None, iso: str | None = None
    ) -> str | None:
        """The economy code for a party, or None when the table does not know it.

        The party's ISO 3166-1 alpha-3 code comes first (an exact key of the table); then its id
        and its name, each as a key or as an alias.
        """
        if iso is not None and iso in self.values:
            return iso
        for key in (party_id, party_name):
            if key is None:
                continue
            if key in self.values:
                return key
            code = self.aliases.get(key.lower())
            if code is not None:
                return code
        return None

    def gdp(
        self, party_id: str, party_name: str | None = None, iso: str | None = None
    ) -> float | None:
        """GDP of a party, or None when the table does not know it."""
        code = self.code_of(party_id, party_name, iso)
        return None if code is None else self.values.get(code)


class PartyRef(NamedTuple):
    """What the GDP tables know a party by: its agreement id, its name and its ISO code."""

    id: str
    name: str | None = None
    iso: str | None = None


@functools.cache
def world_bank_table() -> GdpTable:
    """The GDP table shipped with guarantor (World Bank WDI 2023, CC BY 4.0)."""
    text = resources.files("guarantor.respond").joinpath("gdp.yaml").read_text(encoding="utf-8")
    parsed = validate_positioned(parse_text(text, "guarantor/respond/gdp.yaml"), GdpFile)
    aliases: dict[str, str] = {}
    for code, entry in parsed.parties.items():
        for alias in (code, entry.name, *entry.aliases):
            aliases[alias.lower()] = code
    return GdpTable(
        source=f"{parsed.source}, {parsed.year}, {parsed.licence}",
        unit=parsed.unit,
        values={code: entry.gdp for code, entry in parsed.parties.items()},
        aliases=aliases,
    )


def kiel_table(path: Path, base: GdpTable) -> GdpTable:
    """GDP from the Kiel tracker's `gdp` column (latest year per donor), keyed like `base`."""
    latest: dict[str, tuple[int, float]] = {}
    try:
        with path.open(newline="", encoding="utf-8") as fh:
            reader = csv.DictReader(fh)
            missing = {"iso", "year", "gdp"} - set(reader.fieldnames or [])
            if missing:
                raise UserError(
                    f"Kiel tracker file lacks the columns {sorted(missing)}", Position(str(path))
                )
            for row in reader:
                try:
                    year, value = int(row["year"]), float(row["gdp"])
                except (TypeError, ValueError):
                    continue  # rows without a usable GDP are not GDP facts; the WDI table covers them
                iso = (row["iso"] or "").strip()
                if value > 0 and iso and year >= latest.get(iso, (0, 0.0))[0]:
                    latest[iso] = (year, value)
    except OSError as exc:
        raise UserError(f"cannot read the Kiel tracker file: {exc}", Position(str(path))) from None
    years = sorted({y for y, _ in latest.values()})
    span = f"{years[0]}-{years[-1]}" if years else "no year"
    return GdpTable(
        source=f"Kiel Institute Ukraine Support Tracker, data_explorer.csv `gdp` column ({span})",
        unit="as given by the tracker",
        values={iso: v for iso, (_, v) in latest.items()},
        aliases=base.aliases,
    )


def choose_table(
    parties: Sequence[PartyRef], data_dir: Path | None, overrides: dict[str, float]
) -> tuple[GdpTable, tuple[str, ...]]:
    """The GDP table for these parties: Kiel when it covers them all, else World Bank.

    Mixing sources would bias shares, so one source serves every party; scenario overrides
    (keyed by party id) win, and replace the figure of the economy the party is known by.
    Returns the table and the parties the Kiel file did not cover (when it was there).
    """
    uncovered: tuple[str, ...] = ()
    table = world_bank_table()
    if data_dir is not None and (data_dir / KIEL_FILE).exists():
        kiel = kiel_table(data_dir / KIEL_FILE, table)
        uncovered = tuple(sorted(p.id for p in parties if kiel.gdp(p.id, p.name, p.iso) is None))
        if not uncovered:
            table = kiel
    if overrides:
        by_id = {p.id: p for p in parties}
        values = dict(table.values)
        aliases = dict(table.aliases)
        for pid, value in overrides.items():
            ref = by_id.get(pid, PartyRef(pid))
            code = table.code_of(ref.id, ref.name, ref.iso) or ref.iso or pid
            values[code] = value
            aliases[pid.lower()] = code
        table = GdpTable(table.source, table.unit, values, aliases, overridden=True)
    return table, uncovered
