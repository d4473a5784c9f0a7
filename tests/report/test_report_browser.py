"""The report in headless Chromium at 1280 px and 390 px (report.browser.mjs): screenshots in
tests/_artifacts/report/, no horizontal scroll on a phone, axe-core with no serious violations."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from guarantor.report.pdf import find_chromium

REPO = Path(__file__).resolve().parents[2]
WEB = REPO / "web"
SCRIPT = Path(__file__).with_name("report.browser.mjs")
ARTIFACTS = REPO / "tests" / "_artifacts" / "report"


def _names() -> list[str]:
    return [
        f"the report at {w} px: styled, no horizontal scroll, axe clean" for w in ("1280", "390")
    ]


@pytest.fixture(scope="module")
def results(
    synthetic: Any, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, tuple[bool, str]]:
    """The synthetic report written once and opened in one browser; outcome and TAP text per test."""
    chromium = find_chromium()
    if chromium is None:
        pytest.skip("Chromium is not installed (apt-get install chromium); browser tests need it")
    if shutil.which("node") is None:
        pytest.skip("Node.js is not installed; the browser tests run playwright-core under node")
    if not (WEB / "node_modules" / "playwright-core").is_dir():
        pytest.skip("web/node_modules lacks playwright-core/axe-core: run `make browser-deps`")
    from datetime import date

    from guarantor.report.build import write_report
    from guarantor.report.request import ReportRequest

    out = tmp_path_factory.mktemp("report-browser") / "report.html"
    html = os.environ.get("GUARANTOR_REPORT_HTML")  # an already written report (e.g. real data)
    if html:
        out = Path(html)
    else:
        write_report(
            ReportRequest(
                agreement=synthetic.agreement,
                territory=synthetic.snapshots,
                border=synthetic.border,
                start=date(2030, 1, 1),
                negotiation=synthetic.negotiation,
                trials=200,
            ),
            out,
        )
    env = {
        **os.environ,
        "REPORT_HTML": str(out),
        "ARTIFACTS": str(ARTIFACTS),
        "CHROMIUM": chromium,
        "WEB_DIR": str(WEB),
    }
    done = subprocess.run(
        ["node", "--test", "--test-reporter=tap", str(SCRIPT)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    found: dict[str, tuple[bool, str]] = {}
    for block in re.split(r"^# Subtest: ", done.stdout, flags=re.M)[1:]:
        name = block.splitlines()[0].strip()
        found[name] = (bool(re.search(rf"^ok \d+ - {re.escape(name)}", block, re.M)), block)
    if not found:
        pytest.fail(f"the browser tests did not run:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return found


@pytest.mark.parametrize("name", _names())
def test_report_in_the_browser(results: dict[str, tuple[bool, str]], name: str) -> None:
    """One width of report.browser.mjs."""
    assert name in results, f"scenario did not run: {name}"
    ok, text = results[name]
    assert ok, text[-4000:]
