"""The publications of each version, tested the way people use them: the SECAS-layout workbook,
the JSON export, the web page in a real browser, the signed manifest, and no evaluable formula
anywhere."""

from __future__ import annotations

import csv
import html
import io
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from jsonschema import Draft202012Validator
from openpyxl import load_workbook

from cplkit.cli import cli
from cplkit.core import model as m
from cplkit.forms.new_entry import write_new_entry_form
from cplkit.intake.rulesets import load_ruleset
from tests.conftest import ROOT, SAMPLES
from tests.core.entries import valid_gas

ARTIFACTS = ROOT / "test-artifacts"
HOSTILE = {
    m.IMAGE_CREATOR: '=HYPERLINK("http://evil.example/x","click")',
    m.ZSE_ID: "@SUM(1+1)*cmd",
    m.DLMS_ID: "-2+3",
    m.DLMS_VERSION: "CTT 4.2",
    m.IMAGE_DESCRIPTOR: "+cmd|' /C calc'!A0; Dual Band",
}


@pytest.fixture(scope="module")
def _hostile(tmp_path_factory: pytest.TempPathFactory, _published_once: Path,
             signing_keys: tuple[Path, Path]) -> Path:
    """The session's version 1.0 of the bulk sample, then a new entry carrying values a
    spreadsheet would evaluate published as 1.1 with the test key: made once for this module."""
    folder = tmp_path_factory.mktemp("hostile")
    registry = folder / "registry"
    shutil.copytree(_published_once, registry, symlinks=True)
    runner = CliRunner()
    keys = ["--key", str(signing_keys[0]), "--cert", str(signing_keys[1])]
    form = folder / "hostile.xlsx"
    write_new_entry_form(form, load_ruleset(), [valid_gas("SMETS V5.1", **{
        m.DEVICE_TYPE: "Single Element Electricity Metering Equipment",
        m.FIRMWARE_VERSION: "0F:0F:0F:0F", m.MANUFACTURER_ID: "10:6C", **HOSTILE})])
    named = runner.invoke(cli, ["names", "set", "10:6C", "EDMI Europe", "-r", str(registry),
                                "--reason", "for the page's company column", *keys])
    assert named.exit_code == 0, named.output
    checked = runner.invoke(cli, ["check", "--as-of", "2026-11-23", str(form)])
    assert checked.exit_code == 0, checked.output  # such values are legal CPL data
    result = runner.invoke(cli, ["publish", "-r", str(registry), "--as-of", "2026-11-23",
                                 *keys, str(form)])
    assert result.exit_code == 0, result.output
    return registry


@pytest.fixture
def published(tmp_path: Path, _hostile: Path) -> Path:
    """A registry at version 1.1, whose new entry carries values a spreadsheet would evaluate:
    this test's own copy (tmp_path/registry) of the one made for the module."""
    registry = tmp_path / "registry"
    shutil.copytree(_hostile, registry, symlinks=True)
    return registry / "versions" / "1.1"


def test_one_publish_writes_every_publication(published: Path) -> None:
    names = sorted(p.name for p in published.iterdir())
    assert names == ["cpl-1.1.csv", "cpl-1.1.csv.p7s", "cpl-1.1.html", "cpl-1.1.json",
                     "cpl-1.1.xlsx", "cpl-1.1.xml", "fir-1.1.json", "fir-1.1.json.p7s",
                     "manifest-1.1.xml", "notice-1.1.eml", "notice-1.1.txt",
                     "plain-english-1.1.csv", "plain-english-1.1.xlsx", "ruleset.json",
                     "version.json"]
    document = json.loads((published / "cpl-1.1.json").read_text())
    schema = json.loads((ROOT / "schemas" / "cpl-export.schema.json").read_text())
    Draft202012Validator(schema).validate(document)
    assert [e["Entry.number"] for e in document["entries"]][-1] == "000009"
    assert [h["version"] for h in document["history"]] == ["1.0", "1.1"]


