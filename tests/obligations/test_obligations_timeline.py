"""Obligations and decisions over time: deadlines, acts, procedures, gates, conditional invocation, replay."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from guarantor.model import Agreement
from guarantor.model.triggers import Level
from guarantor.monitor.result import Activation
from guarantor.obligations.render import note_text
from guarantor.obligations.timeline import Assumption, NoteKind, build_timeline, status_of
from guarantor.rules import LevelTrace, Provenance, TraceKind, Truth
from guarantor.sources.acts import Act, ActLog, load_acts

T0 = datetime(2025, 9, 1, 12, tzinfo=UTC)
H = timedelta(hours=1)


def agreement(procedure: dict[str, Any], **extra: Any) -> Agreement:
    doc: dict[str, Any] = {
        "id": "t",
        "title": "t",
        "nature": "proposal",
        "parties": [{"id": p, "name": p} for p in ("UA", "RU", "US", "UK", "FR")],
        "roles": [{"party": "UA", "role": "beneficiary"}, {"party": "RU", "role": "obligor"}],
        "procedures": [{"id": "proc", **procedure}],
        "bodies": [
            {"id": "body", "name": "Body", "members": ["US", "UK", "FR"], "procedure": "proc"}
        ],
        "triggers": [
            {
                "id": "attack",
                "determination": "det",
                "levels": [
                    {"level": "consult", "when": {"armed_attack": {"by": ["RU"]}}},
                    {
                        "level": "invoke",
                        "when": {"armed_attack": {"by": ["RU"], "sustained": "3 days"}},
                    },
                ],
            }
        ],
        "determinations": [
            {
                "id": "det",
                "body": "body",
                "triggers": ["attack"],
                "min_attribution": 0.9,
                "conditional_invocation": True,
                "within": "72 hours",
            }
        ],
        "obligations": [
            {
                "id": "consult",
                "party": ["US", "UK"],
                "modality": "must",
                "action": "consult",
                "what": "consult",
                "opened_by": {"trigger": "attack", "level": "consult", "upon": "trigger"},
                "deadline": {"within": "24h", "from": "trigger"},
            },
            {
                "id": "sanction",
                "party": ["US"],
                "modality": "must",
                "action": "sanction",
                "what": "sanction",
                "opened_by": {"trigger": "attack", "level": "invoke", "upon": "determination"},
                "deadline": {"within": "7 days", "from": "determination"},
            },
        ],
    }
    doc.update(extra)
    return Agreement.model_validate(doc)


def activation(level: str, time: datetime = T0, attribution: float = 1.0) -> Activation:
    lv = Level(level)
    trace = LevelTrace("attack", lv, TraceKind.onset, time.date(), Truth.true, (), Provenance(None))
    return Activation("attack", lv, time, ("e1",), 1, attribution, trace)


SILENCE = {"kind": "silence", "objection_window": "48 hours"}


@pytest.mark.parametrize(
    ("done", "as_of", "expected"),
    [
        (None, T0 + 10 * H, "open"),
        (None, T0 + 30 * H, "overdue"),
        (None, T0 + 49 * H, "breached"),
        (T0 + 5 * H, T0 + 49 * H, "met"),
        (T0 + 25 * H, T0 + 49 * H, "breached"),
    ],
)
def test_status_rules(done: datetime | None, as_of: datetime, expected: str) -> None:
    assert status_of(T0, T0 + 24 * H, done, as_of) == expected


def test_consultation_met_by_an_act_and_overdue_without() -> None:
    a = agreement(SILENCE)
    acts = ActLog((Act(kind="consultation_held", party="US", time=T0 + 3 * H, ref="consult"),))
    tl = build_timeline(a, [activation("consult")], acts, as_of=T0 + 30 * H)
    got = {(o.source, o.party): (o.status, o.due) for o in tl.owed}
    assert got == {
        ("consult", "US"): ("met", T0 + 24 * H),
        ("consult", "UK"): ("overdue", T0 + 24 * H),
    }


def test_silence_adopts_unless_an_objection_arrives_in_time() -> None:
    a = agreement(SILENCE)
    tl = build_timeline(a, [activation("invoke")], ActLog(), as_of=T0 + 5 * 24 * H)
    decision = tl.decisions[0][2]
    assert decision.status == "adopted" and decision.time == T0 + 48 * H
    sanction = next(o for o in tl.owed if o.source == "sanction")
    assert (
        sanction.opened == T0 + 48 * H
        and sanction.due == T0 + 48 * H + 7 * 24 * H
        and sanction.status == "open"
    )
    late = ActLog((Act(kind="objection_lodged", party="FR", time=T0 + 50 * H, ref="proc"),))
    assert (
        build_timeline(a, [activation("invoke")], late, as_of=T0 + 10 * 24 * H)
        .decisions[0][2]
        .status
        == "adopted"
    )
    early = ActLog((Act(kind="objection_lodged", party="FR", time=T0 + 20 * H, ref="proc"),))
    tl2 = build_timeline(a, [activation("invoke")], early, as_of=T0 + 10 * 24 * H)
    assert (
        tl2.decisions[0][2].status == "blocked"
        and "FR broke silence" in tl2.decisions[0][2].explanation
    )
    assert next(o for o in tl2.owed if o.source == "sanction").status == "waiting"


def test_consensus_needs_every_vote_unless_assumed() -> None:
    a = agreement({"kind": "consensus", "decides_within": "72 hours"})
    votes = tuple(
        Act(kind="approval_voted", party=p, time=T0 + (i + 1) * H, ref="proc")
        for i, p in enumerate(["US", "UK"])
    )
    strict = build_timeline(
        a, [activation("invoke")], ActLog(votes), as_of=T0 + 100 * H, assume_votes=False
    )
    assert strict.decisions[0][2].status == "pending" and "FR" in strict.decisions[0][2].explanation
    full = ActLog((*votes, Act(kind="approval_voted", party="FR", time=T0 + 9 * H, ref="proc")))
    done = build_timeline(a, [activation("invoke")], full, as_of=T0 + 100 * H, assume_votes=False)
    assert done.decisions[0][2].status == "adopted" and done.decisions[0][2].time == T0 + 9 * H
    assumed = build_timeline(a, [activation("invoke")], ActLog(votes), as_of=T0 + 100 * H)
    assert (
        assumed.decisions[0][2].time == T0 + 72 * H
        and "ASSUMED" in assumed.decisions[0][2].explanation
    )


def test_qualified_majority_by_weight_and_veto() -> None:
    a = agreement(
        {
            "kind": "qualified_majority",
            "threshold": 0.6,
            "weights": {"US": 3, "UK": 1, "FR": 1},
            "veto": ["FR"],
        }
    )
    us = ActLog((Act(kind="approval_voted", party="US", time=T0 + H, ref="proc"),))
    assert (
        build_timeline(a, [activation("invoke")], us, as_of=T0 + 10 * H, assume_votes=False)
        .decisions[0][2]
        .status
        == "adopted"
    )
    veto = ActLog((*us.acts, Act(kind="objection_lodged", party="FR", time=T0 + 2 * H, ref="proc")))
    assert (
        build_timeline(a, [activation("invoke")], veto, as_of=T0 + 10 * H, assume_votes=False)
        .decisions[0][2]
        .status
        == "blocked"
    )


def test_conditional_invocation_waits_for_attribution() -> None:
    a = agreement(SILENCE)
    tl = build_timeline(
        a, [activation("invoke", attribution=0.8)], ActLog(), as_of=T0 + 30 * 24 * H
    )
    assert tl.decisions[0][2].status == "conditional"
    sanction = next(o for o in tl.owed if o.source == "sanction")
    assert (
        sanction.status == "waiting" and sanction.notes[0].kind is NoteKind.waits_for_determination
    )
    assert sanction.notes[0].pending and "pending attribution" in note_text(sanction.notes[0])
    found = ActLog(
        (Act(kind="attribution_established", party="US", time=T0 + 5 * 24 * H, ref="det"),)
    )
    tl2 = build_timeline(a, [activation("invoke", attribution=0.8)], found, as_of=T0 + 30 * 24 * H)
    sanction2 = next(o for o in tl2.owed if o.source == "sanction")
    assert sanction2.opened == T0 + 5 * 24 * H


def test_approval_gate_delays_a_party_and_flags_an_unreachable_deadline() -> None:
    proc = {
        **SILENCE,
        "gates": [
            {
                "party": "US",
                "body": "US Congress",
                "kind": "congressional_authorisation",
                "expected_delay": "30 days",
            }
        ],
    }
    ladder = {
        "steps": [
            {
                "id": "respond",
                "order": 1,
                "action": "military response",
                "at_level": "invoke",
                "triggers": ["attack"],
                "must": ["US", "UK"],
                "procedure": "proc",
                "within": "14 days",
            }
        ]
    }
    a = agreement(proc, ladder=ladder)
    tl = build_timeline(a, [activation("invoke")], ActLog(), as_of=T0 + 5 * H)
    steps = {o.party: o for o in tl.owed if o.source == "respond"}
    assert steps["US"].earliest == T0 + 30 * 24 * H and steps["UK"].earliest is None
    late = [n for n in steps["US"].notes if n.kind is NoteKind.gate_beyond_deadline]
    assert [n.days for n in late] == [16] and Assumption.gate_delay in steps["US"].assumed
    voted = ActLog(
        (Act(kind="approval_voted", party="US", time=T0 + 2 * 24 * H, ref="US Congress"),)
    )
    tl2 = build_timeline(a, [activation("invoke")], voted, as_of=T0 + 5 * 24 * H)
    assert (
        next(o for o in tl2.owed if o.source == "respond" and o.party == "US").earliest
        == T0 + 2 * 24 * H
    )


def test_acts_file_errors_have_positions(tmp_path: Path) -> None:
    from guarantor.errors import UserError

    path = tmp_path / "acts.yaml"
    path.write_text(
        "schema: guarantor/acts@1\nacts:\n  - kind: consultation_held\n    party: US\n    time: 2025-09-01T10:00:00\n"
    )
    with pytest.raises(UserError) as info:
        load_acts(path)
    assert f"{path}:5" in str(info.value) and "UTC offset" in str(info.value)


AGREEMENT_YAML = """
schema: guarantor/agreement@1
id: replay-test
title: replay test
nature: proposal
parties: [{id: UA, name: Ukraine}, {id: RU, name: Russia}, {id: US, name: United States}]
roles: [{party: UA, role: beneficiary}, {party: RU, role: obligor}, {party: US, role: guarantor}]
triggers:
  - id: attack
    levels:
      - level: consult
        when: {armed_attack: {by: [RU], location: {inside: anywhere}, intensity: {window: 2 days, min_events: 2}}}
