"""Standing obligations, milestones, enactment steps, sanctions and the new predicates: the model,
its references and its treaty text; hostile inputs give located errors."""

from __future__ import annotations

import pytest
import yaml

from guarantor.errors import UserError
from guarantor.model.standing import StandingKind, StartKind
from guarantor.rules import LeafKind, compile_agreement
from guarantor.rules.provenance import as_written
from guarantor.spec.load import load_spec_text
from guarantor.spec.render import render_markdown

BASE = """\
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
"""

MONITORING = """\
monitoring:
  - {id: mon, monitor: [UK], cadence: 30 days, source: {grade: assumed, reason: test}}
"""

STANDING = """\
standing:
  - id: force
    party: [UK]
    kind: presence
    what: station a brigade away from the front line
    start: {upon: entry_into_force, within: 30 days}
    presence: {where: beneficiary_territory, area: away from the front line, personnel: 5000, rotation: 6 months}
    needs:
      - {capability: ground_brigade, quantity: 1, source: {grade: assumed, reason: planning}}
    monitored_by: mon
    source: {grade: assumed, reason: test}
  - id: cap
    party: [UA]
    modality: must_not
    kind: cap
    what: keep its army above the cap
    ceiling: {measure: army, limit: 600000, unit: personnel}
    monitored_by: mon
  - id: money
    party: [UK]
    kind: financing
    what: pay for weapons
    funding:
      - {amount: 2500000000, currency: GBP, years: [2024], instrument: reparations_loan, repaid_from: reparations}
    monitored_by: mon
"""

ENACTMENT = """\
obligations:
  - id: law
    party: [RU]
    modality: must_not
    action: refrain
    what: seize territory
    enactment:
      steps:
        - {id: duma, step: lower_house, body: State Duma, deadline: {within: 60 days, from: entry_into_force}}
        - {id: fc, step: upper_house, body: Federation Council, deadline: {within: 19 days, from: previous_step}}
      verification: [publication]
"""


def _load(text: str):  # type: ignore[no-untyped-def]
    return load_spec_text(text, "t.yaml").agreement


def _error(text: str) -> UserError:
    with pytest.raises(UserError) as info:
        _load(text)
    return info.value


def test_standing_obligations_load_compile_and_render() -> None:
    a = _load(BASE + MONITORING + STANDING)
    force = a.standing_obligation("force")
    assert force.kind is StandingKind.presence and force.presence is not None
    assert force.presence.personnel == 5000 and force.start.upon is StartKind.entry_into_force
    plan = compile_agreement(a)
    assert [s.target for s in plan.standing] == ["force", "cap", "money"]
    assert plan.standing[0].monitored_by == "mon"
    text = render_markdown(a)
    assert "## Article 2. Standing obligations" in text or "Standing obligations" in text
    assert "at most 600,000 personnel" in text
    assert "2,500,000,000 GBP as reparations loan (2024), repaid from reparations" in text
    assert "units rotating every 6 months" in text
    step = force.as_step(7)
    assert step.id == "force" and step.order == 7 and step.must == ["UK"] and step.needs


def test_as_written_drops_assumed_standing_needs_and_monitoring() -> None:
    a = _load(BASE + MONITORING + STANDING)
    written = as_written(a)
    ids = [s.id for s in written.standing]
    assert "force" not in ids and {"cap", "money"} <= set(ids)  # force is graded assumed
    assert all(s.monitored_by is None for s in written.standing)  # the monitoring is assumed


@pytest.mark.parametrize(
    ("snippet", "message"),
    [
        (
            "standing:\n  - {id: s, party: [UK], kind: presence, what: x, monitored_by: mon}\n",
            "a standing obligation of kind presence needs `presence`",
        ),
        (
            "standing:\n  - {id: s, party: [UA], kind: cap, what: x, monitored_by: mon,\n"
            "     ceiling: {measure: army, limit: 1, unit: p}}\n",
            "a cap is a duty not to exceed a ceiling: write `modality: must_not`",
        ),
        (
            "standing:\n  - {id: s, party: [UK], kind: training, what: x, monitored_by: mon,\n"
            "     start: {upon: date}}\n",
            "a start `upon: date` needs `day: YYYY-MM-DD`",
        ),
        (
            "milestones:\n  - {id: m, track: EU accession, what: x, status: reached}\n",
            "a reached milestone needs `reached_on: YYYY-MM-DD`",
        ),
    ],
)
def test_hostile_standing_inputs_are_located_errors(snippet: str, message: str) -> None:
    err = _error(BASE + MONITORING + snippet)
    assert message in err.message
    assert err.location is not None and err.location.line is not None and err.location.line > 10