def test_the_manifest_catches_a_changed_workbook(published: Path,
                                                 signing_keys: tuple[Path, Path]) -> None:
    runner = CliRunner()
    ok = runner.invoke(cli, ["verify", str(published / "manifest-1.1.xml"), "--trust",
                             str(signing_keys[1])])
    assert ok.exit_code == 0 and "all 13 files present match" in ok.output
    workbook = published / "cpl-1.1.xlsx"
    original = workbook.read_bytes()
    try:
        workbook.write_bytes(original[:-1] + bytes([original[-1] ^ 1]))
        bad = runner.invoke(cli, ["verify", str(published / "manifest-1.1.xml"), "--trust",
                                  str(signing_keys[1])])
        assert bad.exit_code == 13 and "cpl-1.1.xlsx is not the file the manifest lists" in \
            bad.output
    finally:
        workbook.write_bytes(original)


def test_the_fir_extract_is_kept_signed_and_restricted(published: Path,
                                                       signing_keys: tuple[Path, Path]) -> None:
    """Each entry's FIR contact and release notes go to the Firmware Information Repository
    only: in the CMS-signed FIR extract, never in a public file; the manifest lists the extract
    as restricted, so a public copy without it verifies, and a changed one does not."""
    from tests.core.entries import FIR

    extract = published / "fir-1.1.json"
    document = json.loads(extract.read_text())
    Draft202012Validator(json.loads((ROOT / "schemas" / "fir-extract.schema.json").read_text())
                         ).validate(document)
    by_number = {e["Entry.number"]: e for e in document["entries"]}
    gas = by_number["000009"]  # the hostile form's meter, with the test FIR contact
    assert {k: v for k, v in gas["fir"].items() if k in FIR} == FIR
    assert gas["fir"]["FIR Release Notes.Description"]
    notes = gas["fir"]["FIR Release Notes.Description"].encode()
    for public in ("cpl-1.1.xml", "cpl-1.1.csv", "cpl-1.1.json", "cpl-1.1.html", "version.json"):
        data = (published / public).read_bytes()
        assert notes not in data and FIR["Manufacturer Contact FIR.Email Address"].encode() \
            not in data, public
    runner = CliRunner()
    trust = ["--trust", str(signing_keys[1])]
    checked = runner.invoke(cli, ["verify", str(extract), *trust, "--format", "json"])
    assert checked.exit_code == 0, checked.output
    assert json.loads(checked.output)["kind"] == "fir-extract"
    manifest = (published / "manifest-1.1.xml").read_text()
    assert 'name="fir-1.1.json" ' in manifest and manifest.count('restricted="true"') == 2
    site = published.parent / "public-copy"
    shutil.copytree(published, site)
    for name in ("fir-1.1.json", "fir-1.1.json.p7s"):
        (site / name).unlink()
    public = runner.invoke(cli, ["verify", str(site / "manifest-1.1.xml"), *trust])
    assert public.exit_code == 0 and "all 11 files present match" in public.output
    assert "restricted, not here (as on the public site): fir-1.1.json" in public.output
    (site / "fir-1.1.json").write_bytes(extract.read_bytes().replace(b"Manchester", b"Leeds"))
    changed = runner.invoke(cli, ["verify", str(site / "manifest-1.1.xml"), *trust])
    assert changed.exit_code == 13 and "fir-1.1.json is not the file" in changed.output
    shutil.copy(published / "fir-1.1.json.p7s", site)
    forged = runner.invoke(cli, ["verify", str(site / "fir-1.1.json"), *trust])
    assert forged.exit_code == 13, forged.output


def test_the_next_version_carries_the_fir_details_on(published: Path,
                                                     signing_keys: tuple[Path, Path]) -> None:
    """The list does not hold FIR details, so each version's extract carries on the previous
    one's, with each entry's status as of that version."""
    registry = published.parent.parent
    removal = registry.parent / "removal.csv"  # never inside the registry's own folders
    removal.write_text("Entry.number,reason,decision\n000009,withdrawn,SSC 1\n")
    result = CliRunner().invoke(cli, ["publish", "-r", str(registry), "--as-of", "2026-11-24",
                                      str(removal)])
    assert result.exit_code == 0, result.output
    before = json.loads((published / "fir-1.1.json").read_text())["entries"]
    after = json.loads((registry / "versions" / "1.2" / "fir-1.2.json").read_text())["entries"]
    assert [e["Entry.number"] for e in after] == [e["Entry.number"] for e in before]
    assert [e["fir"] for e in after] == [e["fir"] for e in before]
    status = {e["Entry.number"]: e["Entry.status"] for e in after}
    assert status["000009"] == "Removed"


