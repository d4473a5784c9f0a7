"""Classic graph-model cases against their published equilibria."""

from __future__ import annotations

from pathlib import Path

import pytest

from guarantor.negotiate.coalition import coalition_improvements
from guarantor.negotiate.concepts import GMR, NASH, SEQ, SIM, Concept
from guarantor.negotiate.explain import Deterrent, explain
from guarantor.negotiate.graph import Graph
from guarantor.negotiate.inverse import Slice, inverse
from guarantor.negotiate.loading import load_conflict
from guarantor.negotiate.reach import status_quo_paths
from guarantor.negotiate.stability import Engine

ROOT = Path(__file__).resolve().parents[2] / "examples" / "negotiation"


def graph(name: str) -> Graph:
    return load_conflict(ROOT / name).compile()


def equilibria(g: Graph, concept: str) -> set[int]:
    return {int(g.codes[i]) for i in Engine(g).equilibria(Concept.parse(concept))}


def stable_for(g: Graph, concept: str, dm: str) -> set[int]:
    table = Engine(g).stable(Concept.parse(concept), g.dms.index(dm))
    return {int(c) for c, ok in zip(g.codes, table, strict=True) if ok}


CASES = {
    "prisoners-dilemma.yaml": {
        "nash": {3},
        "gmr": {0, 3},
        "smr": {0, 3},
        "seq": {0, 3},
        "sim": {0, 3},
        "seq+sim": {0, 3},
    },
    "chicken.yaml": {
        "nash": {1, 2},
        "gmr": {0, 1, 2},
        "smr": {0, 1, 2},
        "seq": {1, 2},
        "sim": {0, 1, 2},
        "seq+sim": {0, 1, 2},
    },
    "cuban-missile-crisis.yaml": {
        "nash": {5},
        "gmr": {0, 1, 2, 4, 5, 6, 7},
        "smr": {0, 1, 2, 4, 5, 6, 7},
        "seq": {4, 5, 6},
        "sim": {5},
        "seq+sim": {4, 5, 6},
    },
    "elmira.yaml": {
        "nash": {5, 8, 9},
        "gmr": {1, 4, 5, 8, 9},
        "smr": {1, 4, 5, 8, 9},
        "seq": {5, 8, 9},
    },
    # Syria-Iraq in decimal codes (ordered 6 = decimal 6, ordered 1 = decimal 0)
    "syria-iraq.yaml": {
        "nash": {6},
        "gmr": {0, 6},
        "smr": {6},
        "seq": {6},
        "sim": {6},
        "seq+sim": {6},
    },
}


@pytest.mark.parametrize(("name", "concept"), [(n, c) for n, cs in CASES.items() for c in cs])
def test_published_equilibria(name: str, concept: str) -> None:
    assert equilibria(graph(name), concept) == CASES[name][concept]


def test_elmira_per_decision_maker() -> None:
    g = graph("elmira.yaml")
    everything = set(range(1, 10))
    for concept in ("nash", "gmr", "smr", "seq"):
        assert stable_for(g, concept, "MoE") == everything
        assert stable_for(g, concept, "UR") == {1, 4, 5, 8, 9}
    assert stable_for(g, "nash", "LG") == {5, 6, 7, 8, 9}
    assert stable_for(g, "seq", "LG") == {2, 3, 5, 6, 7, 8, 9}
    assert stable_for(g, "gmr", "LG") == everything
    assert stable_for(g, "smr", "LG") == everything


def test_elmira_option_form_matches_the_nine_state_model() -> None:
    g = graph("elmira-options.yaml")
    nine = {2: 1, 3: 2, 4: 3, 5: 4, 18: 5, 19: 6, 20: 7, 21: 8, 8: 9, 9: 9, 24: 9, 25: 9}
    expected = {
        "nash": {5, 8, 9},
        "gmr": {1, 4, 5, 8, 9},
        "smr": {1, 4, 5, 8, 9},
        "seq": {5, 8, 9},
        "sim": {5, 8, 9},
        "seq+sim": {5, 8, 9},
    }
    for concept, states in expected.items():
        assert {nine[c] for c in equilibria(g, concept)} == states, concept


