"""One resolver for party identity: a party is named by its id (code), its name, or its ISO 3166-1
alpha-3 or alpha-2 code, in any case ("FR", "France", "FRA", "fr" all name FR).

Agreements (`Agreement.party_names()`), the ledger (`guarantor.ledger.access.ledger_party_names`),
API tokens, the respond CLI's `--without` and the dashboard all resolve through `PartyNames`.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

# ISO 3166-1 alpha-3 -> (alpha-2, English short name) for the states the example agreements and
# the Kiel tracker name. A small table rather than a library: the venv has no country library
# (pycountry is not installed) and `model` imports nothing heavy; a state missing here is still
# found by its id, its name and its alpha-3 code.
COUNTRIES: dict[str, tuple[str, str]] = {
    "ALB": ("AL", "Albania"), "AUS": ("AU", "Australia"), "AUT": ("AT", "Austria"),
    "BEL": ("BE", "Belgium"), "BGR": ("BG", "Bulgaria"), "BLR": ("BY", "Belarus"),
    "CAN": ("CA", "Canada"), "CHE": ("CH", "Switzerland"), "CHN": ("CN", "China"),
    "CYP": ("CY", "Cyprus"), "CZE": ("CZ", "Czechia"), "DEU": ("DE", "Germany"),
    "DNK": ("DK", "Denmark"), "ESP": ("ES", "Spain"), "EST": ("EE", "Estonia"),
    "FIN": ("FI", "Finland"), "FRA": ("FR", "France"), "GBR": ("GB", "United Kingdom"),
    "GEO": ("GE", "Georgia"), "GRC": ("GR", "Greece"), "HRV": ("HR", "Croatia"),
    "HUN": ("HU", "Hungary"), "IRL": ("IE", "Ireland"), "ISL": ("IS", "Iceland"),
    "ITA": ("IT", "Italy"), "JPN": ("JP", "Japan"), "KOR": ("KR", "South Korea"),
    "LTU": ("LT", "Lithuania"), "LUX": ("LU", "Luxembourg"), "LVA": ("LV", "Latvia"),
    "MDA": ("MD", "Moldova"), "MKD": ("MK", "North Macedonia"), "MLT": ("MT", "Malta"),
    "MNE": ("ME", "Montenegro"), "NLD": ("NL", "Netherlands"), "NOR": ("NO", "Norway"),
    "NZL": ("NZ", "New Zealand"), "POL": ("PL", "Poland"), "PRT": ("PT", "Portugal"),
    "ROU": ("RO", "Romania"), "RUS": ("RU", "Russia"), "SVK": ("SK", "Slovakia"),
    "SVN": ("SI", "Slovenia"), "SWE": ("SE", "Sweden"), "TUR": ("TR", "Turkey"),
    "UKR": ("UA", "Ukraine"), "USA": ("US", "United States"),
}  # fmt: skip
ALPHA2: dict[str, str] = {a3: a2 for a3, (a2, _) in COUNTRIES.items()}
_ALPHA3_BY_NAME: dict[str, str] = {name.casefold(): a3 for a3, (_, name) in COUNTRIES.items()}


def iso_of_name(name: str) -> str | None:
    """The ISO alpha-3 code of a state named by its English short name or an ISO code, if known."""
    key = name.strip().casefold()
    found = _ALPHA3_BY_NAME.get(key)
    if found is not None:
        return found
    upper = key.upper()
    if upper in COUNTRIES:
        return upper
    return next((a3 for a3, a2 in ALPHA2.items() if a2 == upper), None)


def party_key(text: str) -> str:
    """The form names are compared in: whitespace collapsed, casefolded."""
    return " ".join(text.split()).casefold()


class UnknownParty(ValueError):
    """A name that names no party; the message lists the closest match and the known parties."""


@dataclass(frozen=True)
class PartyEntry:
    """One party as a resolver knows it: its id, display name and ISO alpha-3 code."""

    id: str
    name: str
    iso: str | None = None


@dataclass(frozen=True)
class PartyNames:
    """Every way to name each party (id, name, ISO alpha-3 and alpha-2, the state's English short
    name from the table, any case) -> its id."""

    entries: tuple[PartyEntry, ...] = ()
    keys: Mapping[str, str] = field(default_factory=dict)
    scope: str = "the agreement"  # whose parties, in messages: "the agreement", "the ledger"

    @classmethod
    def of(cls, entries: Iterable[PartyEntry], scope: str = "the agreement") -> PartyNames:
        """The resolver of these parties; ids win over names, names over ISO codes on a clash."""
        listed = tuple(entries)
        keys: dict[str, str] = {}
        tiers: list[list[tuple[str, str]]] = [[], [], []]
        for e in listed:
            tiers[0].append((e.id, e.id))
            tiers[1].append((e.name, e.id))
            iso = e.iso or iso_of_name(e.name) or iso_of_name(e.id)
            if iso:
                a2, english = COUNTRIES.get(iso, (iso, iso))
                tiers[2] += [(iso, e.id), (a2, e.id), (english, e.id)]
        for tier in tiers:
            for name, pid in tier:
                if name.strip():
                    keys.setdefault(party_key(name), pid)
        return cls(listed, keys, scope)

    @property
    def ids(self) -> list[str]:
        """The parties' ids, in the order given."""
        return [e.id for e in self.entries]

    @property
    def labels(self) -> dict[str, str]:
        """Id -> display name."""
        return {e.id: e.name for e in self.entries}

    def get(self, text: str) -> str | None:
        """The id `text` names, or None."""
        return self.keys.get(party_key(text))

    def resolve(self, text: str, where: str = "") -> str:
        """The id `text` names; UnknownParty (with a "did you mean") when it names none."""
        found = self.get(text)
        if found is not None:
            return found
        raise UnknownParty(self.unknown_message(text, where))

    def resolve_all(self, texts: Iterable[str], where: str = "") -> list[str]:
        """The ids the texts name, sorted and without repeats; UnknownParty on the first unknown."""
        return sorted({self.resolve(t, where) for t in texts})

    def unknown_message(self, text: str, where: str = "") -> str:
        """One line: which name is unknown, where, the closest party and the known parties."""
        close = difflib.get_close_matches(party_key(text), list(self.keys), n=1, cutoff=0.6)
        hint = ""
        if close:
            pid = self.keys[close[0]]
            name = self.labels.get(pid, pid)
            hint = f"; did you mean {pid!r}" + (f" ({name})" if name != pid else "") + "?"
        known = ", ".join(e.id if e.name == e.id else f"{e.id} ({e.name})" for e in self.entries)
        at = f"{where}: " if where else ""
        return f"{at}{text!r} is not a party of {self.scope}{hint} (known: {known or 'none'})"