def test_the_workbook_has_secas_four_tabs_and_full_history(published: Path) -> None:
    wb = load_workbook(published / "cpl-1.1.xlsx")
    assert wb.sheetnames == ["Version Control", "CPL - New Entry", "Central Products List",
                             "CPL - saveable in CSV"]
    assert wb["Version Control"]["A3"].value == "Version 1.1 Issued on 23-11-2026"
    assert [wb["Version Control"].cell(r, 1).value for r in (11, 12)] == ["1.0", "1.1"]
    listing = wb["Central Products List"]
    assert listing["A1"].value == "Data Group" and listing["B8"].value == "000001"
    extract = wb["CPL - saveable in CSV"]
    assert extract["A1"].value == "Version" and extract["B2"].value == "000001"
    assert not (published / "cpl-1.1.xlsx").read_bytes().count(b"vbaProject")


def test_no_export_carries_an_evaluable_formula(published: Path) -> None:
    wb = load_workbook(published / "cpl-1.1.xlsx")
    for sheet in wb.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
    listing = wb["Central Products List"]
    assert listing["S16"].value == HOSTILE[m.IMAGE_CREATOR]  # the 9th entry, as plain text
    registry = published.parent.parent
    result = CliRunner().invoke(cli, ["list", "-r", str(registry), "--format", "csv"])
    rows = list(csv.reader(io.StringIO(result.output)))
    creator = rows[-1][list(m.PUBLISHED_FIELDS).index(m.IMAGE_CREATOR)]
    assert creator == "'" + HOSTILE[m.IMAGE_CREATOR]
    for row in rows:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r"))
    page = (published / "cpl-1.1.html").read_text()
    assert "=HYPERLINK(&#34;http://evil.example/x&#34;" in page  # escaped, shown as text
    assert "<script>" in page and page.count("<script>") == 1  # ours, and nothing injected
    document = json.loads((published / "cpl-1.1.json").read_text())
    assert document["entries"][-1][m.IMAGE_CREATOR] == HOSTILE[m.IMAGE_CREATOR]


def test_the_page_needs_nothing_from_the_network(published: Path) -> None:
    page = html.unescape((published / "cpl-1.1.html").read_text())
    assert "Content-Security-Policy" in page and "default-src 'none'" in page
    for pattern in ("http://", "https://", "//cdn", "<link", "src=", "@import", "url("):
        outside_data = page.replace("http://evil.example/x", "")
        assert pattern not in outside_data, pattern
    assert '<th scope="col">Firmware</th>' in page and ">Search<input" in page


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")


@pytest.mark.browser
@pytest.mark.skipif(not (CHROMIUM and CHROMEDRIVER),
                    reason="headless Chromium is not installed (Debian: chromium chromium-driver)")
