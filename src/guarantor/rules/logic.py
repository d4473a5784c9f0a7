"""Three-valued (Kleene) logic: true, false and unknown, on single values and on arrays.

Truth values are ordered false < unknown < true, so `all` is the minimum, `any` the maximum
and `not` the mirror image (2 - x). The same fold over a compiled tree serves single values
(lint's hypothetical questions) and NumPy arrays (the monitor's days, the simulator's trials).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from enum import IntEnum
from typing import TYPE_CHECKING, Any, TypeVar

from guarantor.rules.plan import Node, NodeKind

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

T = TypeVar("T")


class Truth(IntEnum):
    """A three-valued answer; the integer order is Kleene's (false < unknown < true)."""

    false = 0
    unknown = 1
    true = 2

    def __str__(self) -> str:
        return self.name


def fold(
    node: Node,
    leaf: Callable[[int], T],
    all_: Callable[[list[T]], T],
    any_: Callable[[list[T]], T],
    not_: Callable[[T], T],
) -> T:
    """Evaluate a compiled tree bottom-up with the given leaf values and connectives."""
    if node.kind is NodeKind.leaf:
        return leaf(node.leaf)
    if node.kind is NodeKind.not_:
        return not_(fold(node.children[0], leaf, all_, any_, not_))
    parts = [fold(child, leaf, all_, any_, not_) for child in node.children]
    return all_(parts) if node.kind is NodeKind.all else any_(parts)


def evaluate(node: Node, leaves: Sequence[Truth]) -> Truth:
    """The truth of a compiled tree given each leaf's truth."""
    return fold(
        node,
        lambda i: leaves[i],
        lambda xs: min(xs),
        lambda xs: max(xs),
        lambda x: Truth(2 - x),
    )


def evaluate_arrays(node: Node, leaves: Sequence[NDArray[np.int8]]) -> NDArray[np.int8]:
    """The truth of a compiled tree, element by element, over int8 arrays of truth values."""
    import numpy as np

    def all_(parts: list[Any]) -> Any:
        out = parts[0]
        for p in parts[1:]:
            out = np.minimum(out, p)
        return out

    def any_(parts: list[Any]) -> Any:
        out = parts[0]
        for p in parts[1:]:
            out = np.maximum(out, p)
        return out

    result: NDArray[np.int8] = fold(
        node, lambda i: leaves[i], all_, any_, lambda x: (2 - x).astype(np.int8)
    )
    return result
