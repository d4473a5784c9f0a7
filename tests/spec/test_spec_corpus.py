"""A corpus of malformed and inconsistent specs: each gives its precise message and exit code."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.spec.clirun import run_cli

BASE = """\
id: t
title: T
nature: treaty
parties:
  - {id: US, name: United States}
  - {id: UA, name: Ukraine}
  - {id: RU, name: Russia}
roles:
  - {party: RU, role: obligor}
"""

# (name, text or bytes, command, expected exit code, expected fragments of stderr)
CASES: list[tuple[str, str | bytes, str, int, list[str]]] = [
    ("empty", "", "check", 2, ["the file is empty", ":1:1"]),
    ("whitespace", "  \n\n", "check", 2, ["the file is empty"]),
    ("binary", b"\x89PNG\r\n\x1a\n\x00\x00\x00IHDR", "check", 2, ["binary data"]),
    ("latin1", "id: t\ntitle: Caf\xe9\n".encode("latin-1"), "check", 2, ["not UTF-8", ":2:11"]),
    ("list-top", "- a\n- b\n", "check", 2, ["the top level is a list"]),
    ("scalar-top", "hello\n", "check", 2, ["the top level is a plain text"]),
    ("tab-indent", "id: t\n\ttitle: x\n", "check", 2, ["YAML syntax error", ":2:1"]),
    ("unclosed-flow", "id: t\nparties: [{id: US\n", "check", 2, ["YAML syntax error"]),
    (
        "bad-indent",
        "id: t\n  title: x\n nature: treaty\n",
        "check",
        2,
        ["YAML syntax error", ":2:"],
    ),
    ("duplicate-key", BASE + "title: again\n", "check", 2, ["duplicate key 'title'", ":10:1"]),
    (
        "unknown-top-key",
        BASE + "tittle: x\n",
        "check",
        2,
        ["unknown key 'tittle'", "did you mean 'title'", ":10:1"],
    ),
    (
        "missing-nature",
        "id: t\ntitle: T\nparties: [{id: US, name: U}]\n",
        "check",
        2,
        ["missing required key 'nature'"],
    ),
    (
        "wrong-nature",
        BASE.replace("nature: treaty", "nature: binding"),
        "check",
        2,
        ["nature", "Input should be", ":3:9"],
    ),
    (
        "parties-not-list",
        BASE.split("parties:")[0] + "parties: US\n",
        "check",
        2,
        ["parties", "valid list", ":4:10"],
    ),
    (
        "no-parties",
        "id: t\ntitle: T\nnature: treaty\nparties: []\n",
        "check",
        2,
        ["parties", "at least 1"],
    ),
    ("bad-id", BASE.replace("id: t\n", "id: 't t'\n", 1), "check", 2, ["id", "pattern", ":1:5"]),
    (
        "norway-bool",
        BASE + "  - {party: NO, role: guarantor}\n",
        "check",
        2,
        ["got False", "quote the value"],
    ),
    (
        "on-key",
        BASE
        + "obligations:\n  - {id: o, party: [US], modality: must, action: consult, what: x, opened_by: {on: trigger}}\n",
        "check",
        2,
        ["the key 'on' is read by YAML as true"],
    ),
    (
        "unknown-predicate",
        BASE
        + "triggers:\n  - id: t1\n    levels:\n      - level: invoke\n        when: {armed_atack: {}}\n",
        "check",
        2,
        ["a predicate is a mapping with exactly one key", ":14:15"],
    ),
    (
        "two-key-predicate",
        BASE
        + "triggers:\n  - id: t1\n    levels:\n      - level: invoke\n        when: {armed_attack: {}, threat: {}}\n",
        "check",
        2,
        ["exactly one key"],
    ),
    (
        "typo-in-predicate",
        BASE
        + "triggers:\n  - id: t1\n    levels:\n      - level: invoke\n        when:\n          armed_attack: {sustaned: 3 days}\n",
        "check",
        2,
        ["unknown key 'sustaned'", "did you mean 'sustained'", ":15:26"],
    ),
    (
        "bad-level",
        BASE
        + "triggers:\n  - id: t1\n    levels:\n      - level: alarm\n        when: {threat: {}}\n",
        "check",
        2,
        ["level", "'watch', 'consult' or 'invoke'", ":13:16"],
    ),
    (
        "attribution-over-1",
        BASE
        + "triggers:\n  - id: t1\n    levels:\n      - level: invoke\n        when: {armed_attack: {min_attribution: 1.5}}\n",
        "check",
        2,
        ["min_attribution", "less than or equal to 1"],
    ),
    (
        "negative-deadline",
        BASE
        + "obligations:\n  - {id: o, party: [US], modality: must, action: consult, what: x, venue: v, deadline: {within: -24 hours}}\n",
        "check",
        2,
        ["-24 hours", "not a duration"],
    ),
    (
        "negative-number-deadline",
        BASE
        + "obligations:\n  - {id: o, party: [US], modality: must, action: consult, what: x, venue: v, deadline: {within: -3}}\n",
        "check",
        2,
        ["within", "greater than or equal to 0"],
    ),
    (
        "bad-unit",
        BASE
        + "obligations:\n  - {id: o, party: [US], modality: must, action: consult, what: x, venue: v, deadline: {within: 3 fortnights}}\n",
        "check",
        2,
        ["unknown time unit 'fortnights'"],
    ),
    (
        "unitless-deadline",
        BASE
        + "obligations:\n  - {id: o, party: [US], modality: must, action: consult, what: x, venue: v, deadline: {within: 24}}\n",
        "check",
        1,
        ["GT112"],
    ),
    (
        "negative-quantity",
        BASE + "pledges:\n  - {id: p, party: US, capability: x, quantity: -5}\n",
        "check",
        2,
        ["quantity", "greater than or equal to 0", ":11:49"],
    ),
    (
        "quantity-text",
        BASE + "pledges:\n  - {id: p, party: US, capability: x, quantity: lots}\n",
        "check",
        2,
        ["quantity", "valid number"],
    ),
    (
        "unknown-party-pledge",
        BASE + "pledges:\n  - {id: p, party: XX, capability: x, quantity: 1}\n",
        "check",
        1,
        ["GT001"],
    ),
    (
        "unknown-party-pledge-render",
        BASE + "pledges:\n  - {id: p, party: XX, capability: x, quantity: 1}\n",
        "render",
        2,
        ["unknown party 'XX'", "[GT001]", ":11:20"],
    ),
    (
        "dangling-dependency",
        BASE
        + "pledges:\n  - {id: p, party: US, capability: x, quantity: 1, depends_on: [ghost]}\n",
        "check",
        1,
        ["GT001", "GT110"],
    ),
    (
        "dependency-cycle",
        BASE
        + "pledges:\n  - {id: a, party: US, capability: x, quantity: 1, depends_on: [b]}\n  - {id: b, party: US, capability: x, quantity: 1, depends_on: [a]}\n",
        "check",
        1,
        ["GT003"],
    ),
    (
        "dependency-cycle-render",
        BASE
        + "pledges:\n  - {id: a, party: US, capability: x, quantity: 1, depends_on: [b]}\n  - {id: b, party: US, capability: x, quantity: 1, depends_on: [a]}\n",
        "render",
        2,
        ["pledge dependency cycle: a → b → a"],
    ),
    (
        "duplicate-id",
        BASE
        + "pledges:\n  - {id: p, party: US, capability: x, quantity: 1}\n  - {id: p, party: US, capability: y, quantity: 1}\n",
        "render",
        2,
        ["duplicate id 'p'", ":12:"],
    ),
    (
        "unknown-document",
        BASE
        + "pledges:\n  - {id: p, party: US, capability: x, quantity: 1, source: {doc: nowhere}}\n",
        "render",
        2,
        ["unknown document 'nowhere'"],
    ),
    (
        "unknown-trigger-ref",
        BASE
        + "obligations:\n  - {id: o, party: [US], modality: must, action: consult, what: x, venue: v, opened_by: {trigger: ghost}}\n",
        "render",
        2,
        ["unknown trigger 'ghost'"],
    ),
    (
        "impossible-date",
        BASE.replace("nature: treaty", "nature: treaty\ndate: 2025-02-30"),
        "check",
        2,
        ["invalid value '2025-02-30'", ":4:7"],
    ),
    (
        "bad-procedure-kind",
        BASE + "procedures:\n  - {id: p, kind: unanimity}\n",
        "check",
        2,
        ["procedures[0]", "kind"],
    ),
    (
        "unitless-predicate-duration",
        BASE
        + "triggers:\n  - id: t1\n    levels:\n      - level: invoke\n        when: {armed_attack: {sustained: 3}}\n",
        "check",
        2,
        ["3 has no unit", "'3 days' or '3 hours'", ":14:42"],
    ),
    (
        "document-text-twice",
        BASE + "documents:\n  d: {title: D, text: x, text_file: d.txt}\n",
        "check",
        2,
        ["documents.d", "as `text` or as `text_file`, not both"],
    ),
    (
        "ungraded-clause",
        BASE + "pledges:\n  - {id: p, party: US, capability: x, quantity: 1}\n",
        "check",
        1,
        ["GT201", ":11:5", "clause 'p' has no provenance grade"],
    ),
    (
        "assumed-without-reason",
        BASE
        + "pledges:\n  - {id: p, party: US, capability: x, quantity: 1, source: {grade: assumed}}\n",
        "check",
        1,
        ["GT202", "is assumed without a reason"],
    ),
    (
        "text-without-quote",
        BASE
        + "documents:\n  d: {title: D}\npledges:\n  - {id: p, party: US, capability: x, quantity: 1, source: {grade: text, doc: d}}\n",
        "check",
        1,
        ["GT203", "graded text without a quote"],
    ),
    (
        "quote-not-in-document",
        BASE
        + "documents:\n  d: {title: D, text: They shall meet.}\npledges:\n  - {id: p, party: US, capability: x, quantity: 1, source: {grade: text, doc: d, quote: They shall fight.}}\n",
        "check",
        1,
        ["GT205", "is not in the recorded text of 'd'", ":13:"],
    ),
    (
        "level-cites-unknown-document",
        BASE
        + "triggers:\n  - id: t1\n    levels:\n      - {level: invoke, when: {armed_attack: {}}, source: {grade: official, doc: ghost}}\n",
        "check",
        1,
        ["GT001", "unknown document 'ghost'", ":13:"],
    ),
    (
        "level-cites-unknown-document-render",
        BASE
        + "triggers:\n  - id: t1\n    levels:\n      - {level: invoke, when: {armed_attack: {}}, source: {grade: official, doc: ghost}}\n",
        "render",
        2,
        ["unknown document 'ghost'", "[GT001]"],
    ),
    (
        "never-established",
        BASE
        + "triggers:\n  - id: t1\n    levels:\n      - level: invoke\n        when: {armed_attack: {deliberate: true}}\n",
        "check",
        1,
        ["GT116", "can never be established", "that the attack was deliberate", ":13:9"],
    ),
    (
        "step-waits-on-itself",
        BASE
        + "ladder:\n  steps:\n    - {id: s, order: 1, action: a, must: [US], preconditions: [s]}\n",
        "check",
        1,
        ["GT005", "'s' waits on itself: s waits on s", ":12:"],
    ),
    (
        "alias-bomb",
        "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n",
        "check",
        2,
        ["more than 500000 nodes"],
    ),
]


@pytest.mark.parametrize(
    ("name", "text", "command", "code", "fragments"), CASES, ids=[c[0] for c in CASES]
)
def test_malformed_spec(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    name: str,
    text: str | bytes,
    command: str,
    code: int,
    fragments: list[str],
) -> None:
    """Each bad spec gives its precise message, its exit code, and never a traceback."""
    monkeypatch.setenv("COLUMNS", "400")  # findings tables unwrapped, so messages read whole
    path = tmp_path / f"{name}.yaml"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    result = run_cli(capsys, monkeypatch, command, str(path))
    shown = result.err + result.out
    assert result.code == code, shown
    assert "Traceback" not in shown
    flat = " ".join(shown.split())
    for fragment in fragments:
        assert fragment in flat, f"{fragment!r} not in {flat!r}"


def test_corpus_is_large_enough() -> None:
    """The issue asks for at least 30 malformed or inconsistent specs."""
    assert len(CASES) >= 30


def test_fifty_megabyte_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A 50 MB file is refused at once with its size, not parsed for minutes."""
    path = tmp_path / "huge.yaml"
    line = b"- {id: x, name: padding padding padding padding padding}\n"
    with path.open("wb") as fh:
        for _ in range(50 * 1024 * 1024 // len(line) + 1):
            fh.write(line)
    result = run_cli(capsys, monkeypatch, "check", str(path))
    assert result.code == 2
    assert (
        "file is 52.4 MB" in result.err
        or "MB; YAML files read by guarantor are limited" in result.err
    )


def test_missing_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file that does not exist is named."""
    result = run_cli(capsys, monkeypatch, "render", str(tmp_path / "nope.yaml"))
    assert result.code == 2
    assert "nope.yaml: no such file" in result.err


def test_one_bad_file_does_not_hide_others(
    tmp_path: Path,
    examples_dir: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`check` reports findings for good files and still exits 2 for the unusable one."""
    bad = tmp_path / "bad.yaml"
    bad.write_text("", encoding="utf-8")
    good = examples_dir / "agreements" / "budapest_1994.yaml"
    result = run_cli(capsys, monkeypatch, "check", "--format", "json", str(good), str(bad))
    assert result.code == 2
    assert '"GT102"' in result.out
    assert "bad.yaml:1:1: the file is empty" in " ".join(result.err.split())
