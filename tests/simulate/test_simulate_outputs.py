"""Sensitivity, plots and CSV: what the analyst sees besides the JSON."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from guarantor.simulate.designs import load_design
from guarantor.simulate.params import Parameters, load_parameters
from guarantor.simulate.plots import distributions, tornado_plot
from guarantor.simulate.render import COLUMNS, comparison_csv
from guarantor.simulate.run import simulate
from guarantor.simulate.sensitivity import tornado


@pytest.fixture(scope="module")
def small() -> Parameters:
    # a smaller adversary probe keeps the 2 x (uncertain parameters) runs quick
    return load_parameters().with_value("general.pilot_violations", 2_000)


def test_tornado_orders_bars_and_moves_the_right_way(small: Parameters) -> None:
    design = load_design("paris2026")
    base, bars = tornado(design, small, 500, 3)
    assert 0.0 < base < 1.0
    names = [b.name for b in bars]
    swings = [b.swing for b in bars]
    assert swings == sorted(swings, reverse=True)
    # only parameters this design meets: China is in no Paris body and pledges nothing
    assert not any(n.startswith("parties.CN.") for n in names)
    assert "parties.US.agree" in names
    by = {b.name: b for b in bars}
    # more willing members and a faster-forgiving clock both raise the index
    assert by["parties.US.agree"].at_high > by["parties.US.agree"].at_low
    assert by["general.speed_discount_days"].at_high > by["general.speed_discount_days"].at_low
    # a longer wait for verification lowers it
    verify = by["detection.unrequested_verification_days"]
    assert verify.at_high < verify.at_low


def test_plots_are_written_and_deterministic(tmp_path: Path, small: Parameters) -> None:
    result = simulate(["paris2026", "budapest1994"], 3_000, 1)
    first = distributions(result, tmp_path / "a")
    second = distributions(result, tmp_path / "b")
    assert [p.name for p in first] == [
        "simulate_response_time.png",
        "simulate_violations_per_year.png",
        "simulate_unanswered_km2.png",
    ]
    for a, b in zip(first, second, strict=True):
        assert a.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert a.read_bytes() == b.read_bytes()
    base, bars = tornado(load_design("budapest1994"), small, 200, 1)
    path = tornado_plot("budapest1994", base, bars, tmp_path / "t.png")
    assert path.stat().st_size > 1000 and not list(tmp_path.glob("*.tmp.png"))
    assert base == 0.0 and all(b.swing == 0.0 for b in bars)  # the floor stays at zero


def test_csv_has_one_row_per_design() -> None:
    result = simulate(["aug2025_no_us_backstop", "budapest1994"], 1_000, 2)
    rows = list(csv.reader(io.StringIO(comparison_csv(result))))
    assert rows[0] == list(COLUMNS)
    assert [r[0] for r in rows[1:]] == ["aug2025-no-us-backstop", "budapest1994"]
    assert rows[2][3] == "never" and rows[2][6] == "1.000"
