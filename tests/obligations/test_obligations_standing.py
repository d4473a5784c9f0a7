"""Standing duties, enactment steps, acts observed by triggers, and the coverage of a record of acts."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from guarantor.errors import UserError
from guarantor.monitor.enactment import enactment_schedule, in_force_from
from guarantor.obligations.render import note_text, record_text
from guarantor.obligations.replay import replay
from guarantor.sources.acts import Act, ActKind, ActLog, Coverage, load_acts
from guarantor.spec.load import load_agreement, load_spec_text

AGREEMENT = """\
schema: guarantor/agreement@1
id: t
title: T
nature: treaty
parties:
  - {id: UA, name: Ukraine}
  - {id: RU, name: Russia}
  - {id: UK, name: United Kingdom}
roles:
  - {party: UK, role: guarantor}
  - {party: UA, role: beneficiary}
  - {party: RU, role: obligor}
lifecycle:
  entry_into_force: {id: eif, condition: on signature, effective: 2026-01-01}
triggers:
  - id: broken
    levels:
      - level: invoke
        when:
          any:
            - not_enacted: {obligation: law}
            - act: {kind: repeal, by: [RU], ref: law}
obligations:
  - id: law
    party: [RU]
    modality: must_not
    action: refrain
    what: seize territory
    enactment:
      steps:
        - {id: duma, step: lower_house, body: State Duma, deadline: {within: 30 days, from: entry_into_force}}
        - {id: fc, step: upper_house, body: Federation Council, deadline: {within: 10 days, from: previous_step}}
ladder:
  steps:
    - {id: snap, order: 1, action: sanctions return, at_level: invoke, triggers: [broken], must: [UK],
       sanctions: {mode: snapback, regime: measures}}
standing:
  - id: force
    party: [UK]
    kind: presence
    what: keep a brigade in Ukraine
    start: {upon: entry_into_force, within: 30 days}
    presence: {where: beneficiary_territory}
    monitored_by: mon
  - id: cap
    party: [UA]
    modality: must_not
    kind: cap
    what: keep the army above the cap
    ceiling: {measure: army, limit: 800000, unit: personnel}
    monitored_by: mon
  - id: after-accession
    party: [UK]
    kind: cooperation
    what: cooperate after candidate status
    start: {upon: milestone, milestone: cand}
    monitored_by: mon
milestones:
  - {id: cand, track: EU accession, what: candidate status, status: planned}
monitoring:
  - {id: mon, monitor: [UK], cadence: 30 days}
