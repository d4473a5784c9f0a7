"""The respond room for Python: plan a ladder step."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from guarantor.territory.export import Exportable, ExportTable

if TYPE_CHECKING:
    from guarantor.model import Agreement
    from guarantor.respond.plan import ResponsePlan

__all__ = ["Plan", "plan_response"]

PathLike = str | Path


@dataclass(frozen=True)
class Plan(Exportable):
    """A response plan: the tasking (who sends what, where, by when), the gaps, fair shares."""

    plan: ResponsePlan = field(repr=False)

    @property
    def coverage_pct(self) -> float:
        """How much of the step's needs the tasking covers."""
        return self.plan.coverage_pct

    def to_json(self) -> dict[str, Any]:
        """The same document as `guarantor respond --format json`."""
        from guarantor.respond.render import plan_json

        return plan_json(self.plan)

    def tables(self) -> list[ExportTable]:
        """Tasking, gaps and fair shares, as in the JSON document."""
        doc = self.to_json()
        names = [
            k for k, v in doc.items() if isinstance(v, list) and all(isinstance(r, dict) for r in v)
        ]
        ordered = sorted(names, key=lambda k: (k != "tasking", k != "gaps", k))
        return [ExportTable(k, tuple(doc[k])) for k in ordered]


def plan_response(
    agreement: Agreement | PathLike,
    step: str,
    *,
    scenario: PathLike | None = None,
    without: Sequence[str] = (),
    catalogue: PathLike | None = None,
    data: PathLike | None = None,
    method: str = "milp",
    years: float | None = None,
) -> Plan:
    """Plan one ladder step of an agreement: tasking, gaps and why, fair shares."""
    from guarantor.respond.catalogue import load_catalogue
    from guarantor.respond.plan import plan_step
    from guarantor.respond.scenario import load_scenario
    from guarantor.sources.locate import locate_data
    from guarantor.spec.load import load_spec

    locate: Any = None
    if isinstance(agreement, str | Path):
        loaded = load_spec(agreement)
        agreement = loaded.agreement
        locate = loaded.source.locate
    plan = plan_step(
        agreement,
        step,
        catalogue=load_catalogue(Path(catalogue) if catalogue else None),
        scenario=load_scenario(Path(scenario) if scenario else None),
        without=without,
        data_dir=locate_data(Path(data) if data else None).path,
        locate=locate,
        method="greedy" if method == "greedy" else "milp",
        years=years,
    )
    return Plan(plan)
