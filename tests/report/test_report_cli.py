"""`guarantor report` end to end: JSON summary on stdout, PDF through Chromium, errors, real data."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from guarantor.report.pdf import find_chromium


def _run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "guarantor.cli", "report", *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd=cwd,
    )


def test_cli_json_summary_and_pdf(synthetic: Any, tmp_path: Path) -> None:
    out, pdf = tmp_path / "r.html", tmp_path / "r.pdf"
    args = [
        str(synthetic.agreement),
        "--territory", str(synthetic.snapshots),
        "--border", str(synthetic.border),
        "--from", "2030-01-01",
        "--trials", "200",
        "--out", str(out),
        "--format", "json",
    ]  # fmt: skip
    chromium = find_chromium()
    if chromium is not None:
        args += ["--pdf", str(pdf)]
    done = _run(*args)
    assert done.returncode == 0, done.stderr[-2000:]
    doc = json.loads(done.stdout)  # exactly one JSON document: native banners went to stderr
    assert doc["out"] == str(out)
    status = {s["section"]: s["status"] for s in doc["sections"]}
    assert status["territory"] == "ok"
    assert status["ledger"] == "missing"
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    if chromium is None:
        pytest.skip("Chromium not installed (apt-get install chromium): --pdf not exercised")
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF-")
    assert len(data) > 20_000


def test_cli_user_errors_exit_2_without_traceback(synthetic: Any, tmp_path: Path) -> None:
    out = tmp_path / "r.txt"
    done = _run(str(synthetic.agreement), "--out", str(out), "--from", "2030-13-01")
    assert done.returncode == 2
    assert "'--from': '2030-13-01' is not a date (YYYY-MM-DD)" in done.stderr
    assert "Traceback" not in done.stderr
    done = _run(
        str(synthetic.agreement), "--out", str(out), "--from", "2030-01-01", "--trials", "200"
    )
    assert done.returncode == 2
    assert "must end in .html" in done.stderr
    assert not out.exists()


def test_real_data_report_for_the_august_2025_proposal(
    shared_data: Path, examples_dir: Path, tmp_path: Path
) -> None:
    """DeepState snapshots, the Natural Earth border and the Kiel tracker, over Aug-Sep 2025."""
    out = tmp_path / "aug2025.html"
    done = _run(
        str(examples_dir / "agreements" / "aug2025_article5_like.yaml"),
        "--territory", str(shared_data / "frontline" / "deepstate_cyterat_daily_2024-07-08_2026-08-22.tar.xz"),
        "--border", str(shared_data / "boundaries" / "naturalearth_10m_ukraine_admin0_deu_pov.geojson"),
        "--kiel", str(shared_data / "aid_kiel_ust" / "data_explorer.csv"),
        "--negotiation", str(examples_dir / "negotiation" / "ukraine-2025.yaml"),
        "--from", "2025-08-18",
        "--to", "2025-09-30",
        "--trials", "200",
        "--out", str(out),
        "--format", "json",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    status = {s["section"]: s["status"] for s in json.loads(done.stdout)["sections"]}
    for sid in (
        "agreement",
        "territory",
        "obligations",
        "plan",
        "ledger",
        "negotiation",
        "designs",
    ):
        assert status[sid] == "ok", (sid, status)
    page = out.read_text(encoding="utf-8")
    assert "deepstatemap_data_20250818.geojson" in page  # the agreed line's snapshot is named
    assert "deepstatemap_data_20250930.geojson" in page  # and the control shown on the map
    assert "United States" in page and "Europe" in page
    assert "additional-territory" in page  # Russian advances beyond the line of 18 August
    assert "/work/" not in page and str(shared_data) not in page  # no local paths in a report
