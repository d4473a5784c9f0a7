"""The one party resolver (guarantor.model.party_names): id, name, ISO alpha-3 and alpha-2, any
case, over every example agreement; an unknown name says which party is closest."""

from __future__ import annotations

from pathlib import Path

import pytest

from guarantor.model import PartyEntry, PartyNames, UnknownParty
from guarantor.model.party_names import ALPHA2, COUNTRIES
from guarantor.spec.load import load_spec

EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "examples" / "agreements").glob("*.yaml"))


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_every_party_of_every_example_resolves_by_each_of_its_names(path: Path) -> None:
    agreement = load_spec(path).agreement
    names = agreement.party_names()
    for party in agreement.parties:
        spellings = [party.id, party.id.lower(), party.name, party.name.upper()]
        if party.iso:
            spellings += [party.iso, party.iso.lower()]
            if party.iso in ALPHA2 and ALPHA2[party.iso] not in agreement.party_ids():
                spellings.append(ALPHA2[party.iso])
        for text in spellings:
            if names.get(text) in agreement.party_ids() - {party.id}:
                continue  # another party's id or name wins on a clash (ids first, then names)
            assert names.resolve(text) == party.id, (path.name, text)


def test_the_iso_table_covers_every_example_state() -> None:
    isos = {p.iso for path in EXAMPLES for p in load_spec(path).agreement.parties if p.iso}
    assert isos <= set(COUNTRIES), sorted(isos - set(COUNTRIES))


def test_ids_win_over_names_and_names_over_iso_codes() -> None:
    names = PartyNames.of(
        [PartyEntry("UK", "United Kingdom", "GBR"), PartyEntry("GB", "Great Britain Ltd", None)]
    )
    assert names.resolve("GB") == "GB"  # an id, before UK's alpha-2 code
    assert names.resolve("gbr") == "UK"


def test_unknown_names_say_the_closest_party_and_the_known_ones() -> None:
    names = PartyNames.of([PartyEntry("FR", "France", "FRA"), PartyEntry("PL", "Poland", "POL")])
    with pytest.raises(UnknownParty) as exc:
        names.resolve("Frnace", "--without")
    assert str(exc.value) == (
        "--without: 'Frnace' is not a party of the agreement; did you mean 'FR' (France)? "
        "(known: FR (France), PL (Poland))"
    )
    with pytest.raises(UnknownParty, match="'Atlantis' is not a party of the agreement \\(known"):
        names.resolve("Atlantis")
    assert names.resolve_all(["fr", "France", "POL"]) == ["FR", "PL"]
