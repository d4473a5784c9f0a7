"""The model's own rules: durations with units and clocks, lifecycle transitions, blockers."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from guarantor.model import Clock, Duration
from guarantor.model.decisions import Consensus, QualifiedMajority, Silence, blockers
from guarantor.model.lifecycle import Lifecycle, Status


def test_duration_parsing_and_units() -> None:
    """'24h', '48 hours', '6 months' parse; a bare number has no unit."""
    assert Duration.model_validate("24h").hours() == 24
    assert Duration.model_validate("48 hours").days() == 2
    assert Duration.model_validate("1 week").hours() == 168
    assert Duration.model_validate(24).unit is None
    assert str(Duration.model_validate("6 months")) == "6 months"


def test_within_24h_is_elapsed_time() -> None:
    """'Within 24h' means 24 elapsed hours, across a date change."""
    start = datetime(2025, 3, 29, 23, 30, tzinfo=UTC)
    assert Duration.model_validate("24h").add_to(start) == datetime(2025, 3, 30, 23, 30, tzinfo=UTC)


def test_calendar_months_clamp_to_month_end() -> None:
    """Six months after 31 August is 28 February (or 29 in leap years)."""
    start = datetime(2025, 8, 31, 12, tzinfo=UTC)
    assert Duration.model_validate("6 months").add_to(start) == datetime(
        2026, 2, 28, 12, tzinfo=UTC
    )
    assert Duration.model_validate("10 years").add_to(datetime(2024, 2, 29, tzinfo=UTC)).day == 28


def test_business_days_skip_weekends() -> None:
    """Two business days after a Friday is the Tuesday."""
    friday = datetime(2026, 1, 2, 9, tzinfo=UTC)
    assert Duration.model_validate("2 days").add_to(friday, Clock.business_days).weekday() == 1


def test_business_days_from_a_weekend_start_on_monday() -> None:
    """The clock does not run at weekends: 2 business days from Saturday end on Wednesday 00:00."""
    saturday = datetime(2025, 5, 10, 15, tzinfo=UTC)
    due = Duration.model_validate("2 days").add_to(saturday, Clock.business_days)
    assert due == datetime(2025, 5, 14, tzinfo=UTC)


def test_lifecycle_state_machine() -> None:
    """drafted → signed → ratified → active → suspended → active → terminated; nothing after."""
    lc = Lifecycle()
    for to in (
        Status.signed,
        Status.ratified,
        Status.active,
        Status.suspended,
        Status.active,
        Status.terminated,
    ):
        lc = lc.move(to)
    assert lc.status is Status.terminated
    with pytest.raises(ValueError, match="cannot go from terminated to active"):
        lc.move(Status.active)
    with pytest.raises(ValueError, match="cannot go from drafted to active"):
        Lifecycle().move(Status.active)


def test_blockers_per_procedure() -> None:
    """Consensus and silence: everyone can block; QMV: only vetoes and decisive weights."""
    members = ["US", "UK", "RU"]
    assert blockers(Consensus(id="c", kind="consensus"), members) == set(members)
    assert blockers(Silence(id="s", kind="silence", objection_window="24h"), members) == set(
        members
    )
    qmv = QualifiedMajority(id="q", kind="qualified_majority", threshold=0.6, veto=["RU"])
    assert blockers(qmv, ["A", "B", "C", "D", "E", "RU"]) == {"RU"}


def test_console_script_never_prints_a_traceback(tmp_path: Path) -> None:
    """The real entry point: a bad file gives exit 2 and one clean message."""
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: x\ntitle: [unclosed\n", encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "guarantor.cli", "render", str(bad)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert f"{bad}:3:1: YAML syntax error" in proc.stderr


def test_schema_command_prints_json_schema() -> None:
    """`guarantor schema` prints one JSON document on stdout."""
    import json

    proc = subprocess.run(
        [sys.executable, "-m", "guarantor.cli", "schema"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    schema = json.loads(proc.stdout)
    assert schema["title"] == "Agreement"
    assert "triggers" in schema["properties"]


ISO_SPEC = """\
id: t
title: T
nature: treaty
parties:
  - {id: US, name: United States, iso: USA}
  - {id: UK, name: United Kingdom, iso: GB}
  - {id: RU, name: Russia, iso: RUS}
roles:
  - {party: RU, role: obligor}
"""


def test_party_iso_code_is_checked_at_its_place(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A two-letter `iso` is refused through the real loader, with file:line:column."""
    from tests.spec.clirun import run_cli

    path = tmp_path / "iso.yaml"
    path.write_text(ISO_SPEC, encoding="utf-8")
    result = run_cli(capsys, monkeypatch, "check", str(path))
    flat = " ".join((result.err + result.out).split())
    assert result.code == 2, flat
    assert "Traceback" not in flat
    assert f"{path}:6:41: parties[1].iso:" in flat, flat  # line 6, column of the value `GB`
    assert "ISO 3166-1 alpha-3 code is three capital letters" in flat and "'GB'" in flat

    path.write_text(ISO_SPEC.replace("iso: GB}", "iso: GBR}"), encoding="utf-8")
    fixed = run_cli(capsys, monkeypatch, "check", str(path))
    assert fixed.code == 1 and "alpha-3" not in fixed.err + fixed.out  # loads; lint findings only


def test_party_iso_belongs_to_states_and_organisations_not_groups() -> None:
    """Groups carry no code of their own; a state's code is three capital letters."""
    from pydantic import ValidationError

    from guarantor.model import Party

    assert Party(id="UK", name="United Kingdom", iso="GBR").iso == "GBR"
    assert Party(id="EU", name="European Union", kind="organisation").iso is None
    for bad in ("GB", "gbr", "GBRR", "G1R"):
        with pytest.raises(ValidationError, match="alpha-3"):
            Party(id="UK", name="United Kingdom", iso=bad)
    with pytest.raises(ValidationError, match="a group has no ISO code"):
        Party(id="CoW", name="Coalition", kind="group", members=["UK"], iso="GBR")
    schema = Party.model_json_schema()["properties"]["iso"]
    assert {"type": "string", "pattern": "^[A-Z]{3}$"} in schema["anyOf"]
    assert "alpha-3" in schema["description"]


def test_every_example_state_carries_its_iso_code(examples_dir: Path) -> None:
    """Every state party of the encoded instruments carries its alpha-3 code; groups none."""
    from guarantor.model import PartyKind
    from guarantor.spec.load import load_agreement

    for path in sorted((examples_dir / "agreements").glob("*.yaml")):
        for party in load_agreement(path).parties:
            if party.kind is PartyKind.state:
                assert party.iso is not None, f"{path.name}: {party.id} has no iso"
            else:
                assert party.iso is None, f"{path.name}: {party.id} ({party.kind.value})"
