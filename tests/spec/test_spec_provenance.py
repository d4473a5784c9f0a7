"""The encoded instruments are graded honestly: every clause and graded part has a grade and a
citation or a reason; `text` quotes appear in the cited document's recorded text; nothing the
encoding chose is presented as a commitment."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from guarantor.model import Agreement
from guarantor.model.common import Grade
from guarantor.model.pledges import PledgeStatus
from guarantor.rules.provenance import as_written, grade_counts, graded_parts
from guarantor.spec.load import load_agreement

_MARKS = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "–": "-", "—": "-", "…": "..."})


def _norm(text: str) -> str:
    return " ".join(text.translate(_MARKS).split()).casefold().strip(" '\"")


def _quoted(quote: str, text: str) -> bool:
    """The quote's pieces (split at ellipses) appear in order in the recorded text."""
    hay, at = _norm(text), 0
    for piece in (p.strip(" '\"") for p in re.split(r"\[\.\.\.\]|\.\.\.", _norm(quote))):
        if piece:
            found = hay.find(piece, at)
            if found < 0:
                return False
            at = found + len(piece)
    return True


def _examples(examples_dir: Path) -> list[Path]:
    return sorted((examples_dir / "agreements").glob("*.yaml"))


def _problems(a: Agreement) -> list[str]:
    out = []
    instrument = a.source.doc if a.source is not None else None
    for part in graded_parts(a):
        prov, where = part.provenance, "/".join(str(x) for x in part.path)
        if prov.grade is None:
            out.append(f"{where}: no grade")
        elif prov.grade is Grade.assumed and not (prov.reason or "").strip():
            out.append(f"{where}: assumed without a reason")
        elif prov.grade in (Grade.official, Grade.reported) and prov.doc is None:
            out.append(f"{where}: {prov.grade.value} without a document")
        elif prov.grade is Grade.text:
            doc = prov.doc or instrument
            recorded = a.documents[doc].text if doc in a.documents else None
            if not prov.quote:
                out.append(f"{where}: text without a quote")
            elif recorded is None:
                out.append(f"{where}: text citing {doc!r}, whose text is not recorded")
            elif not _quoted(prov.quote, recorded):
                out.append(f"{where}: quote not in the recorded text of {doc!r}: {prov.quote!r}")
        if prov.doc is not None and prov.doc not in a.documents:
            out.append(f"{where}: cites undefined document {prov.doc!r}")
    return out


def test_every_clause_of_every_example_is_graded_and_cited(examples_dir: Path) -> None:
    """No ungraded clause, no reasonless assumption, no uncited official fact, no false quote."""
    found = {p.name: _problems(load_agreement(p)) for p in _examples(examples_dir)}
    assert {name: probs for name, probs in found.items() if probs} == {}


def test_no_assumed_quantity_is_a_commitment(examples_dir: Path) -> None:
    """A pledge whose quantity is the encoding's choice says so (status assumed), never committed."""
    for path in _examples(examples_dir):
        a = load_agreement(path)
        for p in a.pledges:
            grade = p.source.grade if p.source is not None else None
            if grade is Grade.assumed:
                assert p.status is PledgeStatus.assumed, (path.name, p.id)
            if p.status is PledgeStatus.committed:
                assert grade in (Grade.text, Grade.official), (path.name, p.id, grade)


def test_nobody_who_did_not_sign_is_committed(examples_dir: Path) -> None:
    """Paris 2026: the US did not sign, so none of its pledges is committed."""
    for name in ("paris_declaration_2026.yaml", "paris_declaration_2026_draft.yaml"):
        a = load_agreement(examples_dir / "agreements" / name)
        us = [p for p in a.pledges if p.party == "US"]
        assert us, name
        if name == "paris_declaration_2026.yaml":
            assert all(p.status is not PledgeStatus.committed for p in us)


@pytest.mark.parametrize(
    "name",
    [
        "aug2025_article5_like.yaml",
        "paris_declaration_2026.yaml",
        "us_draft_framework_2025_11_21.yaml",
        "peace_plan_28_points_2025_11.yaml",
        "peace_framework_20_points_2025_12.yaml",
    ],
)
def test_as_written_drops_what_the_encoding_assumed(examples_dir: Path, name: str) -> None:
    """The agreement as written has no assumed part left, and still loads."""
    a = load_agreement(examples_dir / "agreements" / name)
    counts = grade_counts(a)
    assert counts["assumed"] > 0 and counts["ungraded"] == 0
    written = as_written(a)
    assert grade_counts(written)["assumed"] == 0
    assert not [p for p in written.pledges if p.status is PledgeStatus.assumed]
