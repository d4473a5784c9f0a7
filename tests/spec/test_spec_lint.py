"""Lint rules on small hand-written agreements: each rule fires where it should and only there.

Each agreement is a few lines of YAML; `_check` writes it to a file and returns the findings of
`guarantor check` (both views, located), so every test also exercises the located paths.
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.spec.test_spec_roundtrip import agreements

from guarantor.spec.check import check_file, check_loaded
from guarantor.spec.codes import CODES
from guarantor.spec.findings import Finding, Severity, View
from guarantor.spec.grades import normalise, quote_found
from guarantor.spec.load import load_spec_text

DOCS = Path(__file__).resolve().parents[2] / "docs" / "spec.md"

HEAD = """\
id: t
title: T
nature: treaty
documents:
  d: {title: The instrument, text: "The Parties shall consult promptly. Each Party will assist by such action as it deems necessary."}
source: {doc: d}
parties:
  - {id: US, name: United States}
  - {id: UK, name: United Kingdom}
  - {id: FR, name: France}
  - {id: UA, name: Ukraine}
  - {id: RU, name: Russia}
roles:
  - {party: RU, role: obligor}
  - {party: UA, role: beneficiary}
  - {party: US, role: guarantor}
  - {party: UK, role: guarantor}
"""

OK = "{grade: official, doc: d}"


def _check(tmp_path: Path, body: str, name: str = "a.yaml") -> list[Finding]:
    path = tmp_path / name
    path.write_text(HEAD + textwrap.dedent(body), encoding="utf-8")
    return check_file(path)


def _of(findings: list[Finding], code: str, view: View | None = None) -> list[Finding]:
    return [f for f in findings if f.code == code and (view is None or f.view is view)]


# --- GT101, GT116: levels that cannot be established --------------------------------------------


def test_narrative_level_is_gt101_and_says_nobody_settles_it(tmp_path: Path) -> None:
    found = _check(
        tmp_path,
        f"""\
        triggers:
          - id: words
            source: {OK}
            levels:
              - level: consult
                when: {{narrative: {{text: a question arises}}}}
        """,
    )
    [gt101] = _of(found, "GT101", View.as_encoded)
    assert "no determination can settle it" in gt101.message
    assert gt101.line == 23  # the `when` of the level
    assert not _of(found, "GT116")  # not reported twice


def test_unknown_only_level_without_determination_is_gt116(tmp_path: Path) -> None:
    found = _check(
        tmp_path,
        f"""\
        triggers:
          - id: nuclear
            source: {OK}
            levels:
              - level: invoke
                when: {{armed_attack: {{weapons: nuclear}}}}
        """,
    )
    [gt116] = _of(found, "GT116", View.as_encoded)
    assert "that nuclear weapons were used" in gt116.message
    assert gt116.severity is Severity.error and gt116.line == 22  # the level


def test_a_determination_makes_an_unknown_level_establishable(tmp_path: Path) -> None:
    found = _check(
        tmp_path,
        f"""\
        bodies:
          - {{id: b, name: Board, members: [US, UK], source: {OK}}}
        triggers:
          - id: deliberate
            source: {OK}
            determination: det
            levels:
              - level: invoke
                when: {{armed_attack: {{by: [RU], deliberate: true}}}}
        determinations:
          - {{id: det, body: b, triggers: [deliberate], source: {OK}}}
        """,
    )
    assert not _of(found, "GT116")
    assert not _of(found, "GT113")  # covered: unknown in a conventional attack, with a resolver


def test_gt113_needs_a_trigger_for_conventional_attack_or_seizure(tmp_path: Path) -> None:
    nuclear = _check(
        tmp_path,
        f"""\
        triggers:
          - id: n
            source: {OK}
            levels: [{{level: invoke, when: {{armed_attack: {{weapons: nuclear}}}}}}]
        """,
    )
    assert _of(nuclear, "GT113", View.as_written) and _of(nuclear, "GT113", View.as_encoded)
    seizure = _check(
        tmp_path,
        f"""\
        agreed_line: {{id: line, drawn: the line of contact, published: true, source: {OK}}}
        triggers:
          - id: s
            source: {OK}
            levels: [{{level: invoke, when: {{territorial_seizure: {{by: [RU]}}}}}}]
        """,
        "s.yaml",
    )
    assert not _of(seizure, "GT113")


# --- the two views: assumed values are not the text's ---------------------------------------------


def test_an_assumed_deadline_does_not_make_the_text_lint_better(tmp_path: Path) -> None:
    """A proposal whose encoding assumes a 24-hour limit is judged, as written, without it."""
    proposal = _check(
        tmp_path,
        f"""\
        obligations:
          - id: consult
            party: [US, UK]
            modality: must
            action: consult
            what: consult
            venue: a leaders' call
            deadline: {{within: 24 hours, source: {{grade: assumed, reason: follows 2024 practice}}}}
            source: {OK}
        """,
    )
    assert _of(proposal, "GT103", View.as_written)
    assert not _of(proposal, "GT103", View.as_encoded)
    documented = _check(
        tmp_path,
        f"""\
        obligations:
          - id: consult
            party: [US, UK]
            modality: must
            action: consult
            what: consult
            venue: the Council
            deadline: {{within: 24 hours, source: {{grade: official, doc: d, reason: NAC practice}}}}
            source: {OK}
        """,
        "nato.yaml",
    )
    assert not _of(documented, "GT103")  # a cited practice is not an assumption


def test_written_findings_are_located_in_the_file_past_removed_clauses(tmp_path: Path) -> None:
    """As written drops the assumed pledge; the next pledge's finding still points at its line."""
    found = _check(
        tmp_path,
        f"""\
        pledges:
          - {{id: guess, party: US, capability: c, quantity: 1, source: {{grade: assumed, reason: r}}}}
          - {{id: offer, party: US, capability: c, quantity: 1, status: proposed, source: {OK}}}
          - {{id: brigade, party: UK, capability: c, quantity: 1, depends_on: [offer], source: {OK}}}
        """,
    )
    [gt120] = _of(found, "GT120")
    assert gt120.view is View.as_written
    assert gt120.path == ("pledges", 2, "depends_on")  # index 1 in the written view
    assert gt120.line == 21  # the pledge 'brigade'
    assert "'offer', which is only proposed" in gt120.message


