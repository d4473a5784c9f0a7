"""Scenario parameters: a YAML file of named values, each with a range and its source."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import orjson

from guarantor.errors import Position, UserError
from guarantor.spec.yamlpos import Positioned, parse_text, read_text

SCHEMA = "guarantor/simulate-parameters@1"

# Names (last path component) that are probabilities; every other value is a non-negative
# rate, size, delay or count.
PROBABILITIES = frozenset(
    {
        "seizure_share",
        "deterrence_elasticity",
        "per_sensor_pass_probability",
        "attribution_confidence_mean",
        "verified_confidence",
        "agree",
        "object",
        "gate_pass",
        "available",
    }
)
# Values that must be whole numbers of at least one.
COUNTS = frozenset({"horizon_days", "pilot_violations"})
# Values that must be strictly positive (medians of log-normal draws, concentrations, scales).
POSITIVE = frozenset(
    {
        "speed_discount_days",
        "reference_deadline_days",
        "seizure_km2_median",
        "events_per_week_median",
        "events_per_fatal_event",
        "fatalities_per_week_median",
        "duration_days_median",
        "processing_delay_hours_median",
        "unmonitored_detection_days_median",
        "attribution_confidence_concentration",
        "unrequested_verification_days",
        "position_hours_median",
    }
)
PARTY_KEYS = ("agree", "object", "gate_pass", "available")
SECTIONS: dict[str, tuple[str, ...]] = {
    "general": (
        "horizon_days",
        "speed_discount_days",
        "reference_deadline_days",
        "pilot_violations",
    ),
    "adversary": (
        "violation_rate_per_year",
        "seizure_share",
        "seizure_km2_median",
        "seizure_km2_sigma",
        "events_per_week_median",
        "events_per_week_sigma",
        "events_per_fatal_event",
        "fatalities_per_week_median",
        "fatalities_per_week_sigma",
        "duration_days_median",
        "duration_days_sigma",
        "deterrence_elasticity",
    ),
    "detection": (
        "per_sensor_pass_probability",
        "processing_delay_hours_median",
        "processing_delay_hours_sigma",
        "unmonitored_detection_days_median",
        "unmonitored_detection_days_sigma",
        "attribution_confidence_mean",
        "attribution_confidence_concentration",
        "verified_confidence",
        "unrequested_verification_days",
    ),
    "decisions": ("position_hours_median", "position_hours_sigma", "gate_delay_sigma"),
    "delivery": ("lateness_sigma",),
}


@dataclass(frozen=True)
class Param:
    """One parameter: its value, the range the sensitivity analysis sweeps, and its source."""

    name: str
    value: float
    low: float
    high: float
    source: str
    calibrate: str | None = None
    location: Position | None = None
    calibrated_from: str | None = None


@dataclass(frozen=True)
class Parameters:
    """Every parameter of a run, by dotted name, and the hash of the file they came from."""

    file: str
    digest: str
    params: dict[str, Param]
    parties: tuple[str, ...]
    notes: tuple[str, ...] = field(default_factory=tuple)

    def __getitem__(self, name: str) -> float:
        return self.params[name].value

    def party(self, party: str, key: str) -> float:
        """A per-party value ('agree', 'object', 'gate_pass', 'available')."""
        return self.params[f"parties.{party}.{key}"].value

    def with_value(self, name: str, value: float, calibrated_from: str | None = None) -> Parameters:
        """A copy with one value replaced (for calibration and the sensitivity analysis)."""
        old = self.params[name]
        params = dict(self.params)
        if calibrated_from is not None and old.value > 0:
            # keep the documented relative range around the calibrated value
            params[name] = replace(
                old,
                value=value,
                low=_clip(name, value * old.low / old.value),
                high=_clip(name, value * old.high / old.value),
                calibrated_from=calibrated_from,
            )
        else:
            params[name] = replace(old, value=value, calibrated_from=calibrated_from)
        return replace(self, params=params)

    def uncertain(self) -> list[Param]:
        """Parameters whose low and high differ: the axes of the tornado plot."""
        return [p for p in self.params.values() if p.low != p.high]

    def to_json(self) -> dict[str, Any]:
        """Values, ranges, sources and calibration provenance, for results files."""
        return {
            name: {
                "value": p.value,
                "low": p.low,
                "high": p.high,
                "source": p.source,
                **({"calibrated_from": p.calibrated_from} if p.calibrated_from else {}),
            }
            for name, p in sorted(self.params.items())
        }


def _clip(name: str, value: float) -> float:
    if name.rsplit(".", 1)[-1] in PROBABILITIES:
        return min(1.0, max(0.0, value))
    return max(0.0, value)


def canonical_digest(data: Any) -> str:
    """SHA-256 of the canonical JSON bytes of parsed YAML data (sorted keys, no whitespace)."""
    return hashlib.sha256(orjson.dumps(data, option=orjson.OPT_SORT_KEYS)).hexdigest()


def default_parameters_path() -> Path:
    """The parameter file shipped with the example designs."""
    return Path(__file__).resolve().parents[3] / "examples" / "designs" / "parameters.yaml"


def load_parameters(path: Path | str | None = None) -> Parameters:
    """Read and check a parameter file; errors name file:line:column."""
    path = Path(path) if path is not None else default_parameters_path()
    if not path.is_file():
        raise UserError(f"parameter file {path} does not exist")
    return parse_parameters(read_text(path), str(path))


def parse_parameters(text: str, file: str) -> Parameters:
    """Parse parameter YAML text (see examples/designs/parameters.yaml for the format)."""
    doc = parse_text(text, file)
    data = doc.data
    if not isinstance(data, dict):
        raise UserError("a parameter file is a mapping", doc.locate(()))
    if data.get("schema") != SCHEMA:
        raise UserError(f"expected 'schema: {SCHEMA}'", doc.locate(("schema",)))
    allowed = {"schema", "title", "notes", "parties", *SECTIONS}
    for key in data:
        if key not in allowed:
            raise UserError(
                f"unknown section {key!r}; expected one of {', '.join(sorted(allowed))}",
                doc.locate((key,), prefer_key=True),
            )
    params: dict[str, Param] = {}
    for section, names in SECTIONS.items():
        block = data.get(section)
        if not isinstance(block, dict):
            raise UserError(f"missing section {section!r}", doc.locate((section,)))
        for key in block:
            if key not in names:
                raise UserError(
                    f"unknown parameter {section}.{key}; expected one of {', '.join(names)}",
                    doc.locate((section, key), prefer_key=True),
                )
        for name in names:
            if name not in block:
                raise UserError(
                    f"missing parameter {section}.{name}", doc.locate((section,), prefer_key=True)
                )
            params[f"{section}.{name}"] = _param(doc, (section, name), block[name])
    parties = data.get("parties")
    if not isinstance(parties, dict) or not parties:
        raise UserError("missing section 'parties' (per-party probabilities)", doc.locate(()))
    for party, block in parties.items():
        if not isinstance(block, dict):
            raise UserError(
                f"parties.{party} must be a mapping of {', '.join(PARTY_KEYS)}",
                doc.locate(("parties", party)),
            )
        for key in block:
            if key not in PARTY_KEYS:
                raise UserError(
                    f"unknown per-party parameter {key!r}; expected {', '.join(PARTY_KEYS)}",
                    doc.locate(("parties", party, key), prefer_key=True),
                )
        for key in PARTY_KEYS:
            if key not in block:
                raise UserError(
                    f"parties.{party} has no {key!r}",
                    doc.locate(("parties", party), prefer_key=True),
                )
            params[f"parties.{party}.{key}"] = _param(doc, ("parties", party, key), block[key])
    notes = data.get("notes") or []
    return Parameters(
        file=file,
        digest=canonical_digest(data),
        params=params,
        parties=tuple(sorted(parties)),
        notes=tuple(str(n) for n in notes) if isinstance(notes, list) else (str(notes),),
    )


def _param(doc: Positioned, path: tuple[str, ...], raw: Any) -> Param:
    name = ".".join(path)
    where = doc.locate(path)
    if not isinstance(raw, dict) or "value" not in raw:
        raise UserError(
            f"{name} must be a mapping with 'value' and 'source' (and optionally 'low', 'high', "
            "'calibrate')",
            where,
        )
    for key in raw:
        if key not in ("value", "low", "high", "source", "calibrate"):
            raise UserError(
                f"unknown key {key!r} in {name}", doc.locate((*path, key), prefer_key=True)
            )
    source = raw.get("source")
    if not isinstance(source, str) or not source.strip():
        raise UserError(f"{name} needs a 'source' (where the value comes from, or why)", where)
    values: dict[str, float] = {}
    for key in ("value", "low", "high"):
        if key not in raw:
            continue
        number = raw[key]
        at = doc.locate((*path, key))
        if isinstance(number, bool) or not isinstance(number, int | float):
            raise UserError(f"{name}.{key} must be a number, got {number!r}", at)
        number = float(number)
        if number != number or number in (float("inf"), float("-inf")):
            raise UserError(f"{name}.{key} must be finite", at)
        _check_range(path[-1], name, key, number, at)
        values[key] = number
    value = values["value"]
    low = values.get("low", value)
    high = values.get("high", value)
    if not low <= value <= high:
        raise UserError(f"{name}: expected low <= value <= high, got {low}, {value}, {high}", where)
    calibrate = raw.get("calibrate")
    if calibrate is not None and not isinstance(calibrate, str):
        raise UserError(f"{name}.calibrate must be the name of a calibration", where)
    return Param(name, value, low, high, source.strip(), calibrate, where)


def _check_range(last: str, name: str, key: str, number: float, at: Position) -> None:
    if last in PROBABILITIES and not 0.0 <= number <= 1.0:
        raise UserError(f"{name}.{key} is a probability: it must lie in [0, 1], got {number}", at)
    if number < 0:
        raise UserError(
            f"{name}.{key} must not be negative (rates, sizes and delays are >= 0), got {number}",
            at,
        )
    if last in COUNTS and (number < 1 or not number.is_integer()):
        raise UserError(f"{name}.{key} must be a whole number >= 1, got {number}", at)
    if last in POSITIVE and number == 0:
        raise UserError(f"{name}.{key} must be greater than 0", at)
