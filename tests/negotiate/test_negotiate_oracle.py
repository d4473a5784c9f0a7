"""The fast engine against the brute-force oracle on random small conflicts."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from guarantor.negotiate.concepts import CONCEPTS, GMR, NASH, SEQ, SEQ_SIM, SIM, SMR, Concept
from guarantor.negotiate.conditions import conjunction, literal
from guarantor.negotiate.conflict import Conflict, DecisionMaker, ExplicitStates, Preference
from guarantor.negotiate.graph import Direction, OptionInfo
from guarantor.negotiate.oracle import Oracle
from guarantor.negotiate.stability import Engine

SETTINGS = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)


def _ranking(rng: np.random.Generator, codes: list[int], ties: bool) -> Preference:
    levels = rng.integers(0, max(2, len(codes) // 2) if ties else 10**9, size=len(codes))
    tiers: dict[int, list[int]] = {}
    for code, level in zip(codes, levels.tolist(), strict=True):
        tiers.setdefault(level, []).append(code)
    return Preference(ranking=tuple(tuple(tiers[k]) for k in sorted(tiers, reverse=True)))


@st.composite
def option_conflicts(draw: st.DrawFn) -> Conflict:
    n_dm = draw(st.integers(2, 4))
    per_dm = [draw(st.integers(1, 2)) for _ in range(n_dm)]
    assume(sum(per_dm) <= 6)
    owners = tuple(d for d, k in enumerate(per_dm) for _ in range(k))
    m = len(owners)
    directions = tuple(
        draw(st.sampled_from([Direction.both, Direction.both, Direction.fwd, Direction.back]))
        for _ in range(m)
    )
    infeasible = []
    for _ in range(draw(st.integers(0, 3))):
        a, b = draw(st.integers(0, m - 1)), draw(st.integers(0, m - 1))
        infeasible.append(
            conjunction([literal(a, draw(st.booleans())), literal(b, draw(st.booleans()))])
        )
    info = OptionInfo(tuple(f"o{k}" for k in range(m)), owners, directions)
    base = Conflict("random", (), info, tuple(infeasible))
    codes = base.feasible_codes().tolist()
    assume(len(codes) >= 2)
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    ties = draw(st.booleans())
    dms = tuple(DecisionMaker(f"D{d}", _ranking(rng, codes, ties)) for d in range(n_dm))
    return Conflict("random", dms, info, tuple(infeasible))


@st.composite
def graph_conflicts(draw: st.DrawFn) -> Conflict:
    n_dm = draw(st.integers(2, 4))
    n = draw(st.integers(2, 12))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    density = draw(st.floats(0.05, 0.5))
    codes = list(range(1, n + 1))
    moves = []
    for _ in range(n_dm):
        edges = tuple((a, b) for a in codes for b in codes if a != b and rng.random() < density)
        moves.append(edges)
    explicit = ExplicitStates(tuple(codes), tuple(str(c) for c in codes), tuple(moves))
    ties = draw(st.booleans())
    dms = tuple(DecisionMaker(f"D{d}", _ranking(rng, codes, ties)) for d in range(n_dm))
    return Conflict("random graph", dms, None, explicit=explicit)


def _compare(conflict: Conflict, concepts: tuple[Concept, ...]) -> None:
    g = conflict.compile()
    eng = Engine(g)
    orc = Oracle(g)
    for concept in concepts:
        for dm in range(len(g.dms)):
            fast = eng.stable(concept, dm).tolist()
            slow = [orc.stable(concept, dm, s) for s in range(g.n)]
            assert fast == slow, (concept, dm)
    nash, gmr, smr, seq = (eng.table(c) for c in (NASH, GMR, SMR, SEQ))
    assert (~nash | smr).all() and (~smr | gmr).all()
    assert (~nash | seq).all() and (~seq | gmr).all()


@given(option_conflicts())
@settings(SETTINGS, max_examples=360)
def test_engine_matches_oracle_on_option_models(conflict: Conflict) -> None:
    _compare(conflict, CONCEPTS)


@given(graph_conflicts())
@settings(SETTINGS, max_examples=180)
def test_engine_matches_oracle_on_explicit_graphs(conflict: Conflict) -> None:
    _compare(conflict, (NASH, GMR, SMR, SEQ))


@given(option_conflicts())
@settings(SETTINGS, max_examples=60)
def test_moves_follow_the_definition(conflict: Conflict) -> None:
    g = conflict.compile()
    orc = Oracle(g)
    for dm in range(len(g.dms)):
        for s in range(g.n):
            assert set(g.moves[dm].of(s)) == orc.r[dm][s]


@st.composite
def joint_reply_conflicts(draw: st.DrawFn) -> Conflict:
    """Three DMs with two options each (one with three): opponents have several replies at once."""
    n_dm = 3
    owners = (0, 0, 1, 1, 2, 2) + ((2,) if draw(st.booleans()) else ())
    info = OptionInfo(
        tuple(f"o{k}" for k in range(len(owners))), owners, (Direction.both,) * len(owners)
    )
    codes = list(range(1 << len(owners)))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    dms = tuple(DecisionMaker(f"D{d}", _ranking(rng, codes, False)) for d in range(n_dm))
    return Conflict("joint", dms, info)


@given(joint_reply_conflicts())
@settings(SETTINGS, max_examples=40)
def test_joint_replies_match_the_oracle(conflict: Conflict) -> None:
    """SIM where two or three opponents reply together (the engine's joint-reply step)."""
    g = conflict.compile()
    eng = Engine(g)
    orc = Oracle(g)
    for concept in (SIM, SEQ_SIM):
        for dm in range(len(g.dms)):
            fast = eng.stable(concept, dm).tolist()
            assert fast == [orc.stable(concept, dm, s) for s in range(g.n)], (concept, dm)
