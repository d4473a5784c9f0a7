"""Package data and inputs: the catalogue, the GDP tables, caps, scenario and requirement errors."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from guarantor.errors import UserError
from guarantor.model import Agreement
from guarantor.respond.catalogue import default_catalogue, load_catalogue
from guarantor.respond.economy import (
    KIEL_FILE,
    PartyRef,
    choose_table,
    kiel_table,
    world_bank_table,
)
from guarantor.respond.fairness import band, capped_shares
from guarantor.respond.plan import plan_step
from guarantor.respond.scenario import load_scenario

BRIEF_KINDS = {
    "isr_intelligence",
    "air_defence_interceptors",
    "airlift_tanker",
    "command_and_control",
    "deterrence_statement",
    "air_defence_long_range",
    "air_defence_medium_range",
    "air_defence_short_range",
    "fighter_squadron_air_policing",
    "fighter_squadron_cap",
    "ground_battalion",
    "ground_brigade",
    "naval_task_group",
    "isr_satellite",
    "isr_drone_orbit",
    "airlift",
    "logistics",
    "training_mission",
    "hq_c2",
    "intelligence_sharing",
    "financing_eur_per_year",
    "sanctions_package",
    "us_backstop",
    "monitoring_mission",
}


def test_catalogue_has_the_agreed_kinds_and_users_can_extend_it(tmp_path: Path) -> None:
    assert set(default_catalogue().ids()) == BRIEF_KINDS
    extra = tmp_path / "extra.yaml"
    extra.write_text(
        "capabilities:\n  demining_team:\n    name: Demining team\n    unit: team\n"
        "    domain: land\n    value_eur: 2.0e6\n    max_per_pledge: 100\n",
        encoding="utf-8",
    )
    cat = load_catalogue(extra)
    assert "demining_team" in cat and "ground_brigade" in cat
    assert cat["demining_team"].unit == "team" and cat["demining_team"].integer
    extra.write_text(
        "capabilities:\n  x:\n    name: X\n    unit: u\n    domain: d\n    value_eur: -1\n"
        "    max_per_pledge: 1\n",
        encoding="utf-8",
    )
    with pytest.raises(
        UserError,
        match=r"extra.yaml:6:16: capabilities.x.value_eur: .*greater than or equal to 0 \(got -1\)",
    ):
        load_catalogue(extra)


def test_world_bank_table_knows_agreement_ids() -> None:
    table = world_bank_table()
    assert "World Bank" in table.source and "CC BY 4.0" in table.source
    assert table.gdp("US") == table.gdp("USA") == table.gdp("x", "United States")
    assert table.gdp("UK") == table.gdp("GB")
    assert table.gdp("NO") is not None  # not YAML's `false`
    assert table.gdp("ATLANTIS") is None


def test_iso_code_comes_before_the_alias_table() -> None:
    table = world_bank_table()
    poland = table.gdp("PL")
    assert poland is not None
    assert table.gdp("XX", "Some Name") is None  # neither id nor name is a known alias
    assert table.code_of("XX", "Some Name", "POL") == "POL"
    assert table.gdp("XX", "Some Name", "POL") == poland
    assert table.gdp("UK", "United Kingdom", "POL") == poland  # the code wins over id and name
    assert table.gdp("FR", "France", "ZZZ") == table.gdp("FR")  # unknown code: id/name fallback


def test_party_iso_gets_its_gdp_in_fair_shares(
    tmp_path: Path, agreement_factory: Callable[..., Agreement]
) -> None:
    """A party the alias table cannot name ("XX", "Some Name") is measured by its ISO code."""
    pledges = [
        {"id": "x", "party": "XX", "capability": "ground_battalion", "quantity": 1},
        {"id": "f", "party": "FR", "capability": "ground_battalion", "quantity": 1},
    ]
    needs = [{"capability": "ground_battalion", "quantity": 2}]
    agreement = agreement_factory(pledges=pledges, needs=needs)
    plan = plan_step(agreement, "s1")
    assert {f.party for f in plan.fair if f.ratio is None} == {"XX"}  # the alias path fails

    agreement.parties = [
        p.model_copy(update={"name": "Some Name", "iso": "POL"}) if p.id == "XX" else p
        for p in agreement.parties
    ]
    plan = plan_step(agreement, "s1")
    table = world_bank_table()
    poland, france = table.gdp("PL"), table.gdp("FR")
    assert poland is not None and france is not None
    shares = {f.party: f.gdp_share for f in plan.fair}
    assert shares["XX"] == pytest.approx(poland / (poland + france))
    assert all(f.ratio is not None for f in plan.fair)

    scenario = tmp_path / "s.yaml"
    scenario.write_text("gdp: {XX: 100.0, FR: 300.0}\n", encoding="utf-8")
    plan = plan_step(agreement, "s1", scenario=load_scenario(scenario))
    shares = {f.party: f.gdp_share for f in plan.fair}
    assert shares["XX"] == pytest.approx(0.25)  # a scenario override still wins over the code


def test_kiel_table_reads_the_latest_gdp_per_donor(tmp_path: Path) -> None:
    csv_path = tmp_path / "data_explorer.csv"
    csv_path.write_text(
        '"country","iso","year","month","gdp"\n'
        '"France","FRA",2023,1,2500\n"France","FRA",2024,1,2600\n'
        '"Germany","DEU",2024,1,3600\n"EU","EU",2024,1,0\n"Bad","XXX",oops,1,1\n',
        encoding="utf-8",
    )
    table = kiel_table(csv_path, world_bank_table())
    assert table.gdp("FR") == 2600 and table.gdp("DE") == 3600
    assert table.gdp("EU") is None


def test_choose_table_uses_one_source_for_everyone(tmp_path: Path) -> None:
    (tmp_path / KIEL_FILE).parent.mkdir(parents=True)
    (tmp_path / KIEL_FILE).write_text('"iso","year","gdp"\n"FRA",2024,2600\n', encoding="utf-8")
    table, notes = choose_table([PartyRef("FR"), PartyRef("DE")], tmp_path, {})
    assert "World Bank" in table.source and "DE" in notes[0]
    table, notes = choose_table([PartyRef("FR")], tmp_path, {})
    assert "Kiel" in table.source and not notes
    # the ISO code alone is enough for Kiel to cover a party whose id and name it does not know
    table, notes = choose_table([PartyRef("XX", "Some Name", "FRA")], tmp_path, {})
    assert "Kiel" in table.source and not notes
    assert table.gdp("XX", "Some Name", "FRA") == 2600


@pytest.mark.data
def test_real_kiel_file_covers_the_paris_coalition(shared_data: Path, examples_dir: Path) -> None:
    from guarantor.spec.load import load_agreement

    agreement = load_agreement(examples_dir / "agreements" / "paris_declaration_2026.yaml")
    plan = plan_step(agreement, "mnf-presence", data_dir=shared_data)
    assert plan.gdp_source.startswith("Kiel Institute Ukraine Support Tracker")
    us = next(f for f in plan.fair if f.party == "US")
    assert 0.3 < us.gdp_share < 0.8  # the US economy is roughly half of this coalition's


def test_capped_shares_follow_the_nato_rule() -> None:
    shares = capped_shares({"US": 60.0, "DE": 25.0, "FR": 15.0}, {"US": 0.1635})
    assert shares["US"] == pytest.approx(0.1635)
    assert shares["DE"] / shares["FR"] == pytest.approx(25 / 15)
    assert sum(shares.values()) == pytest.approx(1.0)
    assert capped_shares({"A": 1.0, "B": 3.0}, {}) == {"A": 0.25, "B": 0.75}
    assert [band(0.79), band(0.8), band(1.2), band(1.21), band(None)] == [
        "low",
        "in balance",
        "in balance",
        "high",
        "n/a",
    ]


def test_scenario_errors_name_their_place(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text("activation: 2026-09-01T00:00:00\n", encoding="utf-8")
    with pytest.raises(UserError, match=r"s.yaml:1:13: activation: .*time zone"):
        load_scenario(path)
    path.write_text("situation: {a: 1}\nfair_share_caps: {US: 1.5}\n", encoding="utf-8")
    with pytest.raises(UserError, match=r"s.yaml:2:18: .*between 0 and 1"):
        load_scenario(path)
    path.write_text("situatoin: {}\n", encoding="utf-8")
    with pytest.raises(UserError, match=r"s.yaml:1:1: unknown key 'situatoin' in the top level"):
        load_scenario(path)
    path.write_text("- situation\n", encoding="utf-8")
    with pytest.raises(UserError, match=r"s.yaml:1:1: the top level is a list; expected a mapping"):
        load_scenario(path)


def test_misspelt_scenario_key_gets_a_suggestion_at_its_line(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(
        "id: x\nsituation:\n  contact_line_km: 1200\nlate:\n  value: 0.5\n  penalty_pr_day: 0.02\n",
        encoding="utf-8",
    )
    with pytest.raises(UserError) as info:
        load_scenario(path)
    err = info.value
    assert err.location is not None
    assert (err.location.file, err.location.line, err.location.column) == (str(path), 6, 3)
    assert err.message.startswith(
        "unknown key 'penalty_pr_day' in late; did you mean 'penalty_per_day'?"
    )
    assert "Expected one of: penalty_per_day, value" in err.message


def test_formula_in_a_scenario_need_fails_at_its_line(
    tmp_path: Path, agreement_factory: Callable[..., Agreement]
) -> None:
    agreement = agreement_factory(
        pledges=[{"id": "f", "party": "FR", "capability": "ground_battalion", "quantity": 1}],
        needs=[{"capability": "ground_battalion", "formula": "contact_line_km / 100"}],
    )
    with pytest.raises(UserError, match="unknown situation value 'contact_line_km'"):
        plan_step(agreement, "s1")
    path = tmp_path / "s.yaml"
    path.write_text(
        "situation:\n  contact_line_km: 1200\nsteps:\n  s1:\n    needs:\n"
        "      - {capability: logistics, formula: 'contact_line_km / 0'}\n",
        encoding="utf-8",
    )
    with pytest.raises(UserError, match=r"s.yaml:6:9: formula .* division by zero"):
        plan_step(agreement, "s1", scenario=load_scenario(path))
    path.write_text("situation:\n  contact_line_km: 1200\n", encoding="utf-8")
    plan = plan_step(agreement, "s1", scenario=load_scenario(path))
    assert plan.requirements[0].quantity == 12  # ceil for whole units


def test_situation_from_needs_the_data(examples_dir: Path) -> None:
    from guarantor.spec.load import load_agreement

    agreement = load_agreement(examples_dir / "agreements" / "paris_declaration_2026.yaml")
    scenario = load_scenario(examples_dir / "scenarios" / "paris_reassurance_measured.yaml")
    with pytest.raises(UserError, match=r"paris_reassurance_measured.yaml:9:\d+: .*pass --data"):
        plan_step(agreement, "mnf-presence", scenario=scenario, data_dir=None)


@pytest.mark.data
def test_contact_line_measured_by_the_territory_room_sizes_the_force(
    shared_data: Path, examples_dir: Path
) -> None:
    from guarantor.spec.load import load_agreement

    agreement = load_agreement(examples_dir / "agreements" / "paris_declaration_2026.yaml")
    scenario = load_scenario(examples_dir / "scenarios" / "paris_reassurance_measured.yaml")
    plan = plan_step(agreement, "mnf-presence", scenario=scenario, data_dir=shared_data)
    note = next(n for n in plan.notes if n.startswith("contact_line_km = "))
    km = float(note.split("=")[1].split("km")[0].replace(",", ""))
    assert 900 < km < 1600  # the active front is commonly put at about 1,000-1,300 km
    assert "20260822" in note
    brigades = next(r for r in plan.requirements if r.capability == "ground_brigade")
    assert brigades.quantity == -(-km // 400)
