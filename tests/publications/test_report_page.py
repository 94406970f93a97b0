"""The site's report page: ``cplkit site`` writes ``report.html`` with this regulatory year's
figures (the versions that made each) and the proliferation tables, linked from the index and
styled as the rest of the site; a registry with no version yet has no figures to show."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from lxml import html

from cplkit.base.html import CSP
from cplkit.core.tallies import RegulatoryYear
from tests.conftest import SAMPLES
from tests.conftest import run_cli as run


def _rows(page: html.HtmlElement, caption: str) -> list[list[str]]:
    """The body rows of the table whose caption starts with ``caption``, as their cells' text."""
    for table in page.iter("table"):
        if table.findtext("caption", "").startswith(caption):
            return [[c.text_content().strip() for c in row]
                    for row in table.iter("tr") if row.getparent().tag == "tbody"]
    raise AssertionError(f"no table {caption!r}")


def _table(page: html.HtmlElement, caption: str) -> dict[str, list[str]]:
    """The same rows by their first cell."""
    return {row[0]: row[1:] for row in _rows(page, caption)}


def test_the_site_reports_this_years_figures_and_the_proliferation(tmp_path: Path) -> None:
    registry, site = tmp_path / "registry", tmp_path / "site"
    assert run("init", "-r", registry)[0] == 0
    # today: the page shows the regulatory year the site is built in
    assert run("publish", "-r", registry, SAMPLES / "valid" / "bulk-submission.csv")[0] == 0
    assert run("names", "set", "12:3E", "Example Meters Ltd", "-r", registry, "--reason",
               "the maker's letter")[0] == 0
    code, out = run("publish", "-r", registry, SAMPLES / "changes" / "1-removals.csv")
    assert code == 0, out
    code, out = run("site", "-r", registry, "--out", site)
    assert code == 0, out

    index = html.fromstring((site / "index.html").read_bytes())
    assert "report.html" in index.xpath("//a/@href")
    data = (site / "report.html").read_bytes()
    page = html.fromstring(data)
    year = RegulatoryYear.of(dt.date.today())
    assert f"Regulatory year {year}" in page.text_content()
    figures = _table(page, f"Regulatory year {year}")
    # the sample lists seven SMETS2+ models and one SMETS1 (SMETS V1.2) model, each once;
    # the removals file takes 000002 (a SMETS2+ gas meter, model 20:02) off in 1.1
    assert figures["CPL versions issued"] == ["2", "1.0, 1.1"]
    assert figures["SMETS2+ Device Models added"] == ["7", "1.0"]
    assert figures["SMETS1 Device Models added"] == ["1", "1.0"]
    assert figures["Device Models removed"] == ["1", "1.1"]
    assert "Removed: 000002 (1.1)" in " ".join(page.text_content().split())
    by_maker = _table(page, "Current entries by manufacturer")
    assert by_maker == {"12:3E (Example Meters Ltd)": ["7"]}
    by_type = _table(page, "Current entries by device type")
    assert by_type["Gas Smart Meter"] == ["1"] and len(by_type) == 7
    models = _rows(page, "7 Device Models")
    # the company, the model, hardware, types, firmware versions and Current entries
    assert sorted(row[1] for row in models) == [f"20:0{n}" for n in range(1, 8)
                                                if n != 2] + ["21:01"]
    assert all(row[0] == "12:3E (Example Meters Ltd)" and row[2] == "01:00"
               and row[-2:] == ["1", "1"] for row in models)
    # self-contained and styled as the site: the same policy and sheet as every page
    assert page.xpath("//meta[@http-equiv='Content-Security-Policy']/@content") == [CSP]
    assert page.xpath("//style") and not page.xpath("//script[@src]|//link[@rel='stylesheet']")
    assert "index.html" in page.xpath("//a/@href")


def test_a_site_with_no_version_has_no_report(tmp_path: Path) -> None:
    registry, site = tmp_path / "registry", tmp_path / "site"
    assert run("init", "-r", registry)[0] == 0
    assert run("site", "-r", registry, "--out", site)[0] == 0
    assert not (site / "report.html").exists()
    assert "report.html" not in (site / "index.html").read_text()