# --- GT117: discretionary assistance -------------------------------------------------------------

TRIGGER = textwrap.indent(
    f"""\
triggers:
  - id: attack
    source: {OK}
    levels: [{{level: invoke, when: {{armed_attack: {{by: [RU]}}}}}}]
""",
    " " * 8,  # as indented as the bodies it is joined to (`_check` dedents them together)
)


def test_only_may_behind_the_trigger_is_discretionary(tmp_path: Path) -> None:
    found = _check(
        tmp_path,
        TRIGGER
        + f"""\
        ladder:
          steps:
            - {{id: help, order: 1, action: help, at_level: invoke, triggers: [attack], may: [US], source: {OK}}}
        """,
    )
    [gt117] = _of(found, "GT117")
    assert gt117.view is View.as_written and "step 'help' (may)" in gt117.message


def test_each_party_as_it_deems_necessary_is_discretionary(tmp_path: Path) -> None:
    found = _check(
        tmp_path,
        TRIGGER
        + f"""\
        procedures:
          - {{id: deems, kind: each_party, source: {OK}}}
        ladder:
          steps:
            - {{id: assist, order: 1, action: assist, at_level: invoke, triggers: [attack], must: [US, UK], procedure: deems, source: {OK}}}
        """,
    )
    [gt117] = _of(found, "GT117")
    assert "as it deems necessary" in gt117.message