"""


def _t(day: str, hour: int = 12) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=UTC)


def _act(kind: ActKind, party: str, day: str, ref: str | None = None, **kw: object) -> Act:
    return Act(kind=kind, party=party, time=_t(day), ref=ref, **kw)  # type: ignore[arg-type]


def _agreement():  # type: ignore[no-untyped-def]
    return load_spec_text(AGREEMENT, "t.yaml").agreement


def _run(acts: list[Act], end: str = "2026-04-30", coverage: tuple[Coverage, ...] = ()):  # type: ignore[no-untyped-def]
    log = ActLog(tuple(sorted(acts, key=lambda a: a.time)), coverage)
    return replay(_agreement(), date(2026, 1, 1), date.fromisoformat(end), acts=log)


def _owed(result, source: str) -> dict[str, tuple[str, str | None]]:  # type: ignore[no-untyped-def]
    return {
        o.party: (o.status, None if o.due is None else o.due.date().isoformat())
        for o in result.timeline.owed
        if o.source == source
    }


def test_the_enactment_schedule_counts_from_entry_into_force_then_from_each_act() -> None:
    a = _agreement()
    in_force = in_force_from(a, date(2025, 6, 1))  # the effective date wins over the period
    assert in_force == datetime(2026, 1, 1, tzinfo=UTC)
    plain = enactment_schedule(a, "law", ActLog(), in_force)
    assert [(s.step.id, s.due, s.done) for s in plain] == [
        ("duma", datetime(2026, 1, 31, tzinfo=UTC), None),
        ("fc", datetime(2026, 2, 10, tzinfo=UTC), None),  # from the Duma's deadline
    ]
    log = ActLog((_act(ActKind.enactment_step, "RU", "2026-01-20", "duma"),))
    acted = enactment_schedule(a, "law", log, in_force)
    assert acted[0].overdue_from is None
    assert acted[1].due == _t("2026-01-30")  # ten days after the Duma's act


def test_non_enactment_fires_the_trigger_on_the_missed_deadline() -> None:
    covered = Coverage(parties=("RU",), from_=date(2026, 1, 1), to=date(2026, 12, 31))
    acts = [_act(ActKind.enactment_step, "RU", "2026-01-20", "duma")]
    result = _run(acts, coverage=(covered,))
    fired = [(x.trigger, x.level.value, x.time.date()) for x in result.monitor.activations]
    assert fired == [("broken", "invoke", date(2026, 1, 31))]  # the day after fc's deadline day
    assert _owed(result, "duma") == {"RU": ("met", "2026-01-31")}
    assert _owed(result, "fc")["RU"][0] == "breached"


def test_a_repeal_fires_the_trigger_and_breaches_the_enacted_steps() -> None:
    acts = [
        _act(ActKind.enactment_step, "RU", "2026-01-20", "duma"),
        _act(ActKind.enactment_step, "RU", "2026-01-25", "fc"),
        _act(ActKind.repeal, "RU", "2026-03-10", "law"),
    ]
    result = _run(acts)
    fired = [(x.trigger, x.time.date()) for x in result.monitor.activations]
    assert fired == [("broken", date(2026, 3, 11))]
    assert (
        _owed(result, "duma")["RU"][0] == "breached" and _owed(result, "fc")["RU"][0] == "breached"
    )
    snap = _owed(result, "snap")
    assert snap["UK"][0] == "open"  # no deadline set; a sanctions_adopted act would meet it
    met = _run([*acts, _act(ActKind.sanctions_adopted, "UK", "2026-03-12")])
    assert _owed(met, "snap")["UK"][0] == "met"


def test_standing_duties_are_judged_by_their_monitoring() -> None:
    result = _run([])
    assert _owed(result, "force") == {"UK": ("unverified", "2026-01-31")}
    assert _owed(result, "cap") == {"UA": ("unverified", None)}
    assert _owed(result, "after-accession") == {"UK": ("waiting", None)}
    early = _run([], end="2026-01-15")
    assert _owed(early, "force") == {"UK": ("open", "2026-01-31")}
    confirmed = _run([_act(ActKind.presence_confirmed, "UK", "2026-04-20", "force")])
    assert _owed(confirmed, "force")["UK"][0] == "met"
    stale = _run([_act(ActKind.presence_confirmed, "UK", "2026-02-01", "force")])
    assert _owed(stale, "force")["UK"][0] == "unverified"  # older than the 30-day cadence
    broken = _run([_act(ActKind.breach, "UA", "2026-03-01", "cap")])
    assert _owed(broken, "cap")["UA"][0] == "breached"


def test_a_duty_outside_the_record_is_unrecorded_not_breached() -> None:
    result = _run([])
    assert _owed(result, "fc")["RU"][0] == "unrecorded"
    fc = next(o for o in result.timeline.owed if o.source == "fc")
    words = [note_text(n) for n in fc.notes]
    assert any(
        w.startswith("UNRECORDED: the record of acts does not cover enactment_step") for w in words
    )
    record = {r.party: r for r in result.record}
    assert record["RU"].unrecorded == 2
    assert record_text(record["RU"]) == "no acts recorded for party RU"
    covered = Coverage(parties=("RU",), from_=date(2026, 1, 1), to=date(2026, 12, 31))
    judged = _run([], coverage=(covered,))
    assert _owed(judged, "fc")["RU"][0] == "breached"
    other_kind = Coverage(
        parties=("RU",), from_=date(2026, 1, 1), to=date(2026, 12, 31), kinds=(ActKind.request,)
    )
    assert _owed(_run([], coverage=(other_kind,)), "fc")["RU"][0] == "unrecorded"


def test_acts_cite_their_sources_and_bad_citations_are_located(tmp_path: Path) -> None:
    good = tmp_path / "a.yaml"
    good.write_text(
        "schema: guarantor/acts@1\n"
        "documents:\n  d: {title: A statement}\n"
        "acts:\n"
        "  - {kind: consultation_held, party: UK, members: [UA], time: '2026-01-02T12:00:00Z',\n"
        "     source: {grade: official, doc: d}}\n",
        encoding="utf-8",
    )
    log = load_acts(good)
    assert log.acts[0].involves({"UA"}) and log.documents[0][0] == "d"
    bad = tmp_path / "b.yaml"
    bad.write_text(good.read_text().replace("doc: d}", "doc: nope}"), encoding="utf-8")
    with pytest.raises(UserError, match="act cites document 'nope', not defined in this file") as e:
        load_acts(bad)
    assert e.value.location is not None and e.value.location.line == 6
    bad.write_text(good.read_text().replace("grade: official, doc: d", "grade: reported"))
    with pytest.raises(UserError, match="an act graded reported must cite a document"):
        load_acts(bad)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(UserError, match=r"no acts files \(\*.yaml\) in the folder"):
        load_acts(empty)


def test_the_record_of_real_acts_loads_and_every_act_is_cited(examples_dir: Path) -> None:
    log = load_acts(examples_dir / "acts")
    assert len(log.acts) >= 40
    assert all(a.source is not None and a.source.grade is not None for a in log.acts)
    docs = dict(log.documents)
    assert all(a.source is not None and a.source.doc in docs for a in log.acts)
    kinds = {a.kind for a in log.acts}
    assert {ActKind.request, ActKind.consultation_held, ActKind.sanctions_adopted} <= kinds
    assert {ActKind.aid_decided, ActKind.aid_suspended, ActKind.objection_lodged} <= kinds


def test_replay_of_nato_article_4_against_the_real_record(examples_dir: Path) -> None:
    """Feb 2022 and Sep 2025: requests fire Article 4, the Council's meetings meet the duty."""
    a = load_agreement(examples_dir / "agreements" / "nato_arts_4_6.yaml")
    log = load_acts(examples_dir / "acts")
    result = replay(a, date(2022, 2, 20), date(2025, 9, 30), acts=log)
    days = [x.time.date() for x in result.monitor.activations if x.trigger == "art4-threat"]
    assert days == [date(2022, 2, 25), date(2025, 9, 11), date(2025, 9, 20)]
    art4 = [o for o in result.timeline.owed if o.source == "art4-consult"]
    statuses = {(o.opened.date().isoformat() if o.opened else "", o.status) for o in art4}
    assert statuses == {
        ("2022-02-24", "met"),
        ("2022-02-24", "unrecorded"),  # Finland and Sweden: not covered in 2022
        ("2025-09-10", "met"),
        ("2025-09-19", "met"),
    }
    estonia = next(o for o in art4 if o.opened and o.opened.date() == date(2025, 9, 19))
    assert estonia.due is not None and estonia.due.date() == date(2025, 9, 23)  # four days
    missing = {r.party: record_text(r) for r in result.record if r.missing()}
    assert set(missing) == {"FI", "SE"}
    doc = result.to_json()
    assert {"party", "first", "last", "declared", "unrecorded", "missing"} <= set(
        doc["acts_record"][0]
    )


