"""Bad scenario files and formulas never crash: they load, or fail as a UserError with a place."""

from __future__ import annotations

import tempfile
from pathlib import Path

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from guarantor.errors import UserError
from guarantor.respond.formula import evaluate
from guarantor.respond.scenario import load_scenario

KEYS = [
    "situation",
    "steps",
    "votes",
    "gdp",
    "fair_share_caps",
    "late",
    "activation",
    "priority_weights",
    "gate_delays",
    "situatoin",
    "id",
]
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=False),
    st.text(max_size=12),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)


@settings(max_examples=60, deadline=None)
@given(doc=st.dictionaries(st.sampled_from(KEYS), VALUES, max_size=4))
def test_random_scenarios_load_or_fail_with_a_location(doc: dict[str, object]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "s.yaml"
        path.write_text(yaml.safe_dump(doc), encoding="utf-8")
        try:
            load_scenario(path)
        except UserError as err:
            assert err.location is not None and err.location.file == str(path)


@settings(max_examples=200, deadline=None)
@given(text=st.text(alphabet="abc0123456789+-*/%().,_ eilfmoxr", max_size=30))
def test_random_formulas_evaluate_or_fail_as_user_errors(text: str) -> None:
    try:
        value = evaluate(text, {"a": 2.0, "b": 3.0, "c": 0.0})
    except UserError:
        return
    assert value == value  # a finite number, never NaN