def test_a_binding_step_is_not_discretionary(tmp_path: Path) -> None:
    found = _check(
        tmp_path,
        TRIGGER
        + f"""\
        ladder:
          steps:
            - {{id: defend, order: 1, action: defend, at_level: invoke, triggers: [attack], must: [US], source: {OK}}}
        """,
    )
    assert not _of(found, "GT117")


def test_consultation_only_promises_no_assistance(tmp_path: Path) -> None:
    found = _check(
        tmp_path,
        f"""\
        triggers:
          - id: attack
            source: {OK}
            levels: [{{level: consult, when: {{armed_attack: {{by: [RU]}}}}}}]
        ladder:
          steps:
            - {{id: meet, order: 1, action: meet, at_level: consult, triggers: [attack], must: [US, UA], source: {OK}}}
        """,
    )
    [gt117] = _of(found, "GT117")
    assert "nothing beyond consultation is promised" in gt117.message


# --- GT118: hold-out veto -----------------------------------------------------------------------


def test_consensus_lets_one_member_hold_out(tmp_path: Path) -> None:
    found = _check(
        tmp_path,
        f"""\
        procedures:
          - {{id: cons, kind: consensus, source: {OK}}}
          - {{id: potus, kind: unilateral_after_consultation, decider: US, source: {OK}}}
        bodies:
          - {{id: council, name: Council, members: [US, UK, FR], procedure: cons, source: {OK}}}
        determinations:
          - {{id: det, body: council, source: {OK}}}
        ladder:
          steps:
            - {{id: respond, order: 1, action: respond, must: [US], procedure: potus, source: {OK}}}
        """,
    )
    held = {f.message for f in _of(found, "GT118", View.as_written)}
    assert "determination 'det' by 'council': FR, UK, US can each block it alone" in held
    assert "step 'respond' is decided by procedure 'potus': US alone decides" in held


def test_the_obligors_veto_is_gt102_not_a_holdout(tmp_path: Path) -> None:
    found = _check(
        tmp_path,
        f"""\
        bodies:
          - {{id: unsc, name: Security Council, members: [US, RU], veto: [RU], source: {OK}}}
        ladder:
          steps:
            - {{id: seek, order: 1, action: seek action, must: [US], through_body: unsc, source: {OK}}}
        """,
    )
    assert "RU can block it" in _of(found, "GT102")[0].message
    assert not _of(found, "GT118")


# --- GT119: self-enforcement --------------------------------------------------------------------

PROMISE = f"""\
obligations:
  - {{id: no-force, party: [RU], modality: must_not, action: refrain, what: use force, source: {OK}, monitored_by: watch}}
"""


def test_an_obligors_promise_nobody_checks(tmp_path: Path) -> None:
    found = _check(tmp_path, PROMISE.replace(", monitored_by: watch", ""))
    [gt119] = _of(found, "GT119")
    assert gt119.message == "obligation 'no-force' binds RU, and nobody verifies or enforces it"


def test_an_obligor_that_monitors_itself(tmp_path: Path) -> None:
    found = _check(
        tmp_path,
        PROMISE + f"monitoring:\n  - {{id: watch, monitor: [RU], source: {OK}}}\n",
    )
    [gt119] = _of(found, "GT119")
    assert "nobody but the party bound" in gt119.message


def test_a_promise_another_party_monitors(tmp_path: Path) -> None:
    found = _check(
        tmp_path,
        PROMISE + f"monitoring:\n  - {{id: watch, monitor: [US], source: {OK}}}\n",
    )
    assert not _of(found, "GT119")


# --- GT120: dependence on the unbound -------------------------------------------------------------


def test_a_pledge_resting_on_an_assumed_pledge(tmp_path: Path) -> None:
    found = _check(
        tmp_path,
        f"""\
        pledges:
          - {{id: backstop, party: US, capability: c, quantity: 1, status: assumed, source: {{grade: assumed, reason: nobody said}}}}
          - {{id: brigade, party: UK, capability: c, quantity: 1, depends_on: [backstop], source: {OK}}}
        """,
    )
    [gt120] = _of(found, "GT120")
    assert "which is assumed by the encoding" in gt120.message


