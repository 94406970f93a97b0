"""The Plain English Mapping issued with each version: one row per Current entry, with the
company, the device type in plain words and the product name the history's item line gives;
listed in the signed manifest and carried by the site."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from openpyxl import load_workbook

from cplkit.core import model as m
from cplkit.core.products import product_name
from tests.conftest import SAMPLES
from tests.conftest import run_cli as run


def _entry(model: str, version: str, revision: str, firmware: str) -> m.Entry:
    return m.Entry.of({m.ENTRY_NUMBER: "000001", m.MODEL_ID: model,
                       m.HARDWARE_VERSION: version, m.HARDWARE_REVISION: revision,
                       m.FIRMWARE_VERSION: firmware})


def test_a_product_name_is_what_the_item_line_says_beyond_company_device_and_ids() -> None:
    aclara = _entry("05:01", "05", "01", "00:07:08:06")
    assert product_name(aclara, "Aclara SGM1422B Twin ESME 05:01 00:07:08:06",
                        "Aclara") == "SGM1422B Twin"
    edmi = _entry("10:E2", "00", "01", "03:14:B7:00")
    assert product_name(edmi, "EDMI ES-10B ESME 10:E2 03:14:B7:00", "EDMI") == "ES-10B"
    geo = _entry("00:09", "04", "00", "05:10:00:00")
    assert product_name(geo, "Green Energy Options Trio II Touch Button PPMID 05:10:00:00 "
                        "(updated firmware)", "Green Energy Options") == "Trio II Touch Button"
    # a line that names only the company, the device type and the firmware names no product
    kaifa = _entry("00:01", "01", "00", "01:02:00:96")
    assert product_name(kaifa, "Kaifa Single Element Electricity Metering Equipment "
                        "01:02:00:96", "Kaifa") is None


def test_each_version_issues_the_mapping_listed_in_its_manifest(tmp_path: Path) -> None:
    registry = tmp_path / "registry"
    assert run("init", "-r", registry)[0] == 0
    code, out = run("publish", "-r", registry, "--as-of", "2026-11-23",
                    SAMPLES / "valid" / "bulk-submission.csv")
    assert code == 0, out
    folder = registry / "versions" / "1.0"
    rows = list(csv.reader(io.StringIO((folder / "plain-english-1.0.csv").read_text())))
    listed = json.loads(run("list", "-r", registry, "--status", "Current", "--format",
                            "json")[1])
    assert [r[0] for r in rows[1:]] == [e["Entry.number"] for e in listed]
    header = rows[0]
    by_type = {r[0]: r[header.index("Device type")] for r in rows[1:]}
    hub = next(e["Entry.number"] for e in listed
               if e["Device_Type.name"] == "Communications Hub")
    assert by_type[hub] == "Communications hub"
    manifest = (folder / "manifest-1.0.xml").read_text()
    assert "plain-english-1.0.xlsx" in manifest and "plain-english-1.0.csv" in manifest
    sheet = load_workbook(folder / "plain-english-1.0.xlsx").active
    values = [[c.value or "" for c in row] for row in sheet.iter_rows(min_row=4)]
    assert values == rows
    site = tmp_path / "site"
    assert run("site", "-r", registry, "--out", site)[0] == 0
    assert (site / "1.0" / "plain-english-1.0.csv").read_bytes() == (
        folder / "plain-english-1.0.csv").read_bytes()