def test_the_page_in_a_real_browser(published: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    driver = _chromium()
    try:
        driver.get((published / "cpl-1.1.html").as_uri())
        rows = driver.find_elements(By.CSS_SELECTOR, "#entries tbody tr")
        assert len(rows) == 9
        count = driver.find_element(By.ID, "count")
        assert count.text == "9 of 9 entries shown"
        # a row's other fields, opened in their cell, are wide enough to read (not a letter a
        # line), and leave nothing scrolled off at laptop width
        rows[0].find_element(By.TAG_NAME, "summary").click()
        values = [dd for dd in rows[0].find_elements(By.CSS_SELECTOR, "dl.fields dd") if dd.text]
        assert len(values) >= 5 and min(dd.size["width"] for dd in values) >= 150
        assert driver.execute_script("return document.documentElement.scrollWidth") <= \
            driver.execute_script("return document.documentElement.clientWidth")
        rows[0].find_element(By.TAG_NAME, "summary").click()

        def visible() -> list[str]:
            return [r.find_element(By.CSS_SELECTOR, "td").text for r in rows if r.is_displayed()]

        search = driver.find_element(By.NAME, "q")
        search.send_keys("0F:0F:0F")
        assert visible() == ["000009"] and count.text == "1 of 9 entries shown"
        search.clear()
        search.send_keys("edmi europe")  # a company, by the name the register gives its id
        assert visible() == ["000009"]
        search.clear()
        search.send_keys("hub")
        assert visible() == ["000001"]
        search.clear()
        search.send_keys(" ")  # an input event with nothing to search for
        Select(driver.find_element(By.NAME, "type")).select_by_visible_text("Gas Smart Meter")
        assert visible() == ["000002", "000008"]
        Select(driver.find_element(By.NAME, "spec")).select_by_visible_text("SMETS V1.2")
        assert visible() == ["000008"]
        ARTIFACTS.mkdir(exist_ok=True)
        driver.save_screenshot(str(ARTIFACTS / "cpl-page-filtered.png"))
        # at 1366 px nothing scrolls sideways, and every field is one click away
        assert driver.execute_script("return document.documentElement.scrollWidth") <= \
            driver.execute_script("return document.documentElement.clientWidth")
        row = next(r for r in rows if r.is_displayed())
        row.find_element(By.TAG_NAME, "summary").click()
        shown = row.find_element(By.CSS_SELECTOR, "dl.fields").text
        assert "Manufacturer_Image.hash" in shown and "ZSE_Certificate.ZSE_version" in shown
        assert (ARTIFACTS / "cpl-page-filtered.png").stat().st_size > 10_000
        # a phone-sized window lays rows out as cards: filtered rows must stay hidden there too
        driver.set_window_size(390, 844)
        assert visible() == ["000008"]
        assert driver.execute_script("return document.documentElement.scrollWidth") <= 400
        driver.save_screenshot(str(ARTIFACTS / "cpl-page-filtered-phone.png"))
    finally:
        driver.quit()


AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"


def _chromium() -> Any:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--no-first-run", "--disable-background-networking", "--disable-sync",
                 "--disable-component-update", "--window-size=1366,900"):
        options.add_argument(flag)
    return webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)


def _violations(driver: Any, page: Path) -> list[Any]:
    """What axe-core (the npm package, injected into the page) finds on ``page``."""
    driver.get(page.as_uri())
    driver.execute_script(AXE.read_text(encoding="utf-8"))
    found: list[Any] = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {resultTypes: ['violations']})"
        ".then(r => done(r.violations.map(v => [v.id, v.impact, v.help, v.nodes.length])))"
        ".catch(e => done([['axe failed', String(e)]]));")
    return found


@pytest.mark.browser
@pytest.mark.skipif(not (CHROMIUM and CHROMEDRIVER) and not os.environ.get("CI"),
                    reason="headless Chromium is not installed (Debian: chromium chromium-driver)")
def test_axe_finds_no_accessibility_violation(published: Path, tmp_path: Path) -> None:
    """The version page, the site's index and a check report, with axe-core in Chromium."""
    if not AXE.is_file():
        if os.environ.get("CI"):
            pytest.fail("axe-core is missing in CI: .ci/run runs npm ci")
        pytest.skip("axe-core is not installed (npm ci)")
    registry = published.parent.parent
    runner = CliRunner()
    assert runner.invoke(cli, ["site", "-r", str(registry), "--out", str(tmp_path / "site")]
                         ).exit_code == 0
    report = tmp_path / "report.html"
    runner.invoke(cli, ["check", "--as-of", "2026-11-23", "--format", "html", "-o", str(report),
                        str(SAMPLES / "invalid" / "V03-bad-email.xlsx")])
    assert report.is_file()
    driver = _chromium()
    try:
        for page in (published / "cpl-1.1.html", tmp_path / "site" / "index.html", report):
            assert _violations(driver, page) == [], page.name
    finally:
        driver.quit()


SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


