"""Logical statements over options (and/or/not/if/iff), parsed once and evaluated on state codes."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

Codes = npt.NDArray[np.int64]
Truth = npt.NDArray[np.bool_]

# A tokeniser and recursive-descent parser are hand-written: the grammar is six operators
# and a library parser (lark, pyparsing) would be a new dependency for forty lines.
_TOKEN = re.compile(r"\s*(?:(?P<op>\(|\)|&|\||!|~|-)|(?P<word>[A-Za-z0-9_.]+))")
_WORDS = {"and": "&", "or": "|", "not": "!", "if": "if", "iff": "iff"}


class ConditionError(ValueError):
    """A statement that does not parse or names an unknown option."""


@dataclass(frozen=True)
class Expr:
    """A parsed statement: an operator with operands, or a single option literal."""

    op: str  # "opt", "not", "and", "or", "if", "iff", "true"
    args: tuple[Expr, ...] = ()
    option: int = -1  # 0-based option index for "opt"

    def evaluate(self, codes: Codes) -> Truth:
        """Truth of the statement in each state code (option k is bit k)."""
        if self.op == "opt":
            return ((codes >> self.option) & 1).astype(bool)
        if self.op == "true":
            return np.ones(codes.shape, dtype=bool)
        values = [a.evaluate(codes) for a in self.args]
        if self.op == "not":
            out: Truth = ~values[0]
        elif self.op == "and":
            out = np.logical_and.reduce(values)
        elif self.op == "or":
            out = np.logical_or.reduce(values)
        elif self.op == "if":  # "A if B": whenever B holds, A holds
            out = values[0] | ~values[1]
        else:
            out = values[0] == values[1]  # iff
        return out

    def options(self) -> set[int]:
        """Option indices the statement mentions."""
        if self.op == "opt":
            return {self.option}
        found: set[int] = set()
        for a in self.args:
            found |= a.options()
        return found


def literal(option: int, taken: bool = True) -> Expr:
    """The statement "option is taken" (or "is not taken")."""
    lit = Expr("opt", option=option)
    return lit if taken else Expr("not", (lit,))


def conjunction(items: list[Expr]) -> Expr:
    """All of the statements."""
    return items[0] if len(items) == 1 else Expr("and", tuple(items))


def disjunction(items: list[Expr]) -> Expr:
    """At least one of the statements."""
    return items[0] if len(items) == 1 else Expr("or", tuple(items))


def parse(text: str, resolve: Mapping[str, int] | Callable[[str], int]) -> Expr:
    """Parse a statement such as `guarantee & !sanctions`, `3 if 4`, `a iff (b | c)`."""
    tokens: list[str] = []
    pos = 0
    text = text.strip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            raise ConditionError(f"cannot read {text[pos:]!r} in statement {text!r}")
        pos = m.end()
        word = m.group("word")
        if word is None:
            op = m.group("op")
            tokens.append("!" if op in ("~", "-") else op)
        else:
            tokens.append(_WORDS.get(word.lower(), word) if word.lower() in _WORDS else word)
    if not tokens:
        raise ConditionError("empty statement")

    def lookup(name: str) -> int:
        if callable(resolve):
            return resolve(name)
        if name not in resolve:
            raise ConditionError(f"statement {text!r} names unknown option {name!r}")
        return resolve[name]

    index = 0

    def peek() -> str | None:
        return tokens[index] if index < len(tokens) else None

    def take() -> str:
        nonlocal index
        if index >= len(tokens):
            raise ConditionError(f"statement {text!r} ends too early")
        index += 1
        return tokens[index - 1]

    def implication() -> Expr:
        left = disj()
        if peek() in ("if", "iff"):
            op = take()
            right = implication()
            return Expr(op, (left, right))
        return left

    def disj() -> Expr:
        items = [conj()]
        while peek() == "|":
            take()
            items.append(conj())
        return disjunction(items)

    def conj() -> Expr:
        items = [unary()]
        while peek() == "&":
            take()
            items.append(unary())
        return conjunction(items)

    def unary() -> Expr:
        tok = take()
        if tok == "!":
            return Expr("not", (unary(),))
        if tok == "(":
            inner = implication()
            if take() != ")":
                raise ConditionError(f"missing ')' in statement {text!r}")
            return inner
        if tok in ("&", "|", ")", "if", "iff"):
            raise ConditionError(f"unexpected {tok!r} in statement {text!r}")
        return Expr("opt", option=lookup(tok))

    expr = implication()
    if index != len(tokens):
        raise ConditionError(f"unexpected {tokens[index]!r} in statement {text!r}")
    return expr


def describe(expr: Expr, names: list[str]) -> str:
    """The statement in words with option names."""
    if expr.op == "opt":
        return names[expr.option]
    if expr.op == "true":
        return "true"
    if expr.op == "not":
        inner = describe(expr.args[0], names)
        return f"not {inner}" if expr.args[0].op == "opt" else f"not ({inner})"
    parts = [
        describe(a, names) if a.op in ("opt", "not") else f"({describe(a, names)})"
        for a in expr.args
    ]
    return f" {expr.op} ".join(parts)
