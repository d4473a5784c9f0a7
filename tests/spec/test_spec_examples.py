"""The encoded instruments: exact lint findings, golden renders, schema, diff, round trip."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from guarantor.model import Agreement
from guarantor.spec.check import check_file
from guarantor.spec.diff import diff_agreements
from guarantor.spec.load import load_agreement, load_spec_text
from guarantor.spec.render import render_html, render_markdown

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("GUARANTOR_UPDATE_GOLDEN") == "1"

# file -> exact (code, line) findings; reviewed by hand against each instrument's text
EXPECTED: dict[str, list[tuple[str, int]]] = {
    "budapest_1994.yaml": [
        ("GT104", 4),  # no attribution body
        ("GT108", 4),  # no contributions
        ("GT114", 4),  # no monitoring
        ("GT111", 9),  # politically binding
        ("GT113", 85),  # no trigger for conventional attack
        ("GT101", 104),  # para 6: nothing measurable
        ("GT103", 127),  # consultation: no deadline, no venue
        ("GT102", 146),  # UNSC: the obligor holds a veto
    ],
    # Art. 4: the Council's documented practice (official) gives the consultation its deadline
    "nato_arts_4_6.yaml": [("GT108", 6), ("GT114", 6)],
    "us_ukraine_bsa_2024.yaml": [("GT104", 4), ("GT114", 4), ("GT115", 105), ("GT107", 144)],
    "paris_declaration_2026.yaml": [("GT111", 14)],
    "paris_declaration_2026_draft.yaml": [("GT111", 10)],
    # the August 2025 statements named no body to determine a breach
    "aug2025_article5_like.yaml": [("GT104", 7), ("GT111", 12)],
    "minsk2_era_guarantee.yaml": [("GT111", 12)],
    # 28-point plan: no attribution body; needs of the response that nobody pledged
    "peace_plan_28_points_2025_11.yaml": [
        ("GT104", 6),
        ("GT111", 11),
        ("GT107", 286),
        ("GT107", 288),
        ("GT107", 290),
        ("GT107", 304),
    ],
    "us_draft_framework_2025_11_21.yaml": [
        ("GT111", 10),
        ("GT107", 177),
        ("GT107", 179),
        ("GT107", 181),
    ],
    "peace_framework_20_points_2025_12.yaml": [
        ("GT104", 5),
        ("GT111", 10),
        ("GT107", 217),
        ("GT107", 219),
        ("GT107", 231),
    ],
    # UK 2024: consult within 24 h (reported) but no venue; no attribution body; money only
    "uk_ukraine_2024.yaml": [("GT104", 5), ("GT108", 5), ("GT103", 99), ("GT107", 142)],
    "eu_ukraine_jsc_2024.yaml": [
        ("GT104", 4),
        ("GT108", 4),
        ("GT114", 4),
        ("GT111", 9),
        ("GT103", 110),
    ],
    # Art. 42(7): each member assists as it chooses; no body, no pledges, no monitoring
    "eu_art42_7_teu.yaml": [("GT104", 5), ("GT108", 5), ("GT114", 5)],
    # the EU's own instruments: standing duties and milestones, no trigger
    "eu_support_2025_12.yaml": [("GT104", 7), ("GT108", 7), ("GT113", 7)],
}


def _agreements(examples_dir: Path) -> list[Path]:
    return sorted((examples_dir / "agreements").glob("*.yaml"))


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_lint_findings_exact(examples_dir: Path, name: str) -> None:
    """Each example's findings are exactly the reviewed list."""
    found = [(f.code, f.line) for f in check_file(examples_dir / "agreements" / name)]
    assert found == EXPECTED[name]


def test_budapest_fails_for_the_documented_reasons(examples_dir: Path) -> None:
    """Budapest fails lint with the five failure modes of the issue."""
    findings = check_file(examples_dir / "agreements" / "budapest_1994.yaml")
    codes = {f.code for f in findings if f.severity.value in ("error", "warning")}
    assert {"GT113", "GT102", "GT103", "GT104", "GT108"} <= codes
    veto = next(f for f in findings if f.code == "GT102")
    assert "RU" in veto.message and "unsc" in veto.message


