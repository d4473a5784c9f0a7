"""Safe evaluation of requirement formulas: arithmetic on named situation values, no `eval`."""

from __future__ import annotations

import ast
import math
import operator
from collections.abc import Callable, Mapping

from guarantor.errors import Position, UserError

# A whitelist evaluator is hand-written on purpose: `eval` (even with empty builtins) can reach
# object internals, and the formula libraries on PyPI (numexpr, asteval, simpleeval) either
# compile to arrays or allow far more than arithmetic. Formulas here are one-line arithmetic.
_BINARY: dict[type[ast.operator], Callable[[float, float], float]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
}
_UNARY: dict[type[ast.unaryop], Callable[[float], float]] = {
    ast.UAdd: operator.pos,
    ast.USub: operator.neg,
}
_FUNCTIONS: dict[str, Callable[..., float]] = {
    "ceil": math.ceil,
    "floor": math.floor,
    "round": round,
    "min": min,
    "max": max,
    "abs": abs,
    "sqrt": math.sqrt,
}
MAX_LENGTH = 500
MAX_EXPONENT = 8


def names_in(formula: str) -> set[str]:
    """The situation values a formula refers to (without evaluating it)."""
    tree = _parse(formula, None)
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and n.id not in _FUNCTIONS}


def evaluate(formula: str, values: Mapping[str, float], where: Position | None = None) -> float:
    """The value of an arithmetic formula over named values; UserError on anything else."""
    tree = _parse(formula, where)

    def fail(message: str) -> UserError:
        return UserError(f"formula {formula!r}: {message}", where)

    def ev(node: ast.AST) -> float:
        if isinstance(node, ast.Expression):
            return ev(node.body)
        if isinstance(node, ast.Constant):
            if isinstance(node.value, bool) or not isinstance(node.value, int | float):
                raise fail(f"only numbers are allowed, not {node.value!r}")
            return float(node.value)
        if isinstance(node, ast.Name):
            if node.id not in values:
                known = ", ".join(sorted(values)) or "none"
                raise fail(f"unknown situation value {node.id!r} (known: {known})")
            return float(values[node.id])
        if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
            left, right = ev(node.left), ev(node.right)
            if isinstance(node.op, ast.Pow) and abs(right) > MAX_EXPONENT:
                raise fail(f"exponent {right:g} is too large (at most {MAX_EXPONENT})")
            try:
                return float(_BINARY[type(node.op)](left, right))
            except ZeroDivisionError:
                raise fail("division by zero") from None
            except (OverflowError, ValueError) as exc:
                raise fail(str(exc)) from None
        if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
            return _UNARY[type(node.op)](ev(node.operand))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            func = _FUNCTIONS.get(node.func.id)
            if func is None or node.keywords:
                allowed = ", ".join(sorted(_FUNCTIONS))
                raise fail(f"function {node.func.id!r} is not allowed (allowed: {allowed})")
            args = [ev(a) for a in node.args]
            try:
                return float(func(*args))
            except (TypeError, ValueError) as exc:
                raise fail(f"{node.func.id}(): {exc}") from None
        raise fail(
            f"{type(node).__name__} is not allowed; use numbers, names, + - * / // % ** and "
            + ", ".join(sorted(_FUNCTIONS))
        )

    result = ev(tree)
    if not math.isfinite(result):
        raise fail(f"the result is {result}")
    return result


def _parse(formula: str, where: Position | None) -> ast.Expression:
    if len(formula) > MAX_LENGTH:
        raise UserError(f"formula is longer than {MAX_LENGTH} characters", where)
    try:
        return ast.parse(formula.strip(), mode="eval")
    except SyntaxError as exc:
        raise UserError(f"formula {formula!r} is not valid arithmetic: {exc.msg}", where) from None