obligations:
  - id: consult
    party: [US, UA]
    modality: must
    action: consult
    what: consult within 24 hours
    opened_by: {trigger: attack, level: consult, upon: trigger}
    deadline: {within: 24 hours, from: trigger}
"""


def test_replay_json_shape_and_plot(tmp_path: Path) -> None:
    spec = tmp_path / "a.yaml"
    spec.write_text(AGREEMENT_YAML)
    events = tmp_path / "ev.jsonl"
    lines = [
        {
            "source": "t",
            "id": f"e{i}",
            "start": f"2025-09-0{d}T10:00:00Z",
            "lat": 48.0,
            "lon": 37.0,
            "actors": ["RU"],
            "type": "remote_violence",
            "fatalities": 1,
        }
        for i, d in enumerate([2, 3, 3, 7])
    ]
    events.write_text("".join(json.dumps(x) + "\n" for x in lines))
    acts = tmp_path / "acts.yaml"
    acts.write_text(
        "schema: guarantor/acts@1\n"
        "coverage: [{parties: [US, UA], from: 2025-09-01, to: 2025-09-10}]\n"
        "acts:\n  - {kind: consultation_held, party: US, time: '2025-09-04T09:00:00Z', ref: consult}\n"
    )
    png = tmp_path / "t.png"
    out = cli(
        "replay", str(spec), "--events", str(events), "--from", "2025-09-01", "--to", "2025-09-10",
        "--acts", str(acts), "--plot", str(png), "--format", "json", "--border", str(_square(tmp_path)),
    )  # fmt: skip
    doc = json.loads(out)
    assert [(a["trigger"], a["level"], a["time"]) for a in doc["activations"]] == [
        ("attack", "consult", "2025-09-04T00:00:00Z")
    ]
    assert set(doc["activations"][0]) >= {"trigger", "level", "time", "evidence", "trace"}
    assert doc["trace_version"] == 1 and doc["activations"][0]["trace"]["trace_version"] == 1
    assert doc["activations"][0]["evidence"] == ["t:e0", "t:e1", "t:e2"]
    owed = {o["party"]: (o["due"], o["status"]) for o in doc["obligations"]}
    assert owed == {
        "UA": ("2025-09-05T00:00:00Z", "breached"),
        "US": ("2025-09-05T00:00:00Z", "met"),
    }
    assert png.read_bytes()[:4] == b"\x89PNG"


def _square(tmp_path: Path) -> Path:
    path = tmp_path / "border.geojson"
    path.write_text(
        json.dumps(
            {"type": "Polygon", "coordinates": [[[30, 44], [41, 44], [41, 53], [30, 53], [30, 44]]]}
        )
    )
    return path


def test_replay_takes_an_already_scanned_snapshot_series(tmp_path: Path) -> None:
    from guarantor.obligations.replay import replay
    from guarantor.sources.snapshots import scan_snapshots

    def held(west: float) -> str:
        ring = [[west, 47], [38, 47], [38, 48], [west, 48], [west, 47]]
        geometry = {"type": "Polygon", "coordinates": [ring]}
        feature = {"type": "Feature", "properties": {}, "geometry": geometry}
        return json.dumps({"type": "FeatureCollection", "features": [feature]})

    for day, west in (("01", 37.0), ("05", 36.5), ("09", 36.5)):
        (tmp_path / f"deepstatemap_data_202509{day}.geojson").write_text(held(west))
    a = agreement({"kind": "consensus"})
    by_path = replay(a, date(2025, 9, 1), date(2025, 9, 10), territory=tmp_path)
    series = scan_snapshots(tmp_path)
    by_series = replay(a, date(2025, 9, 1), date(2025, 9, 10), territory=series)
    assert len(by_path.incidents) == 1
    assert by_series.to_json() == by_path.to_json()
    assert by_series.incidents == by_path.incidents


def test_minsk_counterfactual_moves_with_proxy_confidence(
    shared_data: Path, examples_dir: Path
) -> None:
    from guarantor.monitor.actors import load_actor_map
    from guarantor.monitor.geography import Geography, read_geojson_geometry
    from guarantor.obligations.replay import replay
    from guarantor.spec.load import load_agreement

    a = load_agreement(examples_dir / "agreements" / "minsk2_era_guarantee.yaml")
    actors = load_actor_map(examples_dir / "actors" / "ucdp_ukraine.yaml")
    geo = Geography(
        border=read_geojson_geometry(
            shared_data / "boundaries" / "naturalearth_10m_ukraine_admin0_deu_pov.geojson"
        )
    )
    files = [shared_data / "events" / "ucdp_ged_ukraine_2014-2023Q1_peacerep.csv.gz"]
    first_invoke = {}
    statuses = {}
    for conf in (0.7, 0.85, 0.9):
        res = replay(
            a,
            date(2015, 2, 15),
            date(2023, 3, 31),
            files,
            actors.with_confidence("proxy", conf),
            geo,
        )
        inv = [
            x
            for x in res.monitor.activations
            if x.trigger == "ceasefire-attack" and x.level == "invoke"
        ]
        first_invoke[conf] = inv[0].time.date() if inv else None
        statuses[conf] = res.timeline.decisions[0][2].status
    assert (
        first_invoke[0.7] is not None and first_invoke[0.7].year == 2022
    )  # only Russia's own forces reach 0.8
    assert first_invoke[0.85] == first_invoke[0.9] and first_invoke[0.9].year == 2015
    assert statuses[0.85] == "conditional" and statuses[0.9] == "adopted"


def cli(*args: str) -> str:
    """Run `guarantor ARGS` in-process (the room's commands on a fresh root app); stdout."""
    import typer
    from typer.testing import CliRunner

    from guarantor.monitor import cli as monitor_cli
    from guarantor.obligations import cli as obligations_cli

    app = typer.Typer()
    monitor_cli.register(app)
    obligations_cli.register(app)
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, (result.output, result.exception)
    return result.stdout


def test_a_request_act_fires_a_request_trigger_and_opens_the_consultation() -> None:
    from guarantor.monitor.engine import RecordedRequest, evaluate

    a = Agreement.model_validate(
        {
            "id": "art4",
            "title": "Article 4-like",
            "nature": "treaty",
            "parties": [{"id": p, "name": p} for p in ("UA", "US", "UK")],
            "roles": [
                {"party": "UA", "role": "beneficiary"},
                {"party": "US", "role": "guarantor"},
                {"party": "UK", "role": "guarantor"},
            ],
            "triggers": [
                {
                    "id": "art4",
                    "levels": [{"level": "consult", "when": {"request": {"by": "beneficiary"}}}],
                }
            ],
            "obligations": [
                {
                    "id": "meet",
                    "party": ["US", "UK"],
                    "modality": "must",
                    "action": "consult",
                    "what": "consult",
                    "opened_by": {"trigger": "art4", "upon": "request"},
                    "at_request_of": ["UA"],
                    "deadline": {"within": "24h", "from": "request"},
                }
            ],
        }
    )
    request_time = datetime(2025, 9, 3, 15, tzinfo=UTC)
    result = evaluate(
        a,
        None,
        date(2025, 9, 1),
        date(2025, 9, 30),
        requests=[RecordedRequest("UA", request_time), RecordedRequest("US", request_time)],
    )
    assert [(x.trigger, x.time.date().isoformat()) for x in result.activations] == [
        ("art4", "2025-09-04")
    ]
    assert result.activations[0].evidence == (f"request:UA@{request_time.isoformat()}",)
    acts = ActLog((Act(kind="request", party="UA", time=request_time, ref="meet"),))
    tl = build_timeline(a, result.activations, acts, as_of=datetime(2025, 9, 10, tzinfo=UTC))
    assert {(o.party, o.opened, o.due) for o in tl.owed} == {
        (p, request_time, request_time + 24 * H) for p in ("UK", "US")
    }


@pytest.mark.parametrize("hours", [1, 24, 72])
def test_status_only_moves_forward_in_time(hours: int) -> None:
    due = T0 + hours * H
    order = {"open": 0, "overdue": 1, "breached": 2}
    seen = [order[status_of(T0, due, None, T0 + k * H)] for k in range(0, 4 * hours + 2)]
    assert seen == sorted(seen) and seen[0] == 0 and seen[-1] == 2


def test_replay_setups_load_and_name_their_files(examples_dir: Path, tmp_path: Path) -> None:
    from guarantor.errors import UserError
    from guarantor.obligations.setup import load_setup, resolve
    from guarantor.sources.locate import DataFolder

    for name in ("minsk2_ucdp.yaml", "aug2025_territory_replay.yaml"):
        path = examples_dir / "replay" / name
        setup = load_setup(path)
        assert setup.from_ < setup.to
        assert resolve(setup.agreement, path, DataFolder(None, "synthetic")).exists()  # type: ignore[union-attr]
        for ref in [*setup.events, setup.territory or ""]:
            if ref:
                assert ref.startswith("data:")
                assert resolve(ref, path, DataFolder(None, "synthetic")) is None
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "schema: guarantor/replay@1\ntitle: t\nagreement: a.yaml\nfrom: 2015-02-30\nto: 2015-03-01\n"
    )
    with pytest.raises(UserError) as info:
        load_setup(bad)
    assert f"{bad}:4" in str(info.value)


def test_replay_with_a_setup_file(shared_data: Path, examples_dir: Path) -> None:
    out = cli(
        "replay",
        "--setup",
        str(examples_dir / "replay" / "minsk2_ucdp.yaml"),
        "--proxy-confidence",
        "0.9",
        "--to",
        "2015-03-31",
        "--format",
        "json",
    )
    doc = json.loads(out)
    assert doc["period"] == {"from": "2015-02-15", "to": "2015-03-31"}
    assert (
        doc["determinations"][0]["status"] == "adopted"
        and doc["determinations"][0]["min_attribution"] == 0.9
    )