def test_a_request_for_any_party_counts_only_the_agreements_parties(examples_dir: Path) -> None:
    """Ukraine's 2022 request under Budapest para 6 is no Article 4 request of an Ally."""
    a = load_agreement(examples_dir / "agreements" / "nato_arts_4_6.yaml")
    log = ActLog((_act(ActKind.request, "UA", "2022-02-21"),))
    result = replay(a, date(2022, 2, 20), date(2022, 2, 23), acts=log)
    assert result.monitor.activations == []


@settings(max_examples=60, deadline=None)
@given(
    kind=st.sampled_from([*(k.value for k in ActKind), "nonsense", ""]),
    time=st.sampled_from(["2026-01-02T12:00:00Z", "2026-01-02T12:00:00", "yesterday", "5"]),
    grade=st.sampled_from(["official", "reported", "assumed", "text", "rumour"]),
    doc=st.sampled_from(["d", "missing", None]),
)
def test_hostile_acts_files_are_read_or_refused_with_a_place(
    tmp_path_factory: pytest.TempPathFactory, kind: str, time: str, grade: str, doc: str | None
) -> None:
    """Any acts file is either read, or refused with file and line (never a crash)."""
    path = tmp_path_factory.mktemp("acts") / "a.yaml"
    source = f"{{grade: {grade}" + (f", doc: {doc}" if doc else "") + "}"
    path.write_text(
        "schema: guarantor/acts@1\ndocuments:\n  d: {title: A}\nacts:\n"
        f"  - {{kind: '{kind}', party: UK, time: '{time}', source: {source}}}\n",
        encoding="utf-8",
    )
    try:
        log = load_acts(path)
    except UserError as err:
        assert err.location is not None and err.location.file == str(path)
        assert err.location.line == 5
    else:
        assert log.acts[0].kind.value == kind and log.acts[0].time.tzinfo is not None