def test_every_example_has_reviewed_findings(examples_dir: Path) -> None:
    """A new example must be added to EXPECTED, with its findings reviewed."""
    assert {p.name for p in _agreements(examples_dir)} == set(EXPECTED)


def test_every_example_loads_and_validates_against_schema(examples_dir: Path) -> None:
    """The JSON Schema `guarantor schema` prints accepts every example file."""
    schema = Agreement.model_json_schema(by_alias=True)
    for path in _agreements(examples_dir):
        data = json.loads(json.dumps(yaml.safe_load(path.read_text(encoding="utf-8")), default=str))
        jsonschema.validate(data, schema)
        load_agreement(path)


@pytest.mark.parametrize(
    "name",
    [
        "budapest_1994",
        "nato_arts_4_6",
        "us_ukraine_bsa_2024",
        "paris_declaration_2026",
        "aug2025_article5_like",
        "uk_ukraine_2024",
        "eu_ukraine_jsc_2024",
        "eu_art42_7_teu",
        "eu_support_2025_12",
        "peace_plan_28_points_2025_11",
        "us_draft_framework_2025_11_21",
        "peace_framework_20_points_2025_12",
    ],
)
def test_golden_render(examples_dir: Path, name: str) -> None:
    """Renders match the reviewed golden files byte for byte (GUARANTOR_UPDATE_GOLDEN=1 rewrites)."""
    agreement = load_agreement(examples_dir / "agreements" / f"{name}.yaml")
    outputs = {
        f"{name}.md": render_markdown(agreement),
        f"{name}.sbs.md": render_markdown(agreement, side_by_side=True),
        f"{name}.sbs.html": render_html(agreement, side_by_side=True),
    }
    for fname, text in outputs.items():
        golden = GOLDEN / fname
        if UPDATE:
            GOLDEN.mkdir(exist_ok=True)
            golden.write_text(text, encoding="utf-8")
        assert golden.read_text(encoding="utf-8") == text, f"{fname} differs from its golden file"


def test_render_is_deterministic(examples_dir: Path) -> None:
    """The same file renders byte-identically twice."""
    path = examples_dir / "agreements" / "paris_declaration_2026.yaml"
    assert render_html(load_agreement(path), True) == render_html(load_agreement(path), True)


def test_render_carries_source_references(examples_dir: Path) -> None:
    """Numbered articles in plain language, each clause with its source."""
    text = render_markdown(load_agreement(examples_dir / "agreements" / "us_ukraine_bsa_2024.yaml"))
    assert "## Article 1. Parties and roles" in text
    assert "where possible within 24 hours of a request (elapsed time)" in text
    assert "termination takes effect 6 months after written notice" in text
    assert "*Source:* Bilateral Security Agreement" in text


def test_paris_diff_shows_backstop_change(examples_dir: Path) -> None:
    """Draft → final: the Pentagon commitment became 'proposed support from the United States'."""
    old = load_agreement(examples_dir / "agreements" / "paris_declaration_2026_draft.yaml")
    new = load_agreement(examples_dir / "agreements" / "paris_declaration_2026.yaml")
    changes = {(c.section, c.clause, c.field): c for c in diff_agreements(old, new)}
    text = changes[("pledges", "us-backstop", "text")]
    assert "commitment from the Pentagon" in text.old
    assert "proposed support from the United States" in text.new
    assert changes[("pledges", "us-backstop", "status")].new == "proposed"
    assert all(c.clause in ("us-backstop", "paris-declaration-2026") for c in changes.values())


def _diff(examples_dir: Path, old: str, new: str) -> dict[tuple[str, str, str], Any]:
    a = load_agreement(examples_dir / "agreements" / old)
    b = load_agreement(examples_dir / "agreements" / new)
    return {(c.section, c.clause, c.field): c for c in diff_agreements(a, b)}


