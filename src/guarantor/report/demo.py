"""The report section of `guarantor demo`: the August 2025 proposal's report."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from rich.rule import Rule
from rich.table import Table

from guarantor.jsonout import dumps
from guarantor.report.build import write_report
from guarantor.report.request import ReportRequest
from guarantor.sources.locate import DEEPSTATE_FILE, KIEL_FILE, UCDP_FILE

if TYPE_CHECKING:
    from guarantor.demo import DemoContext

AGREEMENT = "agreements/aug2025_article5_like.yaml"
BORDER = "boundaries/naturalearth_10m_ukraine_admin0_deu_pov.geojson"
NEGOTIATION = "negotiation/ukraine-2025.yaml"


def run(ctx: DemoContext) -> None:
    """Write the report for the August 2025 proposal."""
    console = ctx.console
    console.print(Rule("[bold]report[/]: the August 2025 proposal, as a file to send"))
    data = ctx.data
    req = ReportRequest(
        agreement=ctx.examples / AGREEMENT,
        negotiation=ctx.examples / NEGOTIATION,
        data=data.path,
        trials=2000,
    )
    extra = {}
    if data.path is None:
        from guarantor.territory.synthetic import START, write_synthetic

        scenario = write_synthetic(ctx.out / "report" / "synthetic", days=30)
        req.territory, req.border, req.start = scenario.snapshots, scenario.border, START
        extra["data"] = (
            "SYNTHETIC scenario (Synthland, 30 days from 2030-01-01): no real data found"
        )
        req.note = "SYNTHETIC DATA: " + extra["data"]
    else:
        req.territory = data.file(DEEPSTATE_FILE)
        req.border = data.file(BORDER)
        req.events = [p for p in (data.file(UCDP_FILE),) if p is not None]
        req.kiel = data.file(KIEL_FILE)
        ledger = ctx.out / "ledger.sqlite"  # written by the ledger section from the same tracker
        if ledger.exists():
            req.ledger, req.kiel = str(ledger), None
    out = ctx.out / "report" / "aug2025_article5_like.html"
    simulated = ctx.results.get("simulate")
    if isinstance(simulated, dict) and "designs" in simulated:
        # the simulate section already compared the designs: reuse its document, do not rerun
        sim = ctx.out / "report" / "simulate.json"
        sim.parent.mkdir(parents=True, exist_ok=True)
        sim.write_text(dumps(simulated), encoding="utf-8")
        req.simulation = sim
    started = time.perf_counter()
    with console.status(
        "building the report (replay, plan, ledger, negotiation, designs)"
    ) as status:
        sections = write_report(req, out, progress=lambda m: status.update(f"report: {m}"))
    seconds = time.perf_counter() - started
    table = Table(title="Report sections", title_justify="left")
    table.add_column("section")
    table.add_column("status")
    table.add_column("note")
    for s in sections:
        colour = {"ok": "green", "partial": "yellow", "missing": "red"}[s.status]
        table.add_row(s.title, f"[{colour}]{s.status}[/]", "; ".join(s.problems)[:90])
    console.print(table)
    if "data" in extra:
        console.print(f"[yellow]{extra['data']}[/]")
    size = out.stat().st_size / 1e6
    console.print(
        f"report: [bold]{out}[/] ({size:.1f} MB, one self-contained HTML file, {seconds:.1f} s); "
        f"PDF: guarantor report ... --pdf {out.with_suffix('.pdf').name}"
    )
    ctx.results["report"] = {
        "path": str(out),
        "sections": {s.id: s.status for s in sections},
        "seconds": round(seconds, 1),
    }
