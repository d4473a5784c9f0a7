"""Fixtures of the respond tests: small agreements built in code (no files from ../shared/data)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from guarantor.model import Agreement


def make_agreement(
    pledges: list[dict[str, Any]],
    needs: list[dict[str, Any]],
    *,
    parties: list[str] | None = None,
    procedures: list[dict[str, Any]] | None = None,
    within: str | None = "30 days",
    step_extra: dict[str, Any] | None = None,
) -> Agreement:
    """A one-step agreement with these pledges and needs (parties default to those pledging)."""
    ids = parties or sorted({p["party"] for p in pledges} | {"UA"})
    step: dict[str, Any] = {"id": "s1", "order": 1, "action": "respond", "needs": needs}
    if within:
        step["within"] = within
    step.update(step_extra or {})
    return Agreement.model_validate(
        {
            "id": "test",
            "title": "test agreement",
            "nature": "politically_binding",
            "parties": [
                {"id": p, "name": p, "kind": "organisation" if p == "EU" else "state"} for p in ids
            ],
            "roles": [{"party": "UA", "role": "beneficiary"}],
            "procedures": procedures or [],
            "ladder": {"steps": [step]},
            "pledges": pledges,
        }
    )


@pytest.fixture
def agreement_factory() -> Callable[..., Agreement]:
    """Build small agreements: make_agreement(pledges, needs, ...)."""
    return make_agreement


@pytest.fixture
def coalition() -> Agreement:
    """A coalition like the Paris Declaration's: a US backstop, UK/FR depending on it, caveats."""
    return make_agreement(
        pledges=[
            {
                "id": "us-backstop",
                "party": "US",
                "capability": "us_backstop",
                "quantity": 1,
                "readiness": "3 days",
                "location": "remote",
            },
            {
                "id": "uk-brigade",
                "party": "UK",
                "capability": "ground_brigade",
                "quantity": 1,
                "readiness": "21 days",
                "depends_on": ["us-backstop"],
                "caveats": [
                    {
                        "kind": "subject_to_vote",
                        "gate": "House of Commons",
                        "expected_delay": "7 days",
                    }
                ],
            },
            {
                "id": "fr-brigade",
                "party": "FR",
                "capability": "ground_brigade",
                "quantity": 1,
                "readiness": "21 days",
                "depends_on": ["us-backstop"],
            },
            {
                "id": "de-ad",
                "party": "DE",
                "capability": "air_defence_long_range",
                "quantity": 2,
                "readiness": "10 days",
                "location": "neighbouring_state",
                "caveats": [{"kind": "only_from", "where": ["neighbouring_state"]}],
            },
            {
                "id": "it-bn",
                "party": "IT",
                "capability": "ground_battalion",
                "quantity": 2,
                "readiness": "10 days",
                "caveats": [{"kind": "no_deployment_in", "where": ["beneficiary_territory"]}],
            },
            {
                "id": "pl-log",
                "party": "PL",
                "capability": "logistics",
                "quantity": 1,
                "readiness": "5 days",
                "location": "neighbouring_state",
            },
        ],
        needs=[
            {
                "capability": "ground_brigade",
                "quantity": 2,
                "needed_within": "30 days",
                "priority": 1,
            },
            {
                "capability": "us_backstop",
                "quantity": 1,
                "where": "remote",
                "needed_within": "7 days",
            },
            {"capability": "air_defence_long_range", "quantity": 2, "needed_within": "14 days"},
            {
                "capability": "ground_battalion",
                "quantity": 2,
                "needed_within": "30 days",
                "priority": 2,
            },
            {
                "capability": "logistics",
                "quantity": 1,
                "where": "neighbouring_state",
                "needed_within": "14 days",
                "priority": 2,
            },
        ],
    )