def _to_csv(workbook: Path, out: Path) -> dict[str, list[list[str]]]:
    """Every sheet of ``workbook`` as LibreOffice Calc sees it, through its CSV export."""
    out.mkdir(exist_ok=True)
    profile = (out / "profile").as_uri()
    done = subprocess.run(
        [str(SOFFICE), f"-env:UserInstallation={profile}", "--headless", "--convert-to",
         # cells as shown: a date cell exports as its dd/mm/yyyy format shows it
         'csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true,false,false,-1',
         "--outdir", str(out), str(workbook)],
        capture_output=True, text=True, check=False, timeout=180,
        env={**os.environ, "HOME": str(out)})
    assert done.returncode == 0, done.stderr
    sheets = {}
    for path in out.glob(f"{workbook.stem}*.csv"):
        name = path.stem[len(workbook.stem) + 1:]
        sheets[name] = list(csv.reader(path.open(encoding="utf-8")))
    return sheets


@pytest.mark.office
@pytest.mark.skipif(not SOFFICE, reason="LibreOffice is not installed (Debian: libreoffice-calc)")
def test_the_workbook_and_template_in_libreoffice(published: Path, tmp_path: Path) -> None:
    sheets = _to_csv(published / "cpl-1.1.xlsx", tmp_path / "calc")
    listing = sheets["Central Products List"]
    registry_entries = json.loads((published / "cpl-1.1.json").read_text())["entries"]
    rows = listing[7:]
    assert len(rows) == len(registry_entries) == 9
    for row, entry in zip(rows, registry_entries, strict=True):
        for column, name in enumerate(m.PUBLISHED_FIELDS, start=1):
            expected = entry[name] or ""
            if name == m.CPA_EXPIRY and expected:
                y, mo, d = expected.split("-")
                expected = f"{d}/{mo}/{y}"
            assert row[column] == expected, (name, row[column], expected)
    assert rows[0][1] == "000001" and rows[0][6] == "01"  # leading zeros survive
    # dates are date cells, which Excel sorts and filters as dates
    from openpyxl import load_workbook

    sheet = load_workbook(published / "cpl-1.1.xlsx")["Central Products List"]
    expiry = list(m.PUBLISHED_FIELDS).index(m.CPA_EXPIRY) + 2
    dates = [sheet.cell(r, expiry) for r in range(8, 17) if sheet.cell(r, expiry).value]
    assert dates and all(c.is_date and c.number_format == "dd/mm/yyyy" for c in dates)
    creator = rows[-1][list(m.PUBLISHED_FIELDS).index(m.IMAGE_CREATOR) + 1]
    assert creator == HOSTILE[m.IMAGE_CREATOR]  # shown as text, not evaluated
    assert sheets["CPL - saveable in CSV"][1][1] == "000001"
    template = tmp_path / "template.xlsx"
    assert CliRunner().invoke(cli, ["template", "-o", str(template)]).exit_code == 0
    form = _to_csv(template, tmp_path / "calc-template")["CPL - New Entry"]
    labels = [(r[0], r[1]) for r in form[6:] if len(r) > 1]
    assert labels[0] == ("Entry", "number") and ("GBCS Version", "version_number") in labels
    assert form[6][6] == "This value is allocated by SECAS"


