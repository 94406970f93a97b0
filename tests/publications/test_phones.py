"""The pages cplkit writes, opened as people open them: in headless Chromium at a phone's width
(390 px) and a laptop's (1366 px). The site's index, a version's page, a check report and the
notice's HTML part; none scrolls sideways on a phone, none breaks an identifier (a field name,
a hex value, a file name) mid-word on a laptop, and every count says its noun in the right
number. The check report opens on its findings."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import SMTP
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import SAMPLES
from tests.conftest import run_cli as run

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
needs_chromium = pytest.mark.skipif(
    not (CHROMIUM and CHROMEDRIVER) and not os.environ.get("CI"),
    reason="headless Chromium is not installed (Debian: chromium chromium-driver)")

PHONE, LAPTOP = 390, 1366

#: a reason as people write them: naming the field, in its own long spelling, which no line
#: on a phone holds whole
REASON = ("the ZSE_Certificate.identification_number_as_issued_by_the_ZigBee_Alliance "
          "differed from the submission")


def _key(signing_keys: tuple[Path, Path]) -> tuple[str | Path, ...]:
    return ("--key", signing_keys[0], "--cert", signing_keys[1])


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory,
          signing_keys: tuple[Path, Path]) -> dict[str, Path]:
    """The four pages: the bulk sample issued as 1.0, then an amendment whose reason names a
    field (1.1), with the site; a check report of a form with two entries, one with a
    finding; and the notice of 1.1 as its HTML part."""
    folder = tmp_path_factory.mktemp("phones")
    registry, site = folder / "registry", folder / "site"
    assert run("init", "-r", registry, "--key", signing_keys[0], "--cert", signing_keys[1])[0] == 0
    code, out = run("publish", "-r", registry, "--as-of", "2026-11-23", *_key(signing_keys),
                    SAMPLES / "valid" / "bulk-submission.csv")
    assert code == 0, out
    change = folder / "corrections.csv"
    change.write_text("Entry.number,field,new_value,reason\n000003,"
                      f"ZSE_Certificate.identification_number,ZIG22001ZSE13009-24,{REASON}\n")
    code, out = run("publish", "-r", registry, "--as-of", "2026-11-24", "--site", site,
                    *_key(signing_keys), change)
    assert code == 0, out
    report = folder / "report.html"
    run("check", "--as-of", "2026-11-23", "--format", "html", "-o", report,
        SAMPLES / "invalid" / "V01-second-entry-in-column-H.xlsx")
    notice = folder / "notice.html"
    message = BytesParser(EmailMessage, policy=SMTP).parsebytes(
        (registry / "versions" / "1.1" / "notice-1.1.eml").read_bytes())
    html = message.get_body(preferencelist=("html",))
    assert html is not None
    notice.write_text(html.get_content(), encoding="utf-8")
    return {"site index": site / "index.html", "version page": site / "1.1" / "cpl-1.1.html",
            "check report": report, "notice": notice}


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    # a phone's scroll bars overlay the page: hidden here too, so the viewport is all 390 px
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--no-first-run", "--disable-background-networking", "--disable-sync",
                 "--disable-component-update", "--hide-scrollbars"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def _open(driver: Any, page: Path, width: int, *, unfold: bool = True) -> None:
    driver.set_window_size(width, 844)
    driver.get(page.as_uri())
    assert driver.execute_script("return document.documentElement.clientWidth") == width
    if unfold:  # what a reader may open is measured open: the history, more fields, grids
        driver.execute_script("document.querySelectorAll('details').forEach(d => d.open = true)")


#: every identifier-like word on the page (letters and digits joined by dots, underscores or
#: colons: field names, hex values, file names) that a line ends inside, other than between
#: the bytes of a long hex value (after a colon, where a 32-byte hash may wrap; a firmware
#: version stays whole)
_BROKEN_IDENTIFIERS = """
const found = [];
const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
const pattern = /[A-Za-z0-9]+(?:[._:][A-Za-z0-9]+)+/g;
function top(node, at) {
  const range = document.createRange();
  range.setStart(node, at);
  range.setEnd(node, at + 1);
  const box = Array.from(range.getClientRects()).find(r => r.width > 0);
  return box ? Math.round(box.top) : null;
}
let node;
while ((node = walker.nextNode())) {
  for (const match of node.textContent.matchAll(pattern)) {
    if (match[0].length < 6) { continue; }
    let line = top(node, match.index);
    for (let i = 1; line !== null && i < match[0].length; i++) {
      const here = top(node, match.index + i);
      if (here !== null && here !== line) {
        if (match[0][i - 1] !== ':' || match[0].length < 27) { found.push(match[0]); break; }
        line = here;
      }
    }
  }
}
return found;
"""


@needs_chromium
@pytest.mark.parametrize("name", ["site index", "version page", "check report", "notice"])
def test_no_page_scrolls_sideways_on_a_phone(pages: dict[str, Path], browser: Any,
                                            name: str) -> None:
    _open(browser, pages[name], PHONE)
    width = browser.execute_script("return document.documentElement.scrollWidth")
    assert width <= PHONE, f"the {name} is {width} px wide on a {PHONE} px phone"


@needs_chromium
@pytest.mark.parametrize("name", ["site index", "version page", "check report", "notice"])
def test_identifiers_stay_whole_at_laptop_width(pages: dict[str, Path], browser: Any,
                                               name: str) -> None:
    _open(browser, pages[name], LAPTOP)
    assert browser.execute_script("return document.documentElement.scrollWidth") <= LAPTOP
    assert browser.execute_script(_BROKEN_IDENTIFIERS) == [], name


@needs_chromium
def test_the_check_report_opens_on_its_findings_on_a_phone(pages: dict[str, Path],
                                                           browser: Any) -> None:
    from selenium.webdriver.common.by import By

    _open(browser, pages["check report"], PHONE, unfold=False)
    [link] = browser.find_elements(By.CSS_SELECTOR, "ol.summary a")
    # the finding is on the first screen, and says where it is
    assert link.rect["y"] + link.rect["height"] <= 844
    assert link.text.startswith("entry 2, H11")
    # its link leads to the cell's row, which shows the finding
    row = browser.find_element(By.ID, link.get_attribute("href").partition("#")[2])
    assert "flagged" in row.get_attribute("class") and "CPL-V01" in row.text
    link.click()
    top = browser.execute_script("return arguments[0].getBoundingClientRect().top", row)
    assert -1 <= top < 844
    # the grid of the entry with the finding is shown; the other entry's is one click away,
    # and no row shows an empty Findings line
    shown = [r for r in browser.find_elements(By.CSS_SELECTOR, "table.grid tbody tr")
             if r.is_displayed()]
    assert len(shown) == 34 and all(r.get_attribute("id").startswith("f1-e2-") for r in shown)
    findings = [c for c in browser.find_elements(By.CSS_SELECTOR, "td.found")
                if c.is_displayed()]
    assert len(findings) == 1
    toggle = browser.find_element(By.CSS_SELECTOR, "details.fields summary")
    assert toggle.text.startswith("Show all 34 fields")
    toggle.click()
    shown = [r for r in browser.find_elements(By.CSS_SELECTOR, "table.grid tbody tr")
             if r.is_displayed()]
    assert len(shown) == 68


@pytest.fixture(scope="module")
def one_of_each(tmp_path_factory: pytest.TempPathFactory,
                signing_keys: tuple[Path, Path]) -> dict[str, str]:
    """A registry of one entry and one version, then one amendment; a check report with one
    warning: every count 1."""
    folder = tmp_path_factory.mktemp("ones")
    registry, site = folder / "registry", folder / "site"
    assert run("init", "-r", registry, "--key", signing_keys[0], "--cert", signing_keys[1])[0] == 0
    code, out = run("publish", "-r", registry, "--as-of", "2026-11-23", "--site", site,
                    *_key(signing_keys), SAMPLES / "valid" / "form-ppmid.xlsx")
    assert code == 0, out
    index = (site / "index.html").read_text()
    change = folder / "corrections.csv"
    change.write_text("Entry.number,field,new_value,reason\n000001,"
                      "ZSE_Certificate.identification_number,ZIG22001ZSE13009-24,a typo\n")
    code, out = run("publish", "-r", registry, "--as-of", "2026-11-24", *_key(signing_keys),
                    change)
    assert code == 0, out
    report = folder / "report.html"
    run("check", "--as-of", "2026-11-23", "--format", "html", "-o", report,
        SAMPLES / "valid" / "bulk-submission.csv")
    version = registry / "versions" / "1.1"
    message = BytesParser(EmailMessage, policy=SMTP).parsebytes(
        (version / "notice-1.1.eml").read_bytes())
    html = message.get_body(preferencelist=("html",))
    assert html is not None
    return {"index": index, "page": (version / "cpl-1.1.html").read_text(),
            "report": report.read_text(), "notice": (version / "notice-1.1.txt").read_text(),
            "notice html": html.get_content()}


def test_every_count_says_its_noun_in_the_right_number(one_of_each: dict[str, str]) -> None:
    report = one_of_each["report"]
    assert "1 file, 8 entries: 0 errors, 1 warning, as of" in report
    assert "1 warnings" not in report
    index = one_of_each["index"]
    assert "<caption>1 version</caption>" in index and "1 entry (1 Current)" in index
    page = one_of_each["page"]
    assert '<p id="count" aria-live="polite">1 entry</p>' in page
    assert "1 entry: 1 Current" in page
    assert "1 entries" not in page and "(rows.length === 1 ? ' entry' : ' entries')" in page
    assert "It lists 1 entry, 1 of them Current." in one_of_each["notice"]
    assert "Amended (1 change):" in one_of_each["notice"]
    assert "<h2>Amended (1 change)</h2>" in one_of_each["notice html"]


AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"


@needs_chromium
@pytest.mark.parametrize("width", [PHONE, LAPTOP])
def test_axe_finds_nothing_on_the_four_pages(pages: dict[str, Path], browser: Any,
                                             width: int) -> None:
    """axe-core (the npm package) in Chromium, on the pages as a reader sees them first: the
    check report's folded entry and summary, the notice (which the other axe test never
    opens)."""
    if not AXE.is_file():
        if os.environ.get("CI"):
            pytest.fail("axe-core is missing in CI: .ci/run runs npm ci")
        pytest.skip("axe-core is not installed (npm ci)")
    for name, page in pages.items():
        _open(browser, page, width, unfold=False)
        browser.execute_script(AXE.read_text(encoding="utf-8"))
        found = browser.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "axe.run(document, {resultTypes: ['violations']})"
            ".then(r => done(r.violations.map(v => [v.id, v.help, v.nodes.length])))"
            ".catch(e => done([['axe failed', String(e)]]));")
        assert found == [], name
