"""Lint of the encoding's provenance (GT201-GT206): every clause graded, cited and quoted truly.

Each clause and each part with its own grade (`rules.provenance.graded_parts`) must carry a grade;
`assumed` needs a reason, `text` a quote, `official` and `reported` a cited document. A quote
citing a document whose text is recorded (`documents.<id>.text` or `text_file`) must appear in
it, compared after normalising whitespace, quotation marks, dashes and case; an ellipsis in a
quote ('...', '…', '[...]') stands for omitted words, so the pieces must appear in order.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from guarantor.errors import UserError
from guarantor.model import Agreement
from guarantor.model.common import Grade
from guarantor.rules.provenance import GradedPart, graded_parts
from guarantor.spec.codes import finding
from guarantor.spec.findings import Finding
from guarantor.spec.yamlpos import read_text

P = tuple[str | int, ...]

_MARKS = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "`": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u2033": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u2212": "-",
        "\u2026": "...",
    }
)
_ELLIPSIS = re.compile(r"\s*(?:\[\s*\.\.\.\s*\]|\.\.\.)\s*")


def normalise(text: str) -> str:
    """Text for comparing quotes: one kind of quotation mark and dash, single spaces, no case."""
    text = unicodedata.normalize("NFKC", text).translate(_MARKS)
    return " ".join(text.split()).casefold()


def quote_found(quote: str, text: str) -> bool:
    """True when the quote appears in the text (ellipses standing for omitted words)."""
    pieces = [p.strip(" '\"") for p in _ELLIPSIS.split(normalise(quote).strip(" '\""))]
    haystack = normalise(text)
    at = 0
    for piece in (p for p in pieces if p):
        found = haystack.find(piece, at)
        if found < 0:
            return False
        at = found + len(piece)
    return True


def recorded_texts(a: Agreement, base: Path | None) -> tuple[dict[str, str], list[Finding]]:
    """The recorded text of each document that has one, and a finding per file that cannot be read."""
    texts: dict[str, str] = {}
    out: list[Finding] = []
    for doc_id, doc in sorted(a.documents.items()):
        if doc.text is not None:
            texts[doc_id] = doc.text
        elif doc.text_file is not None:
            path = Path(doc.text_file)
            if not path.is_absolute() and base is not None:
                path = base / path
            try:
                texts[doc_id] = read_text(path)
            except UserError as err:
                out.append(
                    finding(
                        "GT206",
                        ("documents", doc_id, "text_file"),
                        f"document {doc_id!r}: text_file {doc.text_file!r}: {err.message}",
                    )
                )
    return texts, out


def _label(part: GradedPart) -> str:
    prov = part.provenance
    return f"clause {prov.clause!r}" + (f" ({prov.part})" if prov.part else "")


def grade_findings(a: Agreement, base: Path | None = None) -> list[Finding]:
    """Every provenance finding of an encoded agreement; `base` is where `text_file`s lie."""
    texts, out = recorded_texts(a, base)
    instrument = a.source.doc if a.source is not None else None
    for part in graded_parts(a):
        prov = part.provenance
        label = _label(part)
        if prov.grade is None:
            out.append(finding("GT201", part.path, f"{label} has no provenance grade"))
            continue
        doc = prov.doc or (instrument if prov.grade is Grade.text else None)
        if prov.grade is Grade.assumed and not (prov.reason or "").strip():
            out.append(finding("GT202", part.path, f"{label} is assumed without a reason"))
        if prov.grade is Grade.text and not (prov.quote or "").strip():
            out.append(finding("GT203", part.path, f"{label} is graded text without a quote"))
        if prov.grade in (Grade.official, Grade.reported) and prov.doc is None:
            out.append(
                finding(
                    "GT204",
                    part.path,
                    f"{label} is graded {prov.grade.value} but cites no document",
                )
            )
        if prov.grade is Grade.text and doc is None:
            out.append(
                finding(
                    "GT204",
                    part.path,
                    f"{label} is graded text but cites no document, and the agreement names none",
                )
            )
        if prov.quote and doc in texts and not quote_found(prov.quote, texts[doc]):
            out.append(
                finding(
                    "GT205",
                    (*part.path, "quote"),
                    f"{label}: the quote “{prov.quote.strip()}” is not in the recorded text of "
                    f"{doc!r}",
                )
            )
    return out