def test_a_step_binding_a_non_signatory(tmp_path: Path) -> None:
    found = _check(
        tmp_path,
        f"""\
        lifecycle:
          parties:
            - {{party: UK, signed: 2026-01-06}}
            - {{party: UA, signed: 2026-01-06}}
        ladder:
          steps:
            - {{id: s, order: 1, action: act, must: [US, UK], source: {OK}}}
        """,
    )
    [gt120] = _of(found, "GT120")
    assert gt120.message == "step 's' binds US, which has not signed"


# --- GT121: the agreed line -----------------------------------------------------------------------

SEIZURE = f"""\
triggers:
  - id: s
    source: {OK}
    levels: [{{level: invoke, when: {{territorial_seizure: {{by: [RU], min_area_km2: 10}}}}}}]
"""


def test_an_undefined_agreed_line(tmp_path: Path) -> None:
    [gt121] = _of(_check(tmp_path, SEIZURE), "GT121")
    assert "does not define" in gt121.message and gt121.line == 21


def test_an_unpublished_agreed_line(tmp_path: Path) -> None:
    line = f"agreed_line: {{id: line, drawn: the contact line at the ceasefire, source: {OK}}}\n"
    [gt121] = _of(_check(tmp_path, line + SEIZURE), "GT121")
    assert "whose course is not published" in gt121.message


def test_a_published_agreed_line(tmp_path: Path) -> None:
    line = (
        f"agreed_line: {{id: line, drawn: the line, map: https://example.org/line, source: {OK}}}\n"
    )
    assert not _of(_check(tmp_path, line + SEIZURE), "GT121")


# --- GT122: the share of assumptions ----------------------------------------------------------------


def test_the_share_of_assumed_clauses_is_reported(tmp_path: Path) -> None:
    found = _check(
        tmp_path,
        f"""\
        pledges:
          - {{id: a, party: US, capability: c, quantity: 1, source: {{grade: assumed, reason: r}}}}
          - {{id: b, party: UK, capability: c, quantity: 1, source: {OK}}}
        """,
    )
    [gt122] = _of(found, "GT122")
    assert gt122.severity is Severity.info
    assert gt122.message.startswith("1 of 2 clauses and graded parts (50%)")


# --- GT201-GT206: provenance of the encoding ----------------------------------------------------------


def test_provenance_errors_are_located(tmp_path: Path) -> None:
    found = _check(
        tmp_path,
        """\
        pledges:
          - {id: p1, party: US, capability: c, quantity: 1}
          - {id: p2, party: US, capability: c, quantity: 1, source: {grade: assumed}}
          - {id: p3, party: US, capability: c, quantity: 1, source: {grade: text, doc: d}}
          - {id: p4, party: US, capability: c, quantity: 1, source: {grade: reported}}
          - {id: p5, party: US, capability: c, quantity: 1, source: {grade: text, doc: d, quote: "shall defend at once"}}
          - {id: p6, party: US, capability: c, quantity: 1, assumed: {readiness: ''}, source: {grade: official, doc: d}}
        """,
    )
    got = {(f.code, f.line) for f in found if f.code.startswith("GT2")}
    assert got == {
        ("GT201", 19),
        ("GT202", 20),
        ("GT203", 21),
        ("GT204", 22),
        ("GT205", 23),
        ("GT202", 24),
    }
    assert all(f.view is View.as_encoded for f in found if f.code.startswith("GT2"))


def test_a_text_grade_needs_a_document_somewhere(tmp_path: Path) -> None:
    path = tmp_path / "a.yaml"
    path.write_text(
        HEAD.replace("source: {doc: d}\n", "")
        + "pledges:\n  - {id: p, party: US, capability: c, quantity: 1, source: {grade: text, quote: q}}\n",
        encoding="utf-8",
    )
    [gt204] = _of(check_file(path), "GT204")
    assert "the agreement names none" in gt204.message