def test_the_2025_variants_diff_clause_by_clause(examples_dir: Path) -> None:
    """August statements -> 28-point plan -> 20-point framework: what each version changed."""
    aug_28 = _diff(examples_dir, "aug2025_article5_like.yaml", "peace_plan_28_points_2025_11.yaml")
    added = {(s, c) for (s, c, f), ch in aug_28.items() if ch.kind == "added"}
    assert {("standing", "ua-army-cap"), ("ladder", "sanctions-snapback")} <= added
    assert ("forfeitures", "ua-invades-russia") in added
    assert aug_28[("obligations", "ru-legislative-commitment", "what")].kind == "changed"
    p28_20 = _diff(
        examples_dir, "peace_plan_28_points_2025_11.yaml", "peace_framework_20_points_2025_12.yaml"
    )
    cap = p28_20[("standing", "ua-army-cap", "ceiling.limit")]
    assert (cap.old, cap.new) == (600000.0, 800000.0)
    assert p28_20[("standing", "fighters-in-poland", "")].kind == "removed"
    assert p28_20[("standing", "line-surveillance", "")].kind == "added"
    assert p28_20[("lifecycle", "term", "")].kind == "added"  # 15 years, from Mar-a-Lago
    draft = _diff(
        examples_dir, "peace_plan_28_points_2025_11.yaml", "us_draft_framework_2025_11_21.yaml"
    )
    assert draft[("determinations", "attack-determination", "")].kind == "added"
    assert draft[("bodies", "jam", "")].kind == "added"


def test_no_nato_troops_in_ukraine_under_the_28_point_plan(examples_dir: Path) -> None:
    """Point 8 rules out NATO troops in Ukraine: no brigade is placed there, fighters go to Poland."""
    a = load_agreement(examples_dir / "agreements" / "peace_plan_28_points_2025_11.yaml")
    assert not [p for p in a.pledges if p.location.value == "beneficiary_territory"]
    needs = [n for s in a.ladder.steps for n in s.needs] + [n for s in a.standing for n in s.needs]
    assert not [n for n in needs if n.where.value == "beneficiary_territory"]
    assert any(o.id == "no-nato-troops" for o in a.obligations)


def test_sanctions_snapback_runs_through_eu_unanimity(examples_dir: Path) -> None:
    """The plans say sanctions 'will be reinstated'; for the EU that is a unanimous Council decision."""
    from guarantor.model.decisions import Consensus, blockers

    for name in ("peace_plan_28_points_2025_11.yaml", "peace_framework_20_points_2025_12.yaml"):
        a = load_agreement(examples_dir / "agreements" / name)
        step = next(s for s in a.ladder.steps if s.id == "sanctions-snapback")
        assert step.sanctions is not None and not step.sanctions.automatic
        proc = a.procedure(step.sanctions.decided_by or "")
        assert isinstance(proc, Consensus) and proc.unanimity
        assert "HU" in a.expand(sorted(blockers(proc, list(a.body("eu-council").members))))


def test_minsk_sanctions_go_through_the_eu_council_not_the_bundestag(examples_dir: Path) -> None:
    """German and French sanctions are EU Council decisions (unanimity of 28), not national votes."""
    a = load_agreement(examples_dir / "agreements" / "minsk2_era_guarantee.yaml")
    assert not any(
        c.kind == "subject_to_vote" for p in a.pledges for c in p.caveats if p.party == "DE"
    )
    step = next(s for s in a.ladder.steps if s.id == "eu-sanctions-step")
    assert step.through_body == "eu-council" and set(step.must) == {"FR", "DE"}
    assert len(a.expand(["EU28"])) == 28


def test_roundtrip_examples(examples_dir: Path) -> None:
    """Every example survives model → YAML → model unchanged."""
    for path in _agreements(examples_dir):
        a = load_agreement(path)
        text = yaml.safe_dump(
            a.model_dump(mode="json", by_alias=True, exclude_defaults=True), sort_keys=False
        )
        assert load_spec_text(text, "roundtrip.yaml").agreement == a
