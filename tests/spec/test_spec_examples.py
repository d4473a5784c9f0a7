"""The encoded instruments: exact lint findings, golden renders, schema, diff, round trip."""

from __future__ import annotations

import json
import os
from pathlib import Path

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
        ("GT104", 3),  # no attribution body
        ("GT108", 3),  # no contributions
        ("GT114", 3),  # no monitoring
        ("GT111", 8),  # politically binding
        ("GT113", 73),  # no trigger for conventional attack
        ("GT101", 92),  # para 6: nothing measurable
        ("GT103", 115),  # consultation: no deadline, no venue
        ("GT102", 134),  # UNSC: the obligor holds a veto
    ],
    "nato_arts_4_6.yaml": [("GT108", 3), ("GT114", 3), ("GT103", 155)],
    "us_ukraine_bsa_2024.yaml": [("GT104", 2), ("GT114", 2), ("GT115", 81), ("GT107", 111)],
    "paris_declaration_2026.yaml": [("GT111", 8)],
    "paris_declaration_2026_draft.yaml": [("GT111", 9)],
    "aug2025_article5_like.yaml": [("GT111", 8)],
    "minsk2_era_guarantee.yaml": [("GT111", 12)],
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


def test_roundtrip_examples(examples_dir: Path) -> None:
    """Every example survives model → YAML → model unchanged."""
    for path in _agreements(examples_dir):
        a = load_agreement(path)
        text = yaml.safe_dump(
            a.model_dump(mode="json", by_alias=True, exclude_defaults=True), sort_keys=False
        )
        assert load_spec_text(text, "roundtrip.yaml").agreement == a
