"""Summaries of flows: per donor or group and period, committed vs allocated vs delivered, share of GDP."""

from __future__ import annotations

import io
import json
import threading
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import Engine

from guarantor.errors import UserError
from guarantor.fileio import write_atomic
from guarantor.ledger.chain import iter_records
from guarantor.ledger.groups import GROUPS, group_of
from guarantor.ledger.records import FLOW_KINDS, PERIOD_RE, Kind

BN = Decimal(10) ** 9
MEASURES: tuple[str, ...] = (
    "total",
    "military",
    "financial",
    "humanitarian",
    "commitments",
    "delivered",
    "verified",
)
Period = Literal["month", "quarter", "year"]


@dataclass(frozen=True)
class EffectiveFlow:
    """One effective flow (after corrections): who, what kind, which category, which month, how much (EUR)."""

    party: str
    kind: str
    category: str
    period: str
    value_eur: Decimal


@dataclass
class Totals:
    """Sums in EUR for one donor, group or period."""

    values: dict[str, Decimal] = field(default_factory=lambda: dict.fromkeys(MEASURES, Decimal(0)))
    deliveries: int = 0

    def add(self, flow: EffectiveFlow) -> None:
        """Add one flow to the right measures."""
        if flow.kind == Kind.allocation:
            self.values["total"] += flow.value_eur
            if flow.category in ("military", "financial", "humanitarian"):
                self.values[flow.category] += flow.value_eur
        elif flow.kind == Kind.commitment:
            self.values["commitments"] += flow.value_eur
        elif flow.kind == Kind.delivery:
            self.values["delivered"] += flow.value_eur
            self.deliveries += 1
        elif flow.kind == Kind.verified_delivery:
            self.values["verified"] += flow.value_eur

    def as_dict(self, gdp_eur_bn: Decimal | None) -> dict[str, Any]:
        """EUR bn figures (exact decimal sums, printed as numbers), ratios and share of GDP."""
        out: dict[str, Any] = {m: bn(self.values[m]) for m in MEASURES}
        total = self.values["total"]
        # No delivery records at all means "not tracked" (as in the Kiel data), not "nothing delivered".
        out["delivery_ratio"] = ratio(self.values["delivered"], total) if self.deliveries else None
        out["allocation_ratio"] = ratio(total, self.values["commitments"])
        out["pct_gdp"] = None if not gdp_eur_bn else float(round(total / BN / gdp_eur_bn * 100, 6))
        return out


def bn(value_eur: Decimal) -> float:
    """EUR → EUR bn as a JSON number; exact to the euro for sums below 10^15 EUR (17 significant digits)."""
    return float(value_eur / BN)


def ratio(numerator: Decimal, denominator: Decimal) -> float | None:
    """numerator / denominator rounded to 6 decimals, None when the denominator is zero."""
    return None if denominator == 0 else float(round(numerator / denominator, 6))


@dataclass
class Profile:
    """What summaries know about a party: ISO code and GDP (EUR bn)."""

    iso: str | None = None
    gdp_eur_bn: Decimal | None = None


@dataclass
class LedgerFlows:
    """All effective flows and party profiles, read once from the ledger."""

    flows: list[EffectiveFlow]
    profiles: dict[str, Profile]

    def group(self, party: str) -> str:
        """The group of a party (by its profile's ISO code)."""
        return group_of(self.profiles.get(party, Profile()).iso)