@pytest.mark.parametrize("bulk", [False, True])
def test_a_template_filled_with_valid_values_passes_check(tmp_path: Path, bulk: bool) -> None:
    """Fill the blank template cell by cell, as a person would in Excel, then check it."""
    template = tmp_path / "template.xlsx"
    args = ["template", "-o", str(template)] + (["--bulk"] if bulk else [])
    assert CliRunner().invoke(cli, args).exit_code == 0
    wb = load_workbook(template)
    ws = wb.active
    assert ws.data_validations.dataValidation, "dropdowns and input messages"
    entry = valid_gas()
    if bulk:
        header = [c.value for c in ws[1]]
        for column, name in enumerate(header, start=1):
            ws.cell(2, column).value = entry.get(name)
        lists = {str(dv.sqref): dv.formula1 for dv in ws.data_validations.dataValidation}
        device_column = header.index(m.DEVICE_TYPE) + 1
        letter = chr(64 + device_column)
        assert "Gas Smart Meter" in lists[f"{letter}2:{letter}10001"]  # 10,000 rows
    else:
        rows = {(ws.cell(r, 1).value, ws.cell(r, 2).value): r for r in range(7, ws.max_row + 1)}
        for spec in load_ruleset().fields.values():
            group, attribute = spec.labels[-1] if len(spec.labels) > 1 else (spec.group,
                                                                              spec.attribute)
            if entry.get(spec.name) is not None:
                ws.cell(rows[(group, attribute)], 7).value = entry[spec.name]
        assert ws["G10"].number_format == "@"  # hex kept as typed
        assert ws["Z10"].number_format == "@"  # in every one of the 20 entry columns
    wb.save(template)
    result = CliRunner().invoke(cli, ["check", "--as-of", "2026-11-23", "--format", "json",
                                      str(template)])
    report = json.loads(result.output)["files"][0]
    assert result.exit_code == 0 and report["findings"] == [], report["findings"]
    assert report["entries"] == 1


def _to_ods_content(workbook: Path, out: Path) -> Any:
    """``workbook`` as LibreOffice Calc understood it: its own ODS conversion, content.xml."""
    import zipfile

    from lxml import etree

    out.mkdir(exist_ok=True)
    done = subprocess.run(
        [str(SOFFICE), f"-env:UserInstallation={(out / 'profile').as_uri()}", "--headless",
         "--convert-to", "ods", "--outdir", str(out), str(workbook)],
        capture_output=True, text=True, check=False, timeout=180,
        env={**os.environ, "HOME": str(out)})
    assert done.returncode == 0, done.stderr
    with zipfile.ZipFile(out / f"{workbook.stem}.ods") as ods:
        return etree.fromstring(ods.read("content.xml"))


ODS = {"table": "urn:oasis:names:tc:opendocument:xmlns:table:1.0",
       "style": "urn:oasis:names:tc:opendocument:xmlns:style:1.0",
       "number": "urn:oasis:names:tc:opendocument:xmlns:datastyle:1.0"}


@pytest.mark.office
@pytest.mark.skipif(not SOFFICE and not os.environ.get("CI"),
                    reason="LibreOffice is not installed (Debian: libreoffice-calc)")
@pytest.mark.parametrize("kind", ["form", "bulk", "published"])
def test_libreoffice_enforces_the_lists(kind: str, tmp_path: Path, published: Path) -> None:
    """Read back through LibreOffice's own conversion: every list validation refuses other
    values (error message shown, stop style) and shows its input message, and the entry cells
    (form: G to Z, 20 entries; bulk: every row of every column) are Text, so Excel and Calc keep
    leading zeros."""
    if kind == "published":
        workbook = published / "cpl-1.1.xlsx"
    else:
        workbook = tmp_path / f"{kind}.xlsx"
        args = ["template", "-o", str(workbook)] + (["--bulk"] if kind == "bulk" else [])
        assert CliRunner().invoke(cli, args).exit_code == 0
    content = _to_ods_content(workbook, tmp_path / "calc")
    validations = content.findall(".//table:content-validation", ODS)
    lists = [v for v in validations
             if "cell-content-is-in-list" in v.get(f"{{{ODS['table']}}}condition", "")]
    assert lists, "no list validation survived the conversion"
    for rule in lists:
        error = rule.find("table:error-message", ODS)
        assert error is not None and error.get(f"{{{ODS['table']}}}display") == "true"
        assert error.get(f"{{{ODS['table']}}}message-type") == "stop"
        shown = rule.find("table:help-message", ODS)
        assert shown is not None and shown.get(f"{{{ODS['table']}}}display") == "true"
    text_styles = {s.get(f"{{{ODS['style']}}}name") for s in content.iter(
        f"{{{ODS['number']}}}text-style")}
    cell_styles = {s.get(f"{{{ODS['style']}}}name"): s.get(f"{{{ODS['style']}}}data-style-name")
                   for s in content.iter(f"{{{ODS['style']}}}style")}
    is_text = {name for name, data in cell_styles.items() if data in text_styles}
    assert is_text, "no Text-formatted cell survived the conversion"
    if kind == "bulk":
        columns = content.find(".//table:table", ODS).findall("table:table-column", ODS)
        named = [c.get(f"{{{ODS['table']}}}default-cell-style-name") for c in columns
                 for _ in range(int(c.get(f"{{{ODS['table']}}}number-columns-repeated", "1")))]
        assert sum(1 for n in named if n in is_text) >= 30  # every column but the date