def test_elmira_coalitional_improvements() -> None:
    g = graph("elmira.yaml")
    ids = {n: i for i, n in enumerate(g.dms)}

    def moves(*members: str) -> set[tuple[int, int]]:
        found = coalition_improvements(g, tuple(ids[m] for m in members))
        return {(int(g.codes[im.source]), int(g.codes[im.target])) for im in found}

    assert moves("MoE", "UR") == {(2, 4), (5, 8), (6, 8)}
    assert moves("MoE", "LG") == {(1, 5), (3, 7)}
    assert moves("UR", "LG") == {(2, 4), (2, 8), (6, 8)}
    assert moves("MoE", "UR", "LG") == {(2, 4), (2, 8), (6, 8)}
    # the historical evolution: LG insists (1 -> 5), then MoE and Uniroyal jointly reach 8
    path = status_quo_paths(g, g.index_of(1), [g.index_of(8)], [(ids["MoE"], ids["UR"])])[
        g.index_of(8)
    ]
    assert path is not None
    assert [int(g.codes[step.target]) for step in path] == [5, 8]
    five_to_eight = next(im for im in coalition_improvements(g, (0, 1), [g.index_of(5)]))
    assert [(g.dms[s.dm], int(g.codes[s.target])) for s in five_to_eight.path] == [
        ("MoE", 6),
        ("UR", 8),
    ]


def test_status_quo_unilateral_paths() -> None:
    g = graph("elmira.yaml")
    paths = status_quo_paths(g, g.index_of(1), [g.index_of(c) for c in (5, 8, 9)])
    assert [int(g.codes[s.target]) for s in paths[g.index_of(5)] or ()] == [5]
    assert paths[g.index_of(8)] is None  # needs the coalition
    assert paths[g.index_of(9)] is None  # abandoning is never an improvement for Uniroyal here


def test_explanation_names_the_sanction() -> None:
    g = graph("chicken.yaml")
    gmr = explain(g, 0, g.index_of(0), GMR)
    assert gmr.stable is True
    first = gmr.temptations[0]
    assert int(g.codes[first.target]) == 1 and first.deterrent is Deterrent.sequential
    assert gmr.to_json(g)["improvements"][0]["sanction"] == [{"dm": "D2", "from": 1, "to": 3}]
    seq = explain(g, 0, g.index_of(0), SEQ)
    assert seq.stable is False
    assert seq.temptations[0].deterrent is None and seq.temptations[0].replies == ()
    cuban = graph("cuban-missile-crisis.yaml")
    sim = explain(cuban, 1, cuban.index_of(6), SIM)
    assert sim.stable is (6 in stable_for(cuban, "sim", "USSR"))
    # every deterred improvement of a stable state names the state its sanction ends in
    assert all(t.outcome is not None for t in sim.temptations if t.deterrent is not None)


def test_inverse_syria_iraq() -> None:
    g = graph("syria-iraq.yaml")
    target = g.index_of(1)  # ordered state 2: Syria releases water, Iraq does not attack
    nash = inverse(g, target, NASH, [Slice(0, 1, 6)])
    assert (nash.profiles, nash.stable_profiles) == (720, 240)
    # Syria must rank 1 above both of its alternatives 0 and 2: one profile in three
    necessary = {(int(g.codes[n.prefers]), int(g.codes[n.to])) for n in nash.necessary}
    assert necessary == {(1, 0), (1, 2)}
    seq = inverse(g, target, SEQ, [Slice(0, 1, 6)])
    # By hand: Syria's UIs 1->0 and 1->2 are met by Iraq's credible attacks 0->4 and 2->6, so
    # stability needs (1 > 0 or 1 >= 4) and (1 > 2 or 1 >= 6): 720 * (1 - 1/3 - 1/3 + 1/5) = 384.
    assert seq.stable_profiles == 384
    assert [
        (int(g.codes[c.move_to]), [int(g.codes[x]) for x in c.candidate_sanctions or ()])
        for c in seq.conditions
        if c.dm == 0
    ] == [(0, [4]), (2, [6])]


