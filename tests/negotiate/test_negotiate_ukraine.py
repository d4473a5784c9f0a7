"""The 2025 negotiation model: red lines linked, the added options sourced, the proposals judged."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from guarantor.negotiate.analysis import analyse
from guarantor.negotiate.concepts import CONCEPTS, NASH, SEQ
from guarantor.negotiate.conflict import Conflict
from guarantor.negotiate.explain import explain
from guarantor.negotiate.graph import Graph
from guarantor.negotiate.loading import load_conflict
from guarantor.negotiate.sensitivity import sensitivity

MODEL = Path(__file__).resolve().parents[2] / "examples" / "negotiation" / "ukraine-2025.yaml"
ADDED = ("us_cutoff", "us_recognition", "us_relief", "eu_assets", "ru_znpp", "ua_referendum")


@pytest.fixture(scope="module")
def model() -> tuple[Conflict, Graph]:
    conflict = load_conflict(MODEL)
    return conflict, conflict.compile()


def taken(g: Graph, i: int, option: str) -> bool:
    assert g.options is not None
    return bool((int(g.codes[i]) >> g.options.names.index(option)) & 1)


def test_the_options_of_the_2025_talks_are_in_the_model(model: tuple[Conflict, Graph]) -> None:
    conflict, g = model
    assert conflict.dm_names == ("US", "Russia", "Ukraine", "Europe")
    assert conflict.options is not None and set(ADDED) <= set(conflict.options.names)
    assert len(conflict.options.names) == 18 and g.n == 28_800
    for dm in conflict.dms:
        for alt, _ in dm.alternatives:
            assert conflict.compile({dm.name: alt}).n == g.n


def test_every_added_option_is_cited_or_an_assumption_with_a_reason() -> None:
    """The comment block above each added option cites ref A5-A7 or says [A] and why."""
    lines = MODEL.read_text(encoding="utf-8").splitlines()
    for option in ADDED:
        at = next(k for k, line in enumerate(lines) if f"{{id: {option}}}" in line)
        block = []
        for line in reversed(lines[:at]):
            if not line.strip().startswith("#"):
                break
            block.append(line)
        text = " ".join(reversed(block))
        assert re.search(r"ref A[567]", text) or "[A]" in text, option
        if "[A]" in text:  # an assumption says why, in more than a tag
            assert len(text.split("[A]", 1)[1].split()) >= 8, option


def test_russia_acts_on_its_red_line(model: tuple[Conflict, Graph]) -> None:
    """A European force without a US guarantee: Russia resumes the offensive, under every concept."""
    conflict, g = model
    outcome = conflict.outcome("force_without_guarantee")
    assert outcome is not None
    i = g.index_of(outcome.code)
    russia = g.dms.index("Russia")
    for concept in CONCEPTS:
        ex = explain(g, russia, i, concept)
        assert not ex.stable, concept
        undeterred = [t for t in ex.temptations if t.deterrent is None]
        assert undeterred and all(taken(g, t.target, "ru_offensive") for t in undeterred)


def test_no_ceasefire_with_a_european_force_is_stable_without_threats(
    model: tuple[Conflict, Graph],
) -> None:
    _, g = model
    nash = analyse(g, (NASH,)).equilibria(NASH) or []
    assert nash, "the model has Nash equilibria"
    assert not any(taken(g, i, "eu_force") and taken(g, i, "ru_ceasefire") for i in nash)


def test_the_proposals_rest_on_threats(model: tuple[Conflict, Graph]) -> None:
    """Both proposals are SEQ-stable but not Nash-stable; Russia's offensive is what tempts it."""
    conflict, g = model
    result = analyse(g, (NASH, SEQ))
    for name in ("guarantee_with_force", "plan_28_points"):
        outcome = conflict.outcome(name)
        assert outcome is not None
        i = g.index_of(outcome.code)
        assert i not in (result.equilibria(NASH) or [])
        assert i in (result.equilibria(SEQ) or [])
    force = conflict.outcome("guarantee_with_force")
    assert force is not None
    ex = explain(g, g.dms.index("Russia"), g.index_of(force.code), SEQ)
    offensive = [t for t in ex.temptations if taken(g, t.target, "ru_offensive")]
    assert offensive and all(t.deterrent is not None for t in offensive)


def test_land_for_peace_is_robust_and_the_force_is_not(model: tuple[Conflict, Graph]) -> None:
    conflict, g = model
    result = sensitivity(conflict, (NASH, SEQ))
    assert len(result.runs) == 36
    robust_nash = [r for r in result.states if NASH in r.robust]
    assert robust_nash
    for r in robust_nash:  # the robust Nash outcomes: a ceasefire after the land swap
        i = g.index_of(r.state)
        assert taken(g, i, "ru_ceasefire") and taken(g, i, "ua_withdraw")
        assert not taken(g, i, "eu_force") and not taken(g, i, "us_guarantee")
    outcome = conflict.outcome("force_without_guarantee")
    assert outcome is not None
    assert result.row(outcome.code, "").counts[NASH] == 0