def test_a_standing_obligation_without_monitoring_is_a_located_reference_error() -> None:
    text = BASE + "standing:\n  - {id: s, party: [UK], kind: training, what: train}\n"
    err = _error(text)
    assert "standing obligation 's' names no monitoring arrangement" in err.message
    assert "[GT006]" in err.message
    assert err.location is not None and err.location.line == 14
    spec = load_spec_text(text, "t.yaml", strict=False)
    assert [f.code for f in spec.findings] == ["GT006"]


def test_an_enactment_step_without_a_body_is_a_located_error() -> None:
    text = BASE + ENACTMENT.replace("body: Federation Council, ", "")
    err = _error(text)
    assert "missing required key 'body'" in err.message
    assert err.location is not None and err.location.line == 22


def test_enactment_steps_load_render_and_must_be_unique() -> None:
    a = _load(BASE + ENACTMENT)
    steps = a.obligations[0].enactment.steps  # type: ignore[union-attr]
    assert [s.body for s in steps] == ["State Duma", "Federation Council"]
    text = render_markdown(a)
    assert "duma: lower house by the State Duma, within 60 days of entry into force" in text
    assert "fc: upper house by the Federation Council, within 19 days of the previous step" in text
    err = _error(BASE + ENACTMENT.replace("id: fc", "id: duma"))
    assert "enactment step id 'duma' is used twice" in err.message


def test_act_and_not_enacted_predicates_compile_and_check_their_references() -> None:
    trigger = """\
triggers:
  - id: broken
    levels:
      - level: invoke
        when:
          any:
            - not_enacted: {obligation: law}
            - act: {kind: repeal, by: [RU], ref: law}
"""
    a = _load(BASE + ENACTMENT + trigger)
    plan = compile_agreement(a)
    kinds = [lf.kind for lf in plan.leaves]
    assert kinds == [LeafKind.not_enacted, LeafKind.act]
    assert plan.leaves[0].obligation == "law" and plan.leaves[1].act_kind == "repeal"
    assert plan.leaves[1].parties == ("RU",) and plan.leaves[1].act_ref == "law"
    assert "a repeal recorded, by Russia, of law" in render_markdown(a)
    bad = trigger.replace("ref: law", "ref: nothing").replace("obligation: law", "obligation: x")
    spec = load_spec_text(BASE + ENACTMENT + bad, "t.yaml", strict=False)
    messages = sorted(f.message for f in spec.findings if f.code == "GT001")
    assert messages == [
        "unknown clause or enactment step 'nothing'",
        "unknown obligation with enactment steps 'x'",
    ]


def test_sanctions_caveats_unanimity_and_milestones_render() -> None:
    extra = """\
procedures:
  - {id: eu, kind: consensus, unanimity: true, members: [UK, UA]}
obligations:
  - id: assist
    party: [UK, UA]
    modality: must
    action: assist
    what: assist
    caveats: [{kind: neutrality, parties: [UA], text: specific character}]
ladder:
  steps:
    - id: snap
      order: 1
      action: sanctions return
      may: [UK]
      sanctions: {mode: snapback, regime: EU measures, decided_by: eu, renewal: 6 months, relief: relief}
milestones:
  - {id: cand, track: EU accession, what: candidate status, status: reached, reached_on: 2022-06-23, procedure: eu}
  - {id: loan, track: assets, what: reparations loan, status: missed, target: 2025-12-19}
"""
    a = _load(BASE + extra)
    text = render_markdown(a)
    assert "by unanimity of United Kingdom and Ukraine" in text
    assert "Caveat of Ukraine: specific character." in text
    assert (
        "Sanctions (snapback): EU measures; reverses relief; a new decision under procedure eu"
        in text
    )
    assert "EU accession: candidate status, reached on 2022-06-23" in text
    assert "assets: reparations loan, missed, target 2025-12-19" in text
    bad = extra.replace("decided_by: eu", "decided_by: nope")
    spec = load_spec_text(BASE + bad, "t.yaml", strict=False)
    assert [f.message for f in spec.findings] == ["unknown procedure 'nope'"]


def test_the_yaml_1_1_on_trap_cannot_hide_in_the_new_fields() -> None:
    """Dates are `reached_on`, `target` and `day`: no key is the YAML 1.1 boolean `on`."""
    from guarantor.model import Milestone, Start

    keys = set(Milestone.model_fields) | set(Start.model_fields)
    assert not keys & {"on", "off", "yes", "no"}
    data = yaml.safe_load("start: {upon: date, day: 2026-01-01}")
    assert Start.model_validate(data["start"]).day is not None