class FlowReader:
    """Effective flows of one ledger, kept current by reading only the records appended since the
    last read: the chain is append-only (a change is a new record), so nothing read can change.
    A record edited or deleted in the database behind the ledger's back is `verify`'s business.

    Effective means: a record superseded by a record of the same party does not count; a verified
    delivery counts for the donor whose delivery it confirms."""

    KINDS: tuple[str, ...] = tuple(str(k) for k in (*FLOW_KINDS, Kind.party_profile))

    def __init__(self) -> None:
        self._party: dict[int, str] = {}  # seq -> party, for every record read
        self._flows: dict[int, EffectiveFlow] = {}
        self._profiles: dict[int, tuple[str, Profile]] = {}
        self._superseded: set[int] = set()
        self._claims: dict[int, set[str]] = {}  # seqs named by `supersedes` before they were read
        self._last = 0
        self._lock = threading.Lock()

    def read(self, engine: Engine) -> LedgerFlows:
        """The effective flows as of now (records appended since the last call are read)."""
        with self._lock:
            for rec in iter_records(engine, self.KINDS, after=self._last):
                self._add(rec.seq, rec.kind, rec.party, rec.ref_list(), json.loads(rec.payload))
                self._last = rec.seq
            gone = self._superseded
            profiles = {p: v for s, (p, v) in self._profiles.items() if s not in gone}
            flows = [f for s, f in self._flows.items() if s not in gone]
            return LedgerFlows(flows, profiles)

    def _add(self, seq: int, kind: str, party: str, refs: list[int], data: Any) -> None:
        self._party[seq] = party
        if party in self._claims.pop(seq, ()):
            self._superseded.add(seq)
        if not isinstance(data, dict):
            return
        target = data.get("supersedes")
        if isinstance(target, int):
            if target not in self._party:
                self._claims.setdefault(target, set()).add(party)
            elif self._party[target] == party:
                self._superseded.add(target)
        if kind == Kind.party_profile:
            gdp = data.get("gdp_eur_bn")
            self._profiles[seq] = (
                party,
                Profile(iso=data.get("iso"), gdp_eur_bn=Decimal(gdp) if gdp else None),
            )
            return
        if kind == Kind.verified_delivery and refs and refs[0] in self._party:
            party = self._party[refs[0]]
        self._flows[seq] = EffectiveFlow(
            party=party,
            kind=kind,
            category=str(data.get("category", "unspecified")),
            period=str(data.get("period", "")),
            value_eur=Decimal(str(data.get("value_eur", "0"))),
        )


def read_flows(engine: Engine) -> LedgerFlows:
    """Effective flows: a record superseded by a later record of the same party does not count."""
    return FlowReader().read(engine)


def check_period(value: str | None, name: str) -> str | None:
    """Validate a YYYY-MM bound given by the user."""
    if value is not None and not PERIOD_RE.match(value):
        raise UserError(f"{name} must be a month as YYYY-MM, got {value!r}")
    return value


def summarise(
    data: LedgerFlows,
    *,
    by: Literal["donor", "group"] = "donor",
    period_from: str | None = None,
    period_to: str | None = None,
    per: Period | None = None,
    party: str | None = None,
) -> list[dict[str, Any]]:
    """Totals per donor (sorted by name) or per group (US, Europe, other, all) in EUR bn; with
    `per`, one row per period and donor or group, periods in order (share of GDP: of annual GDP);
    `party` (the ledger's name, see guarantor.ledger.access.resolve_party) keeps one donor's flows."""
    check_period(period_from, "--from")
    check_period(period_to, "--to")
    flows = [
        f
        for f in data.flows
        if not (period_from and f.period < period_from)
        and not (period_to and f.period > period_to)
        and (party is None or f.party == party)
    ]
    if per is None:
        return _rows(data, flows, by)
    periods: dict[str, list[EffectiveFlow]] = defaultdict(list)
    for flow in flows:
        if flow.period:
            periods[period_of(flow.period, per)].append(flow)
    return [
        {"period": label, **row}
        for label in sorted(periods)
        for row in _rows(data, periods[label], by)
    ]


def _rows(
    data: LedgerFlows, flows: list[EffectiveFlow], by: Literal["donor", "group"]
) -> list[dict[str, Any]]:
    totals: dict[str, Totals] = defaultdict(Totals)
    for flow in flows:
        if by == "donor":
            totals[flow.party].add(flow)
        else:
            totals[data.group(flow.party)].add(flow)
            totals["all"].add(flow)
    rows: list[dict[str, Any]] = []
    if by == "donor":
        for party in sorted(totals):
            profile = data.profiles.get(party, Profile())
            row = {"donor": party, "iso": profile.iso, "group": data.group(party)}
            row.update(totals[party].as_dict(profile.gdp_eur_bn))
            rows.append(row)
        return rows
    gdp: dict[str, Decimal] = defaultdict(Decimal)
    for party, profile in data.profiles.items():
        if profile.gdp_eur_bn:
            gdp[data.group(party)] += profile.gdp_eur_bn
            gdp["all"] += profile.gdp_eur_bn
    for name in GROUPS:
        row = {"group": name}
        row.update(totals[name].as_dict(gdp.get(name) or None))
        rows.append(row)
    return rows