def test_an_unknown_document_in_a_graded_part_is_gt001(tmp_path: Path) -> None:
    found = _check(
        tmp_path,
        f"""\
        triggers:
          - id: t
            source: {OK}
            levels:
              - {{level: invoke, when: {{armed_attack: {{}}}}, source: {{grade: official, doc: nowhere}}}}
        """,
    )
    [gt001] = _of(found, "GT001", View.as_encoded)
    assert gt001.message == "unknown document 'nowhere'" and gt001.line == 22


def test_quotes_are_compared_after_normalising() -> None:
    text = "The Parties  shall\nconsult — promptly.  “Each” Party will assist."
    assert quote_found('"the parties shall consult - promptly"', text)
    assert quote_found("The Parties shall … promptly", text)
    assert quote_found('parties [...] "each" party', text)
    assert not quote_found("promptly ... The Parties", text)  # pieces in order
    assert not quote_found("The Parties shall not consult", text)
    assert normalise("‘a’\u00a0 “b”") == "'a' \"b\""


def test_a_recorded_text_file_is_read_beside_the_agreement(tmp_path: Path) -> None:
    (tmp_path / "texts").mkdir()
    (tmp_path / "texts" / "d.txt").write_text("They shall meet within a day.", encoding="utf-8")
    head = HEAD.replace(
        'd: {title: The instrument, text: "The Parties shall consult promptly. Each Party will assist by such action as it deems necessary."}',
        "d: {title: The instrument, text_file: texts/d.txt}\n  gone: {title: Lost, text_file: texts/none.txt}",
    )
    path = tmp_path / "a.yaml"
    path.write_text(
        head
        + "pledges:\n"
        + "  - {id: p, party: US, capability: c, quantity: 1, source: {grade: text, quote: shall meet within a day}}\n"
        + "  - {id: q, party: US, capability: c, quantity: 1, source: {grade: text, quote: shall meet at once}}\n",
        encoding="utf-8",
    )
    found = check_file(path)
    assert [f.line for f in _of(found, "GT205")] == [21]
    [gt206] = _of(found, "GT206")
    assert "texts/none.txt" in gt206.message and "no such file" in gt206.message


# --- GT005: waiting on itself ----------------------------------------------------------------------


def test_steps_whose_preconditions_wait_on_each_other(tmp_path: Path) -> None:
    found = _check(
        tmp_path,
        f"""\
        ladder:
          steps:
            - {{id: a, order: 1, action: a, must: [US], preconditions: [b], source: {OK}}}
            - {{id: b, order: 2, action: b, must: [US], preconditions: [a], source: {OK}}}
            - {{id: c, order: 3, action: c, must: [US], preconditions: [c], source: {OK}}}
        """,
    )
    cycles = {f.message for f in _of(found, "GT005", View.as_encoded)}
    assert cycles == {
        "'a' waits on itself: a waits on b waits on a",
        "'c' waits on itself: c waits on c",
    }


def test_obligations_that_follow_each_other(tmp_path: Path) -> None:
    found = _check(
        tmp_path,
        f"""\
        obligations:
          - {{id: o1, party: [US], modality: must, action: report, what: x, hence: [o2], source: {OK}}}
          - {{id: o2, party: [US], modality: must, action: report, what: y, hence: [o1], source: {OK}}}
        """,
    )
    assert len(_of(found, "GT005", View.as_encoded)) == 1


# --- words: no default phrased as if the text said it -------------------------------------------------


def test_words_leave_defaults_out(tmp_path: Path) -> None:
    from guarantor.spec.render import render_markdown

    text = render_markdown(
        load_spec_text(
            HEAD
            + f"""\
triggers:
  - id: t
    source: {OK}
    levels:
      - level: consult
        when: {{armed_attack: {{by: [RU], intensity: {{min_events: 3}}}}}}
      - level: invoke
        when: {{armed_attack: {{by: [RU], min_attribution: 0.8, sustained: 36 hours, intensity: {{window: 7 days, min_events: 9}}}}}}
""",
            "w.yaml",
        ).agreement
    )
    assert (
        "on an armed attack, attributed to Russia, with 3 or more events within 1 day "
        "(the default window)." in text
    )
    assert "attribution confidence of at least 0," not in text
    assert (
        "with attribution confidence of at least 0.8, with 9 or more events within 7 days, sustained for 2 days"
        in text
    )


