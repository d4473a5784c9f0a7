"""Hypothetical questions lint asks of the compiled rules: could this level ever be established?

A world says which leaf kinds its observations can make hold and which attributes they
establish. Every assignment of true or false to the leaves the world can measure is tried (the
others are false; words-only conditions stay unknown), and the best answer is kept. Because
Kleene logic is monotone in information, the monitor, which knows less than any such world,
can never establish a level that a world says is at best unknown or false.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from enum import StrEnum

from guarantor.rules.logic import Truth, evaluate
from guarantor.rules.onset import requirements_truth
from guarantor.rules.plan import Attribute, LeafKind, Node, RulePlan

MAX_FREE_LEAVES = 12  # 4,096 assignments; beyond that every measurable leaf is taken as holding


class WorldKind(StrEnum):
    """The hypothetical worlds lint asks about."""

    conventional_attack = "conventional_attack"
    seizure = "seizure"
    any_observation = "any_observation"


@dataclass(frozen=True)
class World:
    """Which leaf kinds observations can make hold, and which attributes they establish."""

    kind: WorldKind
    measurable: frozenset[LeafKind]
    established: dict[Attribute, bool] = field(default_factory=dict)


WORLDS: dict[WorldKind, World] = {
    WorldKind.conventional_attack: World(
        WorldKind.conventional_attack,
        frozenset({LeafKind.armed_attack}),
        {Attribute.conventional_weapons: True, Attribute.nuclear_weapons: False},
    ),
    WorldKind.seizure: World(WorldKind.seizure, frozenset({LeafKind.territorial_seizure})),
    WorldKind.any_observation: World(
        WorldKind.any_observation,
        frozenset(LeafKind) - {LeafKind.narrative},
    ),
}


def best_truth(plan: RulePlan, tree: Node, world: World) -> Truth:
    """The most a tree can be in a world: true, unknown (only with an act) or false."""
    used = sorted(set(tree.leaves()))
    fixed: dict[int, Truth] = {}
    free: list[int] = []
    for i in used:
        leaf = plan.leaves[i]
        req = requirements_truth(leaf, world.established)
        if leaf.kind is LeafKind.narrative:
            fixed[i] = Truth.unknown
        elif leaf.kind not in world.measurable or req is Truth.false:
            fixed[i] = Truth.false
        else:
            free.append(i)
    req_of = {i: requirements_truth(plan.leaves[i], world.established) for i in free}
    values = [Truth.false] * len(plan.leaves)
    for i, t in fixed.items():
        values[i] = t
    if len(free) > MAX_FREE_LEAVES:
        for i in free:
            values[i] = req_of[i]
        return evaluate(tree, values)
    best = Truth.false
    for bits in itertools.product((False, True), repeat=len(free)):
        for i, on in zip(free, bits, strict=True):
            values[i] = req_of[i] if on else Truth.false
        best = max(best, evaluate(tree, values))
        if best is Truth.true:
            break
    return best
