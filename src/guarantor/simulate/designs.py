"""Guarantee designs: an encoded agreement plus overlay changes, read from a small YAML file.

The file is read through `spec.load.load_yaml_model` into `DesignFile`; errors in the overlay
(a party, pledge, procedure or parameter that does not exist) point into the design file.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from guarantor.errors import Position, UserError
from guarantor.model import Agreement
from guarantor.simulate.params import Parameters, ParamGrade
from guarantor.simulate.priors import Prior
from guarantor.spec.load import load_agreement, load_yaml_model
from guarantor.spec.yamlpos import Positioned

SCHEMA = "guarantor/simulate-design@1"
DEFAULT_DESIGNS = (
    "aug2025",
    "aug2025_no_us_backstop",
    "paris2026",
    "paris2026_silence",
    "budapest1994",
)


class ProcedureOverride(BaseModel):
    """Replace one decision procedure's kind (e.g. consensus -> silence), keeping its members."""

    model_config = ConfigDict(extra="allow", frozen=True)

    procedure: str
    kind: str


class ParamOverride(BaseModel):
    """Another distribution for one parameter under this design (e.g. better sensors)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    prior: Prior
    grade: ParamGrade
    source: str = Field(min_length=1)


class DesignFile(BaseModel):
    """A design file as written (examples/designs/*.yaml)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    schema_: Literal["guarantor/simulate-design@1"] = Field(alias="schema")
    name: str = Field(min_length=1)
    title: str | None = None
    agreement: str = Field(min_length=1, description="The agreement file, relative to this file.")
    response_step: str = Field(min_length=1, description="The ladder step whose response counts.")
    without: list[str] = Field(default_factory=list)
    remove_pledges: list[str] = Field(default_factory=list)
    procedure_override: ProcedureOverride | None = None
    parameters: dict[str, ParamOverride] = Field(default_factory=dict)
    note: str | None = None


@dataclass
class Design:
    """One design to simulate: the agreement as changed by the overlay, and the step to measure."""

    name: str
    title: str
    file: str
    agreement_file: str
    agreement: Agreement
    response_step: str
    without: list[str] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)
    location: Position | None = None
    overrides: dict[str, tuple[ParamOverride, Position]] = field(default_factory=dict)

    def parameters(self, base: Parameters) -> Parameters:
        """The run's parameters with this design's overrides; a name that does not exist, or a
        prior outside the parameter's support, is an error located in the design file."""
        out = base
        for name, (override, where) in sorted(self.overrides.items()):
            if name not in base.params:
                close = difflib.get_close_matches(name, list(base.params), n=1)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                raise UserError(
                    f"design {self.name} sets parameter {name!r}, which does not exist in "
                    f"{base.file}{hint}",
                    where,
                )
            spec_type = type(base.params[name].spec)
            try:
                spec = spec_type.model_validate(override.model_dump(by_alias=True))
            except ValidationError as exc:
                message = str(exc.errors()[0]["msg"]).removeprefix("Value error, ")
                raise UserError(f"parameter {name}: {message}", where) from None
            out = out.with_prior(name, spec, where)
        return out


def designs_dir() -> Path:
    """The folder of the example designs shipped with the project."""
    return Path(__file__).resolve().parents[3] / "examples" / "designs"


def resolve_design(spec: str) -> Path:
    """A design file from a path, or from a name in examples/designs (e.g. 'paris2026')."""
    path = Path(spec)
    if path.is_file():
        return path
    for candidate in (designs_dir() / spec, designs_dir() / f"{spec}.yaml"):
        if candidate.is_file():
            return candidate
    known = sorted(p.stem for p in designs_dir().glob("*.yaml") if p.stem != "parameters")
    close = difflib.get_close_matches(spec, known, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    raise UserError(f"no design {spec!r}{hint}: not a file, nor one of {', '.join(known)}")


def load_design(spec: str) -> Design:
    """Read a design overlay and apply it to its agreement; errors name file:line:column."""
    path = resolve_design(spec)
    data, doc = load_yaml_model(path, DesignFile)
    agreement_path = (path.parent / data.agreement).resolve()
    if not agreement_path.is_file():
        raise UserError(
            f"agreement file {data.agreement} not found (relative to the design file)",
            doc.locate(("agreement",)),
        )
    base = load_agreement(agreement_path)
    raw: dict[str, Any] = base.model_dump(mode="json", by_alias=True, exclude_unset=True)
    changes: list[str] = []
    known_parties = base.party_ids()
    for i, party in enumerate(data.without):
        if party not in known_parties:
            raise UserError(
                f"'without' names {party!r}, not a party of {base.id}; parties: "
                + ", ".join(sorted(known_parties)),
                doc.locate(("without", i)),
            )
    if data.without:
        changes.append("contributions without " + ", ".join(data.without))
    pledge_ids = {p.id for p in base.pledges}
    for i, pledge in enumerate(data.remove_pledges):
        if pledge not in pledge_ids:
            raise UserError(
                f"'remove_pledges' names {pledge!r}, not a pledge of {base.id}; pledges: "
                + ", ".join(sorted(pledge_ids)),
                doc.locate(("remove_pledges", i)),
            )
    if data.remove_pledges:
        raw["pledges"] = [p for p in raw.get("pledges", []) if p["id"] not in data.remove_pledges]
        changes.append("pledges removed: " + ", ".join(data.remove_pledges))
    if data.procedure_override is not None:
        changes.append(_override(doc, raw, data.procedure_override))
    try:
        agreement = Agreement.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise UserError(
            f"the overlay makes the agreement invalid: {first['msg']} at "
            + ".".join(str(p) for p in first["loc"]),
            doc.locate(("procedure_override",)),
        ) from None
    step_ids = [s.id for s in agreement.ladder.steps]
    if data.response_step not in step_ids:
        raise UserError(
            f"response_step {data.response_step!r} is not a ladder step of {base.id}; steps: "
            + ", ".join(step_ids),
            doc.locate(("response_step",)),
        )
    if data.parameters:
        changes.append("parameters changed: " + ", ".join(sorted(data.parameters)))
    return Design(
        name=data.name,
        title=data.title or data.name,
        file=str(path),
        agreement_file=str(agreement_path),
        agreement=agreement,
        response_step=data.response_step,
        without=list(data.without),
        changes=changes,
        location=doc.locate(()),
        overrides={
            name: (o, doc.locate(("parameters", name), prefer_key=True))
            for name, o in data.parameters.items()
        },
    )


def _override(doc: Positioned, raw: dict[str, Any], override: ProcedureOverride) -> str:
    """Replace one decision procedure's kind (e.g. consensus → silence), keeping its members."""
    procedures = raw.get("procedures", [])
    for i, proc in enumerate(procedures):
        if proc["id"] == override.procedure:
            keep = {
                k: v
                for k, v in proc.items()
                if k in ("id", "members", "decides_within", "gates", "text", "source", "title")
            }
            extra = override.model_extra or {}
            changed = {**keep, "kind": override.kind, **extra}
            procedures[i] = changed
            return f"procedure {override.procedure}: {proc['kind']} → {override.kind}"
    raise UserError(
        f"procedure_override names {override.procedure!r}, not a decision procedure of the "
        "agreement; procedures: " + ", ".join(p["id"] for p in procedures),
        doc.locate(("procedure_override", "procedure")),
    )