# --- the whole: every code documented, nothing crashes -------------------------------------------------


def test_every_code_is_documented_with_its_severity() -> None:
    """docs/spec.md lists every code with its severity and views."""
    docs = DOCS.read_text(encoding="utf-8")
    for code, c in CODES.items():
        views = "both" if len(c.views) == 2 else next(iter(c.views)).value
        assert f"| {code} | {c.severity.value} | {views} |" in docs, code


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(agreements())
def test_check_never_crashes_and_locates_every_finding(doc: dict[str, object]) -> None:
    """Any valid agreement is checked in both views and every finding has a position."""
    import yaml

    spec = load_spec_text(yaml.safe_dump(doc, allow_unicode=True), "generated.yaml", strict=False)
    result = check_loaded(spec)
    assert all(f.line is not None and f.column is not None for f in result.findings)
    assert sum(result.provenance.values()) == sum(1 for _ in spec.agreement.clauses()) + sum(
        len(c.assumed) for _, c in spec.agreement.clauses()
    ) + sum(1 for t in spec.agreement.triggers for lv in t.levels if lv.source is not None)


GRADES = st.sampled_from(
    [
        None,
        {"grade": "assumed", "reason": "r"},
        {"grade": "official", "doc": "d"},
        {"grade": "text", "doc": "d", "quote": "shall consult"},
        {"grade": "text", "doc": "d", "quote": "words nobody wrote"},
        {"grade": "assumed"},
    ]
)


@st.composite
def graded_agreements(draw: st.DrawFn) -> dict[str, Any]:
    """Random agreements whose clauses, levels and deadlines carry random grades."""
    doc = draw(agreements())
    doc["documents"] = {"d": {"title": "D", "text": "The Parties shall consult."}}

    def grade(item: dict[str, Any]) -> None:
        g = draw(GRADES)
        if g is not None:
            item["source"] = g

    for section in ("triggers", "pledges", "obligations"):
        for item in doc[section]:
            grade(item)
    for t in doc["triggers"]:
        for lv in t["levels"]:
            grade(lv)
    for o in doc["obligations"]:
        grade(o["deadline"])
        if draw(st.booleans()):
            o["assumed"] = {"venue": draw(st.sampled_from(["why", ""]))}
    for p in doc["pledges"]:
        p["status"] = draw(st.sampled_from(["committed", "proposed", "assumed"]))
        if doc["pledges"] and draw(st.booleans()):
            p["depends_on"] = [draw(st.sampled_from([q["id"] for q in doc["pledges"]]))]
    return doc


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(graded_agreements())
def test_both_views_of_graded_agreements_never_crash(doc: dict[str, Any]) -> None:
    """Whatever is assumed, the written view is a valid agreement and every finding is located."""
    import yaml

    spec = load_spec_text(yaml.safe_dump(doc, allow_unicode=True), "graded.yaml", strict=False)
    result = check_loaded(spec)
    assert all(f.line is not None for f in result.findings)
    written = [f for f in result.findings if f.view is View.as_written]
    assert not [f for f in written if f.code.startswith("GT2")]  # provenance is the file's
    assert sum(result.provenance.values()) >= len(list(spec.agreement.clauses()))


@pytest.mark.parametrize("view", list(View))
def test_findings_say_their_view(tmp_path: Path, view: View) -> None:
    found = _check(tmp_path, "")
    assert any(f.view is view for f in found)
    assert all(f.as_dict()["view"] in ("as_written", "as_encoded") for f in found)
