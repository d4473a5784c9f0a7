"""The HTML report: sections, determinism, self-containment, and missing or broken inputs."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from guarantor.errors import UserError
from guarantor.report.build import build_report, write_report
from guarantor.report.request import ReportRequest

SECTION_IDS = [
    "agreement",
    "territory",
    "activations",
    "obligations",
    "plan",
    "ledger",
    "negotiation",
    "designs",
]


def _request(s: Any, **changes: Any) -> ReportRequest:
    req = ReportRequest(
        agreement=s.agreement,
        territory=s.snapshots,
        border=s.border,
        start=date(2030, 1, 1),
        negotiation=s.negotiation,
        trials=200,
    )
    for key, value in changes.items():
        setattr(req, key, value)
    return req


def _status(sections: list[Any]) -> dict[str, str]:
    return {s.id: s.status for s in sections}


class _Refs(HTMLParser):
    """Collects every URL-bearing attribute and every tag name."""

    def __init__(self) -> None:
        super().__init__()
        self.refs: list[str] = []
        self.tags: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        for name, value in attrs:
            if name in ("src", "href", "xlink:href", "action", "poster") and value:
                self.refs.append(value)


@pytest.fixture(scope="module", autouse=True)
def own_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The report's territory cache is this module's own, never the user's: a figure cached by
    another version must not reach the golden file (it once did)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GUARANTOR_CACHE", str(tmp_path_factory.mktemp("cache")))
        yield


@pytest.fixture(scope="module")
def built(synthetic: Any) -> tuple[str, list[Any]]:
    return build_report(_request(synthetic))


def test_report_has_every_section_and_synthetic_activation(built: tuple[str, list[Any]]) -> None:
    page, sections = built
    assert [s.id for s in sections] == SECTION_IDS
    status = _status(sections)
    assert status["agreement"] == "ok"
    assert status["territory"] == "ok"
    assert status["obligations"] == "ok"
    assert status["negotiation"] == "ok"
    assert status["designs"] == "ok"
    assert status["ledger"] == "missing"  # no ledger and no Kiel file were given
    # Synthland's obligor advance from day 10 activates the territorial trigger; its evidence links
    # to the incident row in the territory section.
    link = re.search(r'<a href="#ev-(O-2030\d{4}-\d+)">', page)
    assert link is not None
    assert f'id="ev-{link.group(1)}"' in page
    assert "additional-territory" in page
    for sid in SECTION_IDS:
        assert f'<section id="{sid}"' in page


def test_report_is_self_contained(built: tuple[str, list[Any]]) -> None:
    page, _ = built
    parser = _Refs()
    parser.feed(page)
    assert not {"script", "link", "img", "iframe", "object"} & parser.tags
    outside = [r for r in parser.refs if not r.startswith("#")]
    assert outside == []
    assert "url(" not in page.split("</style>")[0]  # no external fonts or images in the CSS
    assert page.count("<svg") >= 5  # map, area, timeline, obligations, fair shares


def test_every_figure_names_its_source(built: tuple[str, list[Any]]) -> None:
    page, _ = built
    captions = re.findall(r"<figcaption>(.*?)</figcaption>", page, re.S)
    assert len(captions) == page.count("<figure>")
    assert all("Source" in c for c in captions)


def test_same_inputs_give_byte_identical_reports(
    built: tuple[str, list[Any]], synthetic: Any, tmp_path: Path
) -> None:
    again = tmp_path / "again.html"
    write_report(_request(synthetic), again)
    assert again.read_bytes() == built[0].encode("utf-8")
    assert "Generated" not in built[0]  # no timestamp unless asked for


def test_timestamp_only_when_asked() -> None:
    from guarantor.report.document import Section, assemble

    page = assemble("t", "s", [Section("a", "A")], [], "0", generated="2030-02-01 12:00 UTC")
    assert "Generated 2030-02-01 12:00 UTC" in page
    assert "Generated" not in assemble("t", "s", [Section("a", "A")], [], "0")


def test_only_the_agreement_still_renders_and_marks_the_rest(
    synthetic: Any, tmp_path: Path
) -> None:
    req = ReportRequest(agreement=synthetic.agreement, start=date(2030, 1, 1), trials=200)
    out = tmp_path / "only.html"
    sections = write_report(req, out)
    status = _status(sections)
    assert status["territory"] == "missing"
    assert status["ledger"] == "missing"
    assert status["negotiation"] == "missing"
    # no source observed anything in the period: the activations are missing, not "none"
    assert status["activations"] == "missing"
    assert status["obligations"] == "partial"
    text = out.read_text(encoding="utf-8")
    assert "events: no records at all (no event files given)" in text
    assert "No trigger was activated in the period." not in text
    assert "no territory snapshots were given (--territory)" in text
    assert "no negotiation model was given (--negotiation)" in text
    assert '<span class="badge missing">missing</span>' in text


def test_broken_inputs_say_which_and_the_rest_renders(synthetic: Any, tmp_path: Path) -> None:
    bad_snaps = tmp_path / "snaps"
    bad_snaps.mkdir()
    (bad_snaps / "deepstatemap_data_20300101.geojson").write_text("{not json", encoding="utf-8")
    bad_kiel = tmp_path / "data_explorer.csv"
    bad_kiel.write_text("country,iso\nGermany\n", encoding="utf-8")
    bad_model = tmp_path / "model.yaml"
    bad_model.write_text("decision_makers: [oops\n", encoding="utf-8")
    bad_sim = tmp_path / "simulate.json"
    bad_sim.write_text('{"designs": 3}', encoding="utf-8")
    page, sections = build_report(
        _request(
            synthetic,
            territory=bad_snaps,
            kiel=bad_kiel,
            negotiation=bad_model,
            simulation=bad_sim,
            events=[tmp_path / "absent.csv"],
        )
    )
    status = _status(sections)
    assert status["agreement"] == "ok"
    assert status["territory"] == "missing"
    assert status["ledger"] == "missing"
    assert status["negotiation"] == "missing"
    assert status["designs"] == "missing"
    problems = {s.id: " ".join(s.problems) for s in sections}
    assert "absent.csv does not exist" in problems["activations"]
    assert "model.yaml unusable" in problems["negotiation"]
    assert "simulate.json unusable" in problems["designs"]
    assert "data_explorer.csv" in page or "ledger" in problems["ledger"]
    assert page.rstrip().endswith("</html>")


def test_unloadable_agreement_marks_everything_that_needs_it(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: x\nparties: [\n", encoding="utf-8")
    page, sections = build_report(ReportRequest(agreement=bad, trials=200))
    status = _status(sections)
    for sid in ("agreement", "territory", "activations", "obligations", "plan"):
        assert status[sid] == "missing"
    assert "bad.yaml could not be loaded" in page


def test_out_must_be_html_and_nothing_is_written(synthetic: Any, tmp_path: Path) -> None:
    out = tmp_path / "report.txt"
    with pytest.raises(UserError, match=r"must end in \.html"):
        write_report(_request(synthetic), out)
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []


def test_to_before_from_is_a_user_error(synthetic: Any) -> None:
    with pytest.raises(UserError, match="before --from"):
        build_report(_request(synthetic, end=date(2029, 1, 1)))


GOLDEN = Path(__file__).with_name("golden") / "synthetic_report.html"


def _normalised(page: str) -> str:
    """The page with each figure's SVG drawing cut to its accessible label (matplotlib's output
    changes between versions; the figures are tested for presence and captions above)."""
    return re.sub(r'(<svg role="img" aria-label="[^"]*")[^>]*>.*?</svg>', r"\1/>", page, flags=re.S)


def test_rendered_html_matches_the_golden_file(built: tuple[str, list[Any]]) -> None:
    """The whole page against tests/report/golden (regenerate: GUARANTOR_UPDATE_GOLDEN=1)."""
    import os

    page = _normalised(built[0])
    if os.environ.get("GUARANTOR_UPDATE_GOLDEN") == "1":
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text(page, encoding="utf-8")
    if not GOLDEN.exists():
        pytest.fail(f"no golden file {GOLDEN.name}: run with GUARANTOR_UPDATE_GOLDEN=1")
    assert page == GOLDEN.read_text(encoding="utf-8"), (
        "the report's HTML changed: check the diff, then GUARANTOR_UPDATE_GOLDEN=1 to accept it"
    )


def test_report_page_is_styled_and_numbers_right_aligned(built: tuple[str, list[Any]]) -> None:
    page, _ = built
    style = page.split("<style>", 1)[1].split("</style>", 1)[0]
    assert "&#34;" not in style and "&quot;" not in style and '"DejaVu Sans"' in style
    assert '<td class="num">' in page and '<th scope="col" class="num">' in page
    assert "to None" not in page and "Without us" not in page
    assert re.search(r'<p class="headline">\d+ owed: \d+ \w+', page)
