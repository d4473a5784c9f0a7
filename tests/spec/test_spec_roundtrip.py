"""Property: any agreement the model accepts round-trips through YAML unchanged."""

from __future__ import annotations

from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from guarantor.model import Agreement
from guarantor.spec.load import load_spec_text

ids = st.from_regex(r"\A[A-Za-z][A-Za-z0-9_-]{0,8}\Z")
texts = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=30
)
units = st.sampled_from(["minutes", "hours", "days", "weeks", "months", "years"])
with_unit = st.builds(lambda v, u: f"{v} {u}", st.integers(0, 400), units)
durations = with_unit | st.integers(0, 100)  # a bare number is read, and flagged by lint (GT112)
fractions = st.floats(0, 1, allow_nan=False).map(lambda x: round(x, 3))


def _leaf(parties: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    by = st.lists(st.sampled_from(parties), max_size=2, unique=True)
    common = st.fixed_dictionaries(
        {},
        optional={
            "by": by,
            "min_attribution": fractions,
            "sustained": with_unit,  # a predicate's periods must carry a unit
            "location": st.fixed_dictionaries(
                {"inside": st.sampled_from(["beneficiary", "anywhere", "treaty_area"])},
                optional={"beyond_agreed_line_km": st.floats(0, 50).map(lambda x: round(x, 2))},
            ),
            "intensity": st.fixed_dictionaries(
                {},
                optional={
                    "window": with_unit,
                    "min_events": st.integers(1, 99),
                    "min_fatalities": st.integers(1, 99),
                },
            ),
        },
    )
    return st.one_of(
        common.map(lambda d: {"armed_attack": d}),
        common.map(lambda d: {"threat": d}),
        common.map(lambda d: {"airspace_violation": d}),
        common.map(lambda d: {"territorial_seizure": d}),
        texts.map(lambda t: {"narrative": {"text": t}}),
    )


def _predicates(parties: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    return st.recursive(
        _leaf(parties),
        lambda inner: st.one_of(
            st.lists(inner, min_size=1, max_size=3).map(lambda xs: {"all": xs}),
            st.lists(inner, min_size=1, max_size=3).map(lambda xs: {"any": xs}),
            inner.map(lambda x: {"not": x}),
        ),
        max_leaves=5,
    )


@st.composite
def agreements(draw: st.DrawFn) -> dict[str, Any]:
    """Random valid agreement documents."""
    parties = draw(st.lists(ids, min_size=1, max_size=4, unique=True))
    doc: dict[str, Any] = {
        "id": draw(ids),
        "title": draw(texts),
        "nature": draw(st.sampled_from(["treaty", "proposal", "politically_binding"])),
        "parties": [{"id": p, "name": draw(texts)} for p in parties],
    }
    n_trig = draw(st.integers(0, 2))
    doc["triggers"] = [
        {
            "id": f"trig{i}",
            "levels": [
                {"level": lvl, "when": draw(_predicates(parties))}
                for lvl in draw(
                    st.lists(
                        st.sampled_from(["watch", "consult", "invoke"]),
                        min_size=1,
                        max_size=3,
                        unique=True,
                    )
                )
            ],
        }
        for i in range(n_trig)
    ]
    doc["pledges"] = [
        {
            "id": f"pl{i}",
            "party": draw(st.sampled_from(parties)),
            "capability": draw(st.sampled_from(["ground_brigade", "isr_satellite", "logistics"])),
            "quantity": draw(st.floats(0, 1e6, allow_nan=False).map(lambda x: round(x, 2))),
            "readiness": draw(durations),
        }
        for i in range(draw(st.integers(0, 3)))
    ]
    doc["obligations"] = [
        {
            "id": f"ob{i}",
            "party": [draw(st.sampled_from(parties))],
            "modality": draw(st.sampled_from(["must", "may", "must_not"])),
            "action": "consult",
            "what": draw(texts),
            "deadline": {
                "within": draw(durations),
                "from": draw(st.sampled_from(["request", "trigger"])),
            },
        }
        for i in range(draw(st.integers(0, 2)))
    ]
    return doc


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(agreements())
def test_model_yaml_model_roundtrip(doc: dict[str, Any]) -> None:
    """model → YAML → model is the identity."""
    first = Agreement.model_validate(doc)
    text = yaml.safe_dump(
        first.model_dump(mode="json", by_alias=True, exclude_defaults=True), allow_unicode=True
    )
    second = load_spec_text(text, "generated.yaml", strict=False).agreement
    assert second == first
    again = yaml.safe_dump(
        second.model_dump(mode="json", by_alias=True, exclude_defaults=True), allow_unicode=True
    )
    assert again == text