def period_of(month: str, period: Period) -> str:
    """The period label a YYYY-MM month falls in: the month, YYYY-Qn, or YYYY."""
    if period == "month":
        return month
    if period == "year":
        return month[:4]
    return f"{month[:4]}-Q{(int(month[5:7]) - 1) // 3 + 1}"


def split(data: LedgerFlows, *, period: Period = "year") -> list[dict[str, Any]]:
    """Allocations of the US and Europe per period, with Europe's share and cumulative totals (EUR bn)."""
    per: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for flow in data.flows:
        if flow.kind != Kind.allocation or not flow.period:
            continue
        label = period_of(flow.period, period)
        per[label][data.group(flow.party)] += flow.value_eur
        per[label]["all"] += flow.value_eur
    rows: list[dict[str, Any]] = []
    cum: dict[str, Decimal] = defaultdict(Decimal)
    for label in sorted(per):
        values = per[label]
        for g in GROUPS:
            cum[g] += values[g]
        us_eu = values["US"] + values["Europe"]
        rows.append(
            {
                "period": label,
                "US": bn(values["US"]),
                "Europe": bn(values["Europe"]),
                "other": bn(values["other"]),
                "all": bn(values["all"]),
                "europe_share_of_us_plus_europe": ratio(values["Europe"], us_eu),
                "cumulative_US": bn(cum["US"]),
                "cumulative_Europe": bn(cum["Europe"]),
                "cumulative_all": bn(cum["all"]),
            }
        )
    return rows


def plot_split(rows: list[dict[str, Any]], path: Path, *, title: str) -> Path:
    """Write a PNG: allocations per period (bars) and cumulative lines, US vs Europe."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    if not rows:
        raise UserError("nothing to plot: the ledger holds no allocations")
    labels = [r["period"] for r in rows]
    x = range(len(labels))
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(11, 7), sharex=True, height_ratios=(1, 1))
    width = 0.4
    top.bar([i - width / 2 for i in x], [r["US"] for r in rows], width, label="US", color="#3b6ea5")
    top.bar(
        [i + width / 2 for i in x],
        [r["Europe"] for r in rows],
        width,
        label="Europe",
        color="#e0a030",
    )
    top.set_ylabel("allocated per period (EUR bn)")
    top.legend(loc="upper right")
    top.set_title(title)
    bottom.plot(list(x), [r["cumulative_US"] for r in rows], label="US", color="#3b6ea5", lw=2)
    bottom.plot(
        list(x), [r["cumulative_Europe"] for r in rows], label="Europe", color="#e0a030", lw=2
    )
    bottom.plot(
        list(x),
        [r["cumulative_all"] for r in rows],
        label="all donors",
        color="#555555",
        lw=1,
        ls="--",
    )
    bottom.set_ylabel("cumulative (EUR bn)")
    bottom.legend(loc="upper left")
    step = max(1, len(labels) // 16)
    bottom.set_xticks(list(x)[::step], labels[::step], rotation=45, ha="right")
    for ax in (top, bottom):
        ax.grid(axis="y", alpha=0.3)
    fig.text(
        0.01,
        0.005,
        "Europe = EU27 + EU institutions + UK, Norway, Switzerland, Iceland",
        fontsize=8,
        color="#555555",
    )
    fig.tight_layout()
    png = io.BytesIO()
    try:
        fig.savefig(png, format="png", dpi=110, metadata={"Software": None})
    finally:
        plt.close(fig)
    write_atomic(path, png.getvalue())
    return path
