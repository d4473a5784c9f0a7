"""Scenario parameters: a YAML file of named distributions, each with its grade and its source.

The file is read through `spec.load.load_yaml_model` into `ParameterFile` (positions, "did you
mean"); the models below are the only list of the parameters. Every parameter is a prior
distribution; the ones marked `calibrate:` are replaced by a bootstrap of their data when the
data folder is present (`simulate.calibrate`), the prior in the file being the fallback.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Literal

import orjson
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from guarantor.errors import Position, UserError
from guarantor.simulate.priors import FixedPrior, Prior, Support

if TYPE_CHECKING:
    from guarantor.simulate.calibration import Calibration
    from guarantor.spec.yamlpos import Positioned

SCHEMA = "guarantor/simulate-parameters@2"


class ParamGrade(StrEnum):
    """Where a parameter's distribution comes from."""

    calibrated = "calibrated"  # fitted here to data (bootstrap); the file's prior is the fallback
    reported = "reported"  # a published figure, cited; the prior spans its reported range
    assumed = "assumed"  # the encoding's prior, with the reason for it
    convention = "convention"  # part of a metric's definition or the model's set-up: fixed


class CalibrationKind(StrEnum):
    """The fits that can replace a prior by a bootstrap of real data."""

    ucdp_minsk2 = "ucdp_minsk2"  # flare-up episodes under Minsk II (UCDP GED)
    territory_weekly_gains = "territory_weekly_gains"  # weekly gains of the occupied area
    ucdp_strikes = "ucdp_strikes"  # long-range strike days far from the front (UCDP GED)
    kiel_phasing = "kiel_phasing"  # aid allocated against commitments, phasing modelled (Kiel)


class ParamSpec(BaseModel):
    """One parameter as written: its prior, grade, source and optional calibration."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    support: ClassVar[Support] = Support.non_negative

    prior: Prior
    grade: ParamGrade
    source: str = Field(min_length=1)
    calibrate: CalibrationKind | None = None

    @field_validator("prior")
    @classmethod
    def _inside_support(cls, prior: Any) -> Any:
        low, high = prior.bounds()
        if not cls.support.admits(low, high, prior.above_low()):
            raise ValueError(
                f"a {prior.kind} prior with values from {low:g} to {high:g} is impossible here: "
                f"the parameter is {cls.support.describe()}"
            )
        return prior

    @model_validator(mode="after")
    def _grade_fits(self) -> ParamSpec:
        if self.grade is ParamGrade.calibrated and self.calibrate is None:
            raise ValueError("a calibrated parameter names its fit in 'calibrate'")
        if self.calibrate is not None and self.grade is not ParamGrade.calibrated:
            raise ValueError(f"'calibrate' needs grade calibrated, not {self.grade.value}")
        if self.grade is ParamGrade.convention and not isinstance(self.prior, FixedPrior):
            raise ValueError("a convention is fixed: use prior {kind: fixed, value: ...}")
        return self


class ProbabilityParam(ParamSpec):
    """A probability or share."""

    support: ClassVar[Support] = Support.probability


class PositiveParam(ParamSpec):
    """A median, scale or rate that must be greater than zero."""

    support: ClassVar[Support] = Support.positive


class NonNegativeParam(ParamSpec):
    """A rate, size, delay or spread that may be zero."""

    support: ClassVar[Support] = Support.non_negative


class CountParam(ParamSpec):
    """A whole number of at least one (fixed)."""

    support: ClassVar[Support] = Support.whole


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class GeneralParams(_Section):
    """The model's set-up and the metrics' definitions."""

    horizon_days: CountParam
    speed_discount_days: PositiveParam
    reference_deadline_days: PositiveParam
    pilot_violations: CountParam


class FlareUpParams(_Section):
    """Flare-ups of fighting along the line (the Minsk II pattern)."""

    rate_per_year: NonNegativeParam
    fatal_events_per_week_median: PositiveParam
    fatal_events_per_week_sigma: NonNegativeParam
    events_per_fatal_event: PositiveParam
    fatalities_per_week_median: PositiveParam
    fatalities_per_week_sigma: NonNegativeParam
    duration_days_median: PositiveParam
    duration_days_sigma: NonNegativeParam


class AdvanceParams(_Section):
    """Territorial advances: a flare-up that also takes ground."""

    rate_per_year: NonNegativeParam
    area_km2_median: PositiveParam
    area_km2_sigma: NonNegativeParam


class StrikeParams(_Section):
    """Long-range missile and drone strikes on the rear."""

    rate_per_year: NonNegativeParam
    strikes_per_day_median: PositiveParam
    strikes_per_day_sigma: NonNegativeParam
    fatalities_per_strike_median: PositiveParam
    fatalities_per_strike_sigma: NonNegativeParam
    duration_days_median: PositiveParam
    duration_days_sigma: NonNegativeParam


class AirspaceParams(_Section):
    """Airspace violations by drones, missiles or aircraft."""

    rate_per_year: NonNegativeParam
    incursions_per_day_median: PositiveParam
    incursions_per_day_sigma: NonNegativeParam
    duration_days_median: PositiveParam


class AdversaryParams(_Section):
    """The adversary: how often it violates in each form, and how far a guarantee deters it."""

    deterrence_elasticity: ProbabilityParam
    flare_up: FlareUpParams
    advance: AdvanceParams
    strike: StrikeParams
    airspace: AirspaceParams


class DetectionParams(_Section):
    """Monitoring and attribution."""

    per_sensor_pass_probability: ProbabilityParam
    processing_delay_hours_median: PositiveParam
    processing_delay_hours_sigma: NonNegativeParam
    unmonitored_detection_days_median: PositiveParam
    unmonitored_detection_days_sigma: NonNegativeParam
    attribution_confidence_mean: ProbabilityParam
    attribution_confidence_concentration: PositiveParam
    verified_confidence: ProbabilityParam
    unrequested_verification_days: PositiveParam


class DecisionParams(_Section):
    """How long members take to state their positions, and approval gates' spread."""

    position_hours_median: PositiveParam
    position_hours_sigma: NonNegativeParam
    gate_delay_sigma: NonNegativeParam


