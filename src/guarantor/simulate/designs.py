"""Guarantee designs: an encoded agreement plus overlay changes, read from a small YAML file."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from guarantor.errors import Position, UserError
from guarantor.model import Agreement
from guarantor.spec.load import load_agreement
from guarantor.spec.yamlpos import parse_text, read_text

SCHEMA = "guarantor/simulate-design@1"

# The designs shipped in examples/designs: the ones the demo and the report compare.
DEFAULT_DESIGNS = (
    "aug2025",
    "aug2025_no_us_backstop",
    "paris2026",
    "paris2026_silence",
    "budapest1994",
)
KEYS = (
    "schema",
    "name",
    "title",
    "agreement",
    "response_step",
    "without",
    "remove_pledges",
    "procedure_override",
    "note",
)


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
    line_of: dict[str, Position] = field(default_factory=dict)


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
    raise UserError(f"no design {spec!r}: not a file, nor one of {', '.join(known)}")


def load_design(spec: str) -> Design:
    """Read a design overlay and apply it to its agreement; errors name file:line:column."""
    path = resolve_design(spec)
    file = str(path)
    doc = parse_text(read_text(path), file)
    data = doc.data
    if not isinstance(data, dict):
        raise UserError("a design file is a mapping", doc.locate(()))
    if data.get("schema") != SCHEMA:
        raise UserError(f"expected 'schema: {SCHEMA}'", doc.locate(("schema",)))
    for key in data:
        if key not in KEYS:
            raise UserError(
                f"unknown key {key!r}; expected one of {', '.join(KEYS)}",
                doc.locate((key,), prefer_key=True),
            )
    for key in ("name", "agreement", "response_step"):
        if not isinstance(data.get(key), str):
            raise UserError(f"the design needs '{key}' (text)", doc.locate((key,), prefer_key=True))
    agreement_path = (path.parent / data["agreement"]).resolve()
    if not agreement_path.is_file():
        raise UserError(
            f"agreement file {data['agreement']} not found (relative to the design file)",
            doc.locate(("agreement",)),
        )
    base = load_agreement(agreement_path)
    raw: dict[str, Any] = base.model_dump(mode="json", by_alias=True, exclude_unset=True)
    changes: list[str] = []
    known_parties = base.party_ids()
    without = _id_list(doc, data, "without")
    for i, party in enumerate(without):
        if party not in known_parties:
            raise UserError(
                f"'without' names {party!r}, not a party of {base.id}; parties: "
                + ", ".join(sorted(known_parties)),
                doc.locate(("without", i)),
            )
    if without:
        changes.append("contributions without " + ", ".join(without))
    removed = _id_list(doc, data, "remove_pledges")
    pledge_ids = {p.id for p in base.pledges}
    for i, pledge in enumerate(removed):
        if pledge not in pledge_ids:
            raise UserError(
                f"'remove_pledges' names {pledge!r}, not a pledge of {base.id}; pledges: "
                + ", ".join(sorted(pledge_ids)),
                doc.locate(("remove_pledges", i)),
            )
    if removed:
        raw["pledges"] = [p for p in raw.get("pledges", []) if p["id"] not in removed]
        changes.append("pledges removed: " + ", ".join(removed))
    override = data.get("procedure_override")
    if override is not None:
        changes.append(_override(doc, raw, override))
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
    if data["response_step"] not in step_ids:
        raise UserError(
            f"response_step {data['response_step']!r} is not a ladder step of {base.id}; steps: "
            + ", ".join(step_ids),
            doc.locate(("response_step",)),
        )
    line_of = {key: doc.locate((key,), prefer_key=True) for key in data}
    return Design(
        name=data["name"],
        title=str(data.get("title") or data["name"]),
        file=file,
        agreement_file=str(agreement_path),
        agreement=agreement,
        response_step=data["response_step"],
        without=without,
        changes=changes,
        location=doc.locate(()),
        line_of=line_of,
    )


def _id_list(doc: Any, data: dict[str, Any], key: str) -> list[str]:
    value = data.get(key) or []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise UserError(f"'{key}' must be a list of ids", doc.locate((key,)))
    return list(value)


def _override(doc: Any, raw: dict[str, Any], override: Any) -> str:
    """Replace one decision procedure's kind (e.g. consensus → silence), keeping its members."""
    where = doc.locate(("procedure_override",))
    if not isinstance(override, dict) or not isinstance(override.get("procedure"), str):
        raise UserError(
            "procedure_override needs 'procedure' (the id to change) and 'kind', plus the "
            "fields that kind needs (e.g. objection_window for silence)",
            where,
        )
    target = override["procedure"]
    procedures = raw.get("procedures", [])
    for i, proc in enumerate(procedures):
        if proc["id"] == target:
            keep = {
                k: v
                for k, v in proc.items()
                if k in ("id", "members", "decides_within", "gates", "text", "source", "title")
            }
            changed = {**keep, **{k: v for k, v in override.items() if k != "procedure"}}
            procedures[i] = changed
            return f"procedure {target}: {proc['kind']} → {changed.get('kind')}"
    raise UserError(
        f"procedure_override names {target!r}, not a decision procedure of the agreement; "
        "procedures: " + ", ".join(p["id"] for p in procedures),
        doc.locate(("procedure_override", "procedure")),
    )
