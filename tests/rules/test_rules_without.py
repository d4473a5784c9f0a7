"""rules.without: a party left out leaves pledges, bodies, procedures, monitoring and duties alike."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from guarantor.model import Agreement
from guarantor.rules.without import RemovalKind, without
from guarantor.spec.load import load_agreement

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "agreements"


def _small() -> Agreement:
    """A body of one member deciding through its own procedure, a monitor, a duty, a group."""
    return Agreement.model_validate(
        {
            "id": "t",
            "title": "t",
            "nature": "politically_binding",
            "parties": [
                {"id": "US", "name": "US"},
                {"id": "UK", "name": "UK"},
                {"id": "UA", "name": "UA"},
                {"id": "G", "name": "group", "kind": "group", "members": ["US", "UK"]},
            ],
            "roles": [
                {"party": "US", "role": "monitor_lead"},
                {"party": "UA", "role": "beneficiary"},
            ],
            "procedures": [
                {"id": "solo", "kind": "consensus", "members": ["US"]},
                {
                    "id": "pres",
                    "kind": "unilateral_after_consultation",
                    "decider": "US",
                    "consult": ["UK"],
                },
                {
                    "id": "nat",
                    "kind": "each_party",
                    "gates": [
                        {"party": "US", "body": "US Congress", "expected_delay": "30 days"},
                        {"party": "UK", "body": "Commons", "expected_delay": "7 days"},
                    ],
                },
            ],
            "bodies": [
                {"id": "jmc", "name": "Joint commission", "members": ["US"], "procedure": "solo"}
            ],
            "determinations": [{"id": "d", "body": "jmc", "triggers": []}],
            "obligations": [
                {
                    "id": "both",
                    "party": ["US", "UK"],
                    "modality": "must",
                    "action": "consult",
                    "what": "consult",
                },
                {
                    "id": "us-only",
                    "party": ["US"],
                    "modality": "must",
                    "action": "verify",
                    "what": "verify",
                    "monitored_by": "watch",
                },
                {
                    "id": "uk-only",
                    "party": ["UK"],
                    "modality": "must",
                    "action": "report",
                    "what": "report",
                    "monitored_by": "watch",
                },
            ],
            "ladder": {
                "steps": [
                    {
                        "id": "s",
                        "order": 1,
                        "action": "act",
                        "must": ["US", "UK"],
                        "procedure": "pres",
                        "through_body": "jmc",
                    },
                ]
            },
            "pledges": [
                {"id": "us-b", "party": "US", "capability": "us_backstop", "quantity": 1},
                {
                    "id": "uk-x",
                    "party": "UK",
                    "capability": "logistics",
                    "quantity": 1,
                    "depends_on": ["us-b"],
                },
                {
                    "id": "uk-y",
                    "party": "UK",
                    "capability": "logistics",
                    "quantity": 1,
                    "depends_on": ["uk-x"],
                },
                {"id": "uk-z", "party": "UK", "capability": "logistics", "quantity": 1},
            ],
            "monitoring": [{"id": "watch", "monitor": ["US"], "reports_to": ["UA", "UK"]}],
        }
    )


def test_a_party_left_out_is_gone_from_every_part_and_each_change_is_recorded() -> None:
    view = without(_small(), ["US"])
    a = view.agreement
    kinds = {(r.kind, r.clause) for r in view.removals}
    # pledges: its own, and those that fall with it, down the chain
    assert [p.id for p in a.pledges] == ["uk-z"]
    assert (RemovalKind.pledge, "us-b") in kinds
    dependants = {r.clause: r.via for r in view.of(RemovalKind.dependent_pledge)}
    assert dependants == {"uk-x": "us-b", "uk-y": "uk-x"}
    # a body with no member left goes, with the determination it makes and its procedure
    assert a.bodies == [] and a.determinations == []
    assert (RemovalKind.body, "jmc") in kinds and (RemovalKind.determination, "d") in kinds
    assert (RemovalKind.procedure, "solo") in kinds
    # a procedure whose decider is left out goes; gates of the party go, others stay
    assert [p.id for p in a.procedures] == ["nat"]
    assert [g.party for g in a.procedures[0].gates] == ["UK"]
    decider = next(r for r in view.removals if r.clause == "pres")
    assert decider.kind is RemovalKind.procedure and decider.via == "decider"
    # the step loses its decision, the party and its body
    step = a.ladder.steps[0]
    assert step.must == ["UK"] and step.procedure is None and step.through_body is None
    assert {r.via for r in view.of(RemovalKind.step_decision)} == {"pres", "jmc"}
    # monitoring with no monitor goes; duties it monitored are left unmonitored
    assert a.monitoring == [] and (RemovalKind.monitoring, "watch") in kinds
    assert {o.id: o.monitored_by for o in a.obligations} == {"both": None, "uk-only": None}
    # a duty shared with others stays for them; one only the party bore goes
    assert next(o for o in a.obligations if o.id == "both").party == ["UK"]
    assert (RemovalKind.obligation, "us-only") in kinds
    # roles and group membership
    assert [r.party for r in a.roles] == ["UA"]
    assert a.party("G").members == ["UK"]


def test_the_member_who_can_block_alone_is_marked() -> None:
    paris = load_agreement(EXAMPLES / "paris_declaration_2026.yaml")
    view = without(paris, ["US"])
    members = {
        (r.kind, r.clause): r.veto
        for r in view.removals
        if r.kind in (RemovalKind.body_member, RemovalKind.procedure_member)
    }
    # the Special Commission decides by consensus: every member, the US too, could block
    assert members[(RemovalKind.body_member, "special-commission")] is True
    assert members[(RemovalKind.procedure_member, "commission-consensus")] is True
    assert [r.clause for r in view.of(RemovalKind.monitoring)] == ["us-led-monitoring"]


def test_leaving_nobody_out_changes_nothing_and_groups_expand() -> None:
    a = _small()
    same = without(a, [])
    assert same.agreement == a and same.removals == ()
    whole = without(a, ["G"])
    assert whole.left_out == frozenset({"G", "US", "UK"})
    assert whole.agreement.pledges == []


PARTIES = ["US", "UK", "FR", "DE", "IT", "PL", "CA", "TR", "EU", "CoW", "FI"]


@pytest.mark.parametrize(
    "file", ["paris_declaration_2026.yaml", "aug2025_article5_like.yaml", "nato_arts_4_6.yaml"]
)
@settings(max_examples=15, deadline=None)
@given(out=st.sets(st.sampled_from(PARTIES), max_size=3))
def test_no_trace_of_a_party_left_out_remains(file: str, out: set[str]) -> None:
    a = load_agreement(EXAMPLES / file)
    asked = sorted(p for p in out if p in a.party_ids())
    view = without(a, asked)
    gone = view.left_out
    b = view.agreement
    assert not {p.party for p in b.pledges} & gone
    assert not {r.party for r in b.roles} & gone
    for body in b.bodies:
        assert not set(body.members) & gone and not set(body.veto) & gone
    for proc in b.procedures:
        assert not set(proc.members) & gone and not {g.party for g in proc.gates} & gone
    for arr in b.monitoring:
        assert arr.monitor and not set(arr.monitor) & gone
    for ob in b.obligations:
        assert ob.party and not set(ob.party) & gone
    for step in b.ladder.steps:
        assert not set(step.must + step.may) & gone
    ids = {p.id for p in b.pledges}
    assert all(set(p.depends_on) <= ids for p in b.pledges)  # nothing depends on a pledge gone


def test_standing_duties_and_their_caveats_lose_the_party_too() -> None:
    data = _small().model_dump(mode="python", by_alias=True)
    data["standing"] = [
        {
            "id": "shared",
            "party": ["US", "UK"],
            "kind": "training",
            "what": "train",
            "monitored_by": "watch",
            "caveats": [
                {"kind": "neutrality", "parties": ["US"]},
                {"kind": "other", "parties": []},
            ],
        },
        {
            "id": "us-alone",
            "party": ["US"],
            "kind": "training",
            "what": "train",
            "monitored_by": "watch",
        },
    ]
    view = without(Agreement.model_validate(data), ["US"])
    (duty,) = view.agreement.standing
    assert duty.id == "shared" and duty.party == ["UK"] and duty.monitored_by is None
    assert [c.kind for c in duty.caveats] == ["other"]  # the caveat only the US held goes
    kinds = {(r.kind, r.clause) for r in view.removals}
    assert (RemovalKind.obligation, "us-alone") in kinds
    assert (RemovalKind.obligation_party, "shared") in kinds
