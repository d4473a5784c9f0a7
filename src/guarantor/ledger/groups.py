"""Donor groups used in summaries: the US, Europe (EU27 + EU institutions + UK, NO, CH, IS), others."""

from __future__ import annotations

# The 27 EU member states (since 1 Feb 2020), ISO 3166-1 alpha-3, as the Kiel tracker codes them.
EU27: frozenset[str] = frozenset(
    {
        "AUT", "BEL", "BGR", "HRV", "CYP", "CZE", "DNK", "EST", "FIN", "FRA", "DEU", "GRC", "HUN", "IRL",
        "ITA", "LVA", "LTU", "LUX", "MLT", "NLD", "POL", "PRT", "ROU", "SVK", "SVN", "ESP", "SWE",
    }
)  # fmt: skip
EU_INSTITUTIONS = "EU"  # Kiel: "EU (Commission and Council)"
EUROPE_NON_EU: frozenset[str] = frozenset({"GBR", "NOR", "CHE", "ISL"})
EUROPE: frozenset[str] = EU27 | {EU_INSTITUTIONS} | EUROPE_NON_EU
US = "USA"
GROUPS: tuple[str, ...] = ("US", "Europe", "other", "all")


def group_of(iso: str | None) -> str:
    """The summary group of a donor by its ISO code: 'US', 'Europe' or 'other'."""
    if iso == US:
        return "US"
    if iso in EUROPE:
        return "Europe"
    return "other"
