"""Provenance: the graded catalogue, and results that say which assumed clauses they rest on."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path

import pytest

from guarantor.errors import UserError
from guarantor.model import Agreement
from guarantor.model.common import Grade
from guarantor.respond.availability import LossKind, PledgeLoss
from guarantor.respond.catalogue import GRADED_VALUES, default_catalogue, load_catalogue
from guarantor.respond.gaps import Gap, GapReason
from guarantor.respond.plan import plan_step
from guarantor.respond.render import (
    HEADLINE,
    capabilities_csv,
    gap_reason,
    loss_reason,
    plan_csv,
    plan_json,
    removal_text,
)
from guarantor.rules.without import Removal, RemovalKind

US_ENABLERS = (
    "isr_intelligence",
    "air_defence_interceptors",
    "airlift_tanker",
    "command_and_control",
    "deterrence_statement",
)


def test_every_value_of_the_shipped_catalogue_is_graded_and_cited() -> None:
    cat = default_catalogue()
    for cap in cat.capabilities.values():
        assert cap.monetised or cap.cost_eur_per_year == 0
        for value in cap.graded_values():
            prov = cap.provenance_of(value)
            assert prov.grade is not None, (cap.id, value)
            if prov.grade is Grade.assumed:
                assert prov.reason, (cap.id, value)
            else:
                assert prov.doc in cat.documents, (cap.id, value)
    for kind in US_ENABLERS:  # each enabler the backstop stands for: a cost and a readiness
        cap = cat[kind]
        assert cap.cost_eur_per_year is not None and cap.readiness is not None
    assert set(cat.parts("us_backstop")) == set(US_ENABLERS)
    # the cited facts that the figures rest on
    assert cat["isr_intelligence"].unit_size is not None
    assert cat["isr_intelligence"].provenance_of("unit_size").grade is Grade.official
    assert cat["ground_brigade"].provenance_of("rotation").grade is Grade.reported
    assert cat["deterrence_statement"].provenance_of("readiness").grade is Grade.official
    rows = list(csv.reader(io.StringIO(capabilities_csv(cat))))
    assert rows[0][-1] == "grades" and len(rows) == len(cat.ids()) + 1


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("    cost_eur_per_year: 5\n", r"x.yaml:7:5: x.cost_eur_per_year has no provenance"),
        (
            "    cost_eur_per_year: 5\n    sources:\n      cost_eur_per_year: {grade: assumed}\n",
            r"x.yaml:9:7: sources.cost_eur_per_year: an assumed value needs a `reason`",
        ),
        (
            "    cost_eur_per_year: 5\n    sources:\n      cost_eur_per_year: {grade: reported, doc: nope}\n",
            r"x.yaml:9:\d+: sources.cost_eur_per_year: document 'nope' is not in `documents`",
        ),
        (
            "    cost_eur_per_year: 5\n    sources:\n      cost_eur_per_year: {grade: official}\n",
            r"sources.cost_eur_per_year: a official value cites a `doc`",
        ),
        (
            "    cost_eur_per_year: 5\n    sources:\n      cost_eur_per_year: {grade: assumed, reason: r}\n"
            "      rotaton: {grade: assumed, reason: r}\n",
            r"sources: 'rotaton' is not a value with a figure; did you mean 'rotation'\?",
        ),
        (
            "    stands_for: {us_backstop: 1}\n    sources:\n      stands_for: {grade: assumed, reason: r}\n",
            r"x stands for us_backstop, itself a composite",
        ),
        (
            "    stands_for: {laser: 1}\n    sources:\n      stands_for: {grade: assumed, reason: r}\n",
            r"x stands for 'laser', which is not another kind",
        ),
        ("    face_value: true\n    cost_eur_per_year: 1\n", r"face_value and cost_eur_per_year"),
    ],
)
def test_a_user_catalogue_without_provenance_is_refused_at_its_line(
    tmp_path: Path, body: str, message: str
) -> None:
    path = tmp_path / "x.yaml"
    head = "capabilities:\n  x:\n    name: X\n    unit: u\n    domain: d\n    max_per_pledge: 9\n"
    path.write_text(head + body, encoding="utf-8")
    with pytest.raises(UserError, match=message):
        load_catalogue(path)


def test_results_say_which_assumed_clauses_they_rest_on(
    agreement_factory: Callable[..., Agreement],
) -> None:
    agreement = agreement_factory(
        pledges=[
            {
                "id": "fr",
                "party": "FR",
                "capability": "logistics",
                "quantity": 1,
                "readiness": "3 days",
                "status": "assumed",
            },
            {
                "id": "de",
                "party": "DE",
                "capability": "logistics",
                "quantity": 2,
                "readiness": "3 days",
                "assumed": {"readiness": "no date in the press"},
            },
            {
                "id": "pl",
                "party": "PL",
                "capability": "logistics",
                "quantity": 1,
                "readiness": "3 days",
                "source": {"grade": "official", "doc": "x"},
            },
            {
                "id": "it",
                "party": "IT",
                "capability": "logistics",
                "quantity": 1,
                "readiness": "3 days",
                "source": {"grade": "assumed", "reason": "no party said so"},
            },
        ],
        needs=[
            {
                "capability": "logistics",
                "quantity": 5,
                "source": {"grade": "assumed", "reason": "no size in the text"},
            },
            {"capability": "naval_task_group", "quantity": 1, "where": "at_sea"},
        ],
    )
    plan = plan_step(agreement, "s1")
    shape = plan_json(plan)
    tasks = {t["party"]: t["assumed"] for t in shape["tasking"]}
    assert tasks["FR"] == ["fr.status", "s1.needs[0]"]
    assert tasks["DE"] == ["de.readiness", "s1.needs[0]"]
    assert tasks["PL"] == ["s1.needs[0]"]
    assert tasks["IT"] == ["it", "s1.needs[0]"]
    gaps = {g["capability"]: g["assumed"] for g in shape["gaps"]}
    assert gaps == {"naval_task_group": []}  # logistics is met in full, the ships are not assumed
    reasons = {(a["clause"], a["part"]): a["reason"] for a in shape["assumptions"]}
    assert reasons[("de", "readiness")] == "no date in the press"
    assert reasons[("it", "")] == "no party said so"
    assert reasons[("s1", "needs[0]")] == "no size in the text"
    rows = list(csv.DictReader(io.StringIO(plan_csv(plan))))
    fr = next(r for r in rows if r["kind"] == "task" and r["party"] == "FR")
    assert fr["assumed"] == "fr.status s1.needs[0]"


def test_every_reason_and_removal_has_words() -> None:
    for kind in LossKind:
        assert loss_reason(PledgeLoss(kind))
    for reason in GapReason:
        g = Gap("s#1", "logistics", 1, None, "remote", reason)
        assert gap_reason(g).startswith(HEADLINE[reason])
    for removal in RemovalKind:
        assert removal_text(Removal(removal, "c", "US", "v"))
    assert set(GRADED_VALUES) == {
        "unit_size",
        "cost_eur_per_year",
        "readiness",
        "rotation",
        "stands_for",
    }
