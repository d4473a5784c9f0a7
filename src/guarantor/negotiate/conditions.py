"""Logical statements over options (and/or/not/if/iff), parsed once and evaluated on state codes."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum

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


class Op(StrEnum):
    """The operator of a statement node."""

    option = "opt"  # a single option is taken
    not_ = "not"
    and_ = "and"
    or_ = "or"
    if_ = "if"  # "A if B": whenever B holds, A holds
    iff = "iff"
    true = "true"


@dataclass(frozen=True)
class Expr:
    """A parsed statement: an operator with operands, or a single option literal."""

    op: Op
    args: tuple[Expr, ...] = ()
    option: int = -1  # 0-based option index for Op.option

    def evaluate(self, codes: Codes) -> Truth:
        """Truth of the statement in each state code (option k is bit k)."""
        if self.op is Op.option:
            return ((codes >> self.option) & 1).astype(bool)
        if self.op is Op.true:
            return np.ones(codes.shape, dtype=bool)
        values = [a.evaluate(codes) for a in self.args]
        if self.op is Op.not_:
            out: Truth = ~values[0]
        elif self.op is Op.and_:
            out = np.logical_and.reduce(values)
        elif self.op is Op.or_:
            out = np.logical_or.reduce(values)
        elif self.op is Op.if_:
            out = values[0] | ~values[1]
        else:
            out = values[0] == values[1]  # iff
        return out

    def options(self) -> set[int]:
        """Option indices the statement mentions."""
        if self.op is Op.option:
            return {self.option}
        found: set[int] = set()
        for a in self.args:
            found |= a.options()
        return found


def literal(option: int, taken: bool = True) -> Expr:
    """The statement "option is taken" (or "is not taken")."""
    lit = Expr(Op.option, option=option)
    return lit if taken else Expr(Op.not_, (lit,))


def conjunction(items: list[Expr]) -> Expr:
    """All of the statements."""
    return items[0] if len(items) == 1 else Expr(Op.and_, tuple(items))


def disjunction(items: list[Expr]) -> Expr:
    """At least one of the statements."""
    return items[0] if len(items) == 1 else Expr(Op.or_, tuple(items))


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
            op = Op(take())
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
            return Expr(Op.not_, (unary(),))
        if tok == "(":
            inner = implication()
            if take() != ")":
                raise ConditionError(f"missing ')' in statement {text!r}")
            return inner
        if tok in ("&", "|", ")", "if", "iff"):
            raise ConditionError(f"unexpected {tok!r} in statement {text!r}")
        return Expr(Op.option, option=lookup(tok))

    expr = implication()
    if index != len(tokens):
        raise ConditionError(f"unexpected {tokens[index]!r} in statement {text!r}")
    return expr