class DeliveryParams(_Section):
    """How late the first contribution arrives against the plan."""

    lateness_sigma: NonNegativeParam


class PartyParams(_Section):
    """Per party: joins a decision, breaks silence, passes its gates, is there when called."""

    kiel_code: str | None = Field(
        default=None, description="The party's code in the Kiel tracker (ISO alpha-3, or EU)."
    )
    agree: ProbabilityParam
    object: ProbabilityParam
    gate_pass: ProbabilityParam
    available: ProbabilityParam

    @model_validator(mode="after")
    def _tracker_named(self) -> PartyParams:
        if self.available.calibrate is CalibrationKind.kiel_phasing and not self.kiel_code:
            raise ValueError("'available' is calibrated on the Kiel tracker: give the kiel_code")
        return self


class ParameterFile(BaseModel):
    """A parameter file as written (examples/designs/parameters.yaml)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    schema_: Literal["guarantor/simulate-parameters@2"] = Field(alias="schema")
    title: str = ""
    notes: list[str] = Field(default_factory=list)
    general: GeneralParams
    adversary: AdversaryParams
    detection: DetectionParams
    decisions: DecisionParams
    delivery: DeliveryParams
    parties: dict[str, PartyParams] = Field(min_length=1)


def flatten(
    model: BaseModel, prefix: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], ParamSpec]]:
    """Every parameter of a (part of a) parameter file with its YAML path, in file order."""
    for name in type(model).model_fields:
        value = getattr(model, name)
        key = "schema" if name == "schema_" else name
        if isinstance(value, ParamSpec):
            yield (*prefix, key), value
        elif isinstance(value, BaseModel):
            yield from flatten(value, (*prefix, key))
        elif isinstance(value, dict):
            for sub, item in value.items():
                if isinstance(item, BaseModel):
                    yield from flatten(item, (*prefix, key, sub))


@dataclass(frozen=True)
class Param:
    """One parameter: its dotted name, distribution, grade, source and where it is written."""

    name: str
    spec: ParamSpec
    position: Position | None = None
    calibration: Calibration | None = None  # set when fitted to data in this run

    @property
    def grade(self) -> ParamGrade:
        """The grade of the distribution in use (calibrated only when the fit ran)."""
        if self.spec.grade is ParamGrade.calibrated and self.calibration is None:
            return ParamGrade.assumed  # its data was absent: the file's prior stands in
        return self.spec.grade

    @property
    def varies(self) -> bool:
        """True when the parameter is uncertain (not fixed)."""
        if self.calibration is not None:
            return True
        return not isinstance(self.spec.prior, FixedPrior)

    def central(self) -> float:
        """The central value: the fit's estimate, or the prior's median."""
        if self.calibration is not None:
            return self.calibration.estimate
        return self.spec.prior.median()


@dataclass(frozen=True)
class Parameters:
    """Every parameter of a run, by dotted name, and the hash of the file they came from."""

    file: str
    digest: str
    params: dict[str, Param]
    parties: tuple[str, ...]
    notes: tuple[str, ...] = field(default_factory=tuple)
    kiel_codes: dict[str, str] = field(default_factory=dict)  # party -> its Kiel tracker code

    def __getitem__(self, name: str) -> float:
        return self.params[name].central()

    def central(self) -> dict[str, float]:
        """Every parameter at its central value."""
        return {name: p.central() for name, p in self.params.items()}

    def with_calibration(self, name: str, calibration: Calibration) -> Parameters:
        """A copy in which one parameter is fitted to data."""
        params = dict(self.params)
        params[name] = replace(params[name], calibration=calibration)
        return replace(self, params=params)

    def with_prior(self, name: str, spec: ParamSpec, position: Position | None) -> Parameters:
        """A copy in which one parameter has another distribution (a design's override)."""
        params = dict(self.params)
        params[name] = Param(name, spec, position)
        return replace(self, params=params)

    def check_party(self, party: str, why: str, where: Position | None) -> None:
        """Refuse a design that needs parameters of a party the file does not have."""
        if party not in self.parties:
            raise UserError(
                f"the design needs parameters for party {party} ({why}), but the parameter "
                f"file {self.file} has none; add parties.{party} with agree, object, gate_pass, "
                "available",
                where,
            )


def canonical_digest(data: Any) -> str:
    """SHA-256 of the canonical JSON bytes of parsed YAML data (sorted keys, no whitespace)."""
    return hashlib.sha256(orjson.dumps(data, option=orjson.OPT_SORT_KEYS)).hexdigest()


def default_parameters_path() -> Path:
    """The parameter file shipped with the example designs."""
    return Path(__file__).resolve().parents[3] / "examples" / "designs" / "parameters.yaml"


def load_parameters(path: Path | str | None = None) -> Parameters:
    """Read and check a parameter file; errors name file:line:column."""
    from guarantor.spec.load import load_yaml_model

    path = Path(path) if path is not None else default_parameters_path()
    if not path.is_file():
        raise UserError(f"parameter file {path} does not exist")
    model, source = load_yaml_model(path, ParameterFile)
    return parameters_of(model, source)


def parse_parameters(text: str, file: str) -> Parameters:
    """Parse parameter YAML text (see examples/designs/parameters.yaml for the format)."""
    from guarantor.spec.load import validate_positioned
    from guarantor.spec.yamlpos import parse_text

    source = parse_text(text, file)
    return parameters_of(validate_positioned(source, ParameterFile), source)


def parameters_of(model: ParameterFile, source: Positioned) -> Parameters:
    """The run's parameters from a validated file."""
    params = {
        ".".join(path): Param(".".join(path), spec, source.locate(path))
        for path, spec in flatten(model)
    }
    return Parameters(
        file=source.file,
        digest=canonical_digest(source.data),
        params=params,
        parties=tuple(sorted(model.parties)),
        notes=tuple(model.notes),
        kiel_codes={p: b.kiel_code for p, b in sorted(model.parties.items()) if b.kiel_code},
    )