@pytest.mark.browser
@pytest.mark.skipif(not (CHROMIUM and CHROMEDRIVER) and not os.environ.get("CI"),
                    reason="headless Chromium is not installed (Debian: chromium chromium-driver)")
def test_the_check_report_shows_each_finding_beside_its_cell(tmp_path: Path) -> None:
    """A form's fields as a grid with the values as submitted, each finding in the row of its
    cell, spaces around a value marked; nothing scrolls sideways at 1366 px or on a phone."""
    from selenium.webdriver.common.by import By

    report = tmp_path / "report.html"
    CliRunner().invoke(cli, ["check", "--as-of", "2026-11-23", "--format", "html", "-o",
                             str(report),
                             str(SAMPLES / "invalid" / "V12-spaces-around-firmware.xlsx"),
                             str(SAMPLES / "invalid" / "V06-excel-mangled-csv.csv")])
    driver = _chromium()
    try:
        driver.get(report.as_uri())
        flagged = driver.find_elements(By.CSS_SELECTOR, "table.grid tr.flagged")
        first = flagged[0].find_elements(By.TAG_NAME, "td")
        assert first[0].text == "G14" and first[1].text == "Device_Model.firmware_version"
        assert first[2].text == "␣01:02:0A:FF␣" and "CPL-V12" in first[3].text
        grids = driver.find_elements(By.CSS_SELECTOR, "table.grid")
        assert len(grids) >= 2  # the form's entry, and the CSV's rows with findings
        for width, height in ((1366, 900), (390, 844)):
            driver.set_window_size(width, height)
            assert driver.execute_script("return document.documentElement.scrollWidth") <= \
                driver.execute_script("return document.documentElement.clientWidth"), width
        ARTIFACTS.mkdir(exist_ok=True)
        driver.save_screenshot(str(ARTIFACTS / "check-report-phone.png"))
        driver.set_window_size(1366, 900)
        driver.save_screenshot(str(ARTIFACTS / "check-report-laptop.png"))
    finally:
        driver.quit()


def test_a_version_is_checked_against_its_manifest_before_it_is_written(
        published: Path, signing_keys: tuple[Path, Path]) -> None:
    """The check a publish makes on the files it built, in memory, says what 'cplkit verify'
    says of them on disk."""
    from cplkit.errors import VerificationError
    from cplkit.publications.verify_issued import verify_manifest_of
    from cplkit.signing.x509 import load_certificates

    trusted = load_certificates(signing_keys[1].read_bytes(), "the test certificate")
    data = (published / "manifest-1.1.xml").read_bytes()
    files = {p.name: p.read_bytes() for p in published.iterdir()}
    assert verify_manifest_of(data, files, trusted).absent == frozenset()
    public = {name: content for name, content in files.items() if name != "fir-1.1.json"}
    assert verify_manifest_of(data, public, trusted).absent == {"fir-1.1.json"}
    workbook = files["cpl-1.1.xlsx"]
    changed = {**files, "cpl-1.1.xlsx": workbook[:-1] + bytes([workbook[-1] ^ 1])}
    with pytest.raises(VerificationError, match=r"cpl-1\.1\.xlsx is not the file the manifest"):
        verify_manifest_of(data, changed, trusted)
    without = {name: content for name, content in files.items() if name != "cpl-1.1.html"}
    with pytest.raises(VerificationError, match=r"cpl-1\.1\.html, listed in the manifest, is "
                                                r"missing from the version's files"):
        verify_manifest_of(data, without, trusted)