def test_inverse_syria_iraq_420_is_the_last_improvement_deciding() -> None:
    """The reference's 420 (GMCR+ and its handout) comes from a rule that is not SEQ.

    GMCR+'s inverse routine marks a decision maker stable as soon as one of its improvements is
    sanctioned and never marks it unstable again for a later one that is not, so the verdict is
    that of the last improvement examined. Applied to the same 720 profiles that rule gives 420,
    whichever order the two improvements are examined in; the definition (every improvement
    sanctioned) gives 384. See docs/negotiate.md, Known limits.
    """
    import itertools

    from guarantor.negotiate.oracle import Oracle

    g = graph("syria-iraq.yaml")
    target, syria = g.index_of(1), 0
    orc = Oracle(g)
    base = [[int(x) for x in row] for row in g.payoff]
    others = [1]
    counts = {"definition": 0, "last decides": 0, "last decides, reversed": 0}
    for perm in itertools.permutations(range(g.n)):
        payoff = [list(row) for row in base]
        payoff[syria] = [g.n - perm.index(k) for k in range(g.n)]
        orc.set_payoff(payoff)
        p = payoff[syria]
        ups = sorted(orc.r_plus(syria, target), key=lambda t: int(g.codes[t]))

        def sanctioned(s1: int, p: list[int] = p) -> bool:
            return any(p[s2] < p[target] for s2 in orc.reach(others, s1, True))

        iraq = orc.stable(SEQ, 1, target)
        counts["definition"] += iraq and orc.stable(SEQ, syria, target)
        counts["last decides"] += iraq and (not ups or sanctioned(ups[-1]))
        counts["last decides, reversed"] += iraq and (not ups or sanctioned(ups[0]))
    assert counts == {"definition": 384, "last decides": 420, "last decides, reversed": 420}


def test_limited_move_horizon_one_is_nash() -> None:
    for name in (
        "prisoners-dilemma.yaml",
        "chicken.yaml",
        "cuban-missile-crisis.yaml",
        "syria-iraq.yaml",
    ):
        g = graph(name)
        eng = Engine(g)
        assert (eng.table(Concept.parse("l1")) == eng.table(NASH)).all()
    # by hand: from 0 a defection is answered by the other's defection (3, worse than 0), so with a
    # horizon of two moves both players stay; from 1 and 2 the victim's defection to 3 pays.
    assert equilibria(graph("prisoners-dilemma.yaml"), "l2") == {0, 3}
    # Prisoner's dilemma with foresight: mutual cooperation survives (Brams' non-myopic result)
    assert 0 in equilibria(graph("prisoners-dilemma.yaml"), "nm")


def test_sanction_needing_an_opponent_to_move_twice(tmp_path: Path) -> None:
    """A deters F only after B's move lets A move again: legal, and missed by once-each search."""
    model = """name: twice
states: [1, 2, 3, 4, 5]
decision_makers:
  - name: F
    moves: [[1, 2]]
    ranking: [2, 3, 4, 1, 5]
  - name: A
    moves: [[2, 3], [4, 5]]
    ranking: [5, 3, 4, 2, 1]
  - name: B
    moves: [[3, 4]]
    ranking: [4, 3, 5, 2, 1]
"""
    path = tmp_path / "twice.yaml"
    path.write_text(model, encoding="utf-8")
    g = load_conflict(path).compile()
    # F's move 1 -> 2 is deterred only by A (2 -> 3), B (3 -> 4), A again (4 -> 5): F ranks 5 below 1
    assert 1 in stable_for(g, "gmr", "F")
    assert 1 in stable_for(g, "seq", "F")  # every move there is an improvement for its mover
    path_found = explain(g, 0, g.index_of(1), SEQ).temptations[0].replies
    assert [g.dms[step.dm] for step in path_found] == ["A", "B", "A"]
