"""Replace the priors marked `calibrate:` by fits to the real data, and say what was fitted."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from guarantor.simulate.calibration import Calibration, fit_all
from guarantor.simulate.params import Parameters


@dataclass(frozen=True)
class CalibrationRecord:
    """One parameter marked for calibration: its fit, or why its prior stands in."""

    parameter: str
    calibration: Calibration | None
    why_not: str = ""

    def to_json(self) -> dict[str, Any]:
        """As JSON-ready data."""
        if self.calibration is None:
            return {"parameter": self.parameter, "fitted": False, "why_not": self.why_not}
        return {"parameter": self.parameter, "fitted": True, **self.calibration.to_json()}


def calibrate(params: Parameters, data: Path | None) -> tuple[Parameters, list[CalibrationRecord]]:
    """The parameters with every possible fit applied, and a record per marked parameter."""
    marked = sorted(n for n, p in params.params.items() if p.spec.calibrate is not None)
    if data is None:
        why = "no data folder: the file's prior stands in (reported as assumed)"
        return params, [CalibrationRecord(n, None, why) for n in marked]
    fits = fit_all(data, params.kiel_codes)
    records: list[CalibrationRecord] = []
    for name in marked:
        fit = fits.get(name)
        spec = params.params[name].spec
        if fit is not None and fit.kind is spec.calibrate:
            params = params.with_calibration(name, fit)
            records.append(CalibrationRecord(name, fit))
        else:
            why = (
                f"its data is absent from {data} or too small to fit: the file's prior stands in "
                "(reported as assumed)"
            )
            records.append(CalibrationRecord(name, None, why))
    return params, records
