"""Requirement formulas: arithmetic on situation values, nothing else."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from guarantor.errors import Position, UserError
from guarantor.respond.formula import evaluate, names_in


def test_arithmetic_and_functions() -> None:
    values = {"contact_line_km": 1200.0, "cities_to_cover": 6.0}
    assert evaluate("ceil(contact_line_km / 400)", values) == 3
    assert evaluate("2 * cities_to_cover + max(1, contact_line_km // 1000)", values) == 13
    assert evaluate("-(-3) ** 2 % 5", {}) == -9 % 5
    assert names_in("ceil(a / b) + c") == {"a", "b", "c"}


@pytest.mark.parametrize(
    ("formula", "fragment"),
    [
        ("__import__('os').system('true')", "not allowed"),
        ("contact_line_km.real", "Attribute is not allowed"),
        ("open('x')", "function 'open' is not allowed"),
        ("[1, 2]", "List is not allowed"),
        ("'text'", "only numbers"),
        ("a if 1 else 2", "IfExp is not allowed"),
        ("10 ** 100", "too large"),
        ("1 / (contact_line_km - contact_line_km)", "division by zero"),
        ("unknown_value * 2", "unknown situation value 'unknown_value'"),
        ("2 +", "not valid arithmetic"),
        ("True + 1", "only numbers"),
    ],
)
def test_rejected_formulas_say_why_and_where(formula: str, fragment: str) -> None:
    where = Position("scenario.yaml", line=7, column=9)
    with pytest.raises(UserError) as info:
        evaluate(formula, {"contact_line_km": 1200.0}, where)
    assert fragment in str(info.value)
    assert str(info.value).startswith("scenario.yaml:7:9: ")


@given(
    a=st.integers(min_value=-10_000, max_value=10_000),
    b=st.integers(min_value=1, max_value=10_000),
)
def test_matches_python_arithmetic(a: int, b: int) -> None:
    values = {"a": float(a), "b": float(b)}
    assert evaluate("a * b - a / b + a // b + a % b", values) == pytest.approx(
        a * b - a / b + a // b + a % b
    )
