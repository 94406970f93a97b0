"""``cplkit report`` on the real SECAS workbook v2.051 (from ../shared/data, never committed):
the figures of a regulatory year read from SECAS's history as imported, asserted against a
count this test makes itself from the workbook's cells. Skipped when the workbook is absent."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import pytest
from python_calamine import CalamineWorkbook

from tests.conftest import REAL_WORKBOOK
from tests.conftest import run_cli as run

pytestmark = [
    pytest.mark.realdata,
    pytest.mark.skipif(not REAL_WORKBOOK.is_file(),
                       reason=f"the real SECAS workbook is not at {REAL_WORKBOOK} (set "
                       "CPLKIT_REAL_WORKBOOK to its path)"),
]


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory, signing_keys: tuple[Path, Path]) -> Path:
    registry = tmp_path_factory.mktemp("real") / "registry"
    code, out = run("import", REAL_WORKBOOK, "-r", registry, "--key", signing_keys[0],
                    "--cert", signing_keys[1])
    assert code == 0, out
    (registry.parent / "import-output.txt").write_text(out)
    return registry


def _day(cell: Any) -> dt.date:
    if isinstance(cell, dt.datetime):
        return cell.date()
    if isinstance(cell, dt.date):
        return cell
    return dt.datetime.strptime(str(cell).strip(), "%d/%m/%Y").date()


def independent_count(first: dt.date, last: dt.date) -> dict[str, Any]:
    """The year's figures from the workbook's cells, counted another way than cplkit does:
    SECAS allocates entry numbers in order, so a version adds the numbers at the start of its
    lines that are higher than any number earlier lines started with; a version removes the
    entries it names that are Removed on the list and were added before it."""
    book = CalamineWorkbook.from_path(str(REAL_WORKBOOK))
    rows = book.get_sheet_by_name("Version Control").to_python()
    listed = {str(r[1]): r for r in book.get_sheet_by_name("Central Products List").to_python()
              if re.fullmatch("[0-9]{6}", str(r[1]))}
    highest = 0
    versions, smets1, smets2, removed = [], [], [], []
    for version, date, text, *_ in rows[10:]:
        if not str(version).strip():
            continue
        day = _day(date)
        inside = first <= day <= last
        starts = [int(n) for n in re.findall(r"(?:^|\s{3,})(\d{5,7})\s*[-\u2013 ]", str(text),
                                             re.MULTILINE)]
        new = [n for n in starts if n > highest]
        named = {int(n) for n in re.findall(r"(?<![0-9A-Za-z])(\d{5,7})(?![0-9])", str(text))}
        if inside:
            versions.append(str(version))
            for n in new:
                spec = str(listed[f"{n:06d}"][9]).strip()
                (smets1 if spec == "SMETS V1.2" else smets2).append(f"{n:06d}")
            removed += [f"{n:06d}" for n in sorted(named) if n <= highest
                        and f"{n:06d}" in listed and listed[f"{n:06d}"][2] == "Removed"]
        highest = max([highest, *new])
    return {"versions": versions, "SMETS1": smets1, "SMETS2+": smets2, "removed": removed}


@pytest.mark.parametrize(("year", "first", "last"), [
    ("2021-22", dt.date(2021, 4, 1), dt.date(2022, 3, 31)),
    ("2022-23", dt.date(2022, 4, 1), dt.date(2023, 3, 31)),
    ("2019-20", dt.date(2019, 4, 1), dt.date(2020, 3, 31)),
])
def test_year_figures_are_the_ones_the_history_supports(imported: Path, year: str,
                                                        first: dt.date, last: dt.date) -> None:
    code, out = run("report", "-r", imported, "--year", year, "--format", "json")
    assert code == 0, out
    got = json.loads(out)
    want = independent_count(first, last)
    assert [v["version"] for v in got["versions"]] == want["versions"]
    assert got["versions_issued"] == len(want["versions"])
    assert sorted(r["entry"] for r in got["added"]["SMETS1"]) == sorted(want["SMETS1"])
    assert sorted(r["entry"] for r in got["added"]["SMETS2+"]) == sorted(want["SMETS2+"])
    assert got["device_models_added"] == {"SMETS1": len(want["SMETS1"]),
                                          "SMETS2+": len(want["SMETS2+"]), "unknown": 0}
    assert sorted(r["entry"] for r in got["removed"]) == sorted(want["removed"])
    assert got["device_models_removed"] == len(want["removed"])


def test_2021_22_is_what_secas_reported_to_the_panel(imported: Path) -> None:
    """SECAS's annual report for 2021/22: 64 versions, 110 SMETS2+ and 65 SMETS1 Device
    Models added, 3 removed (the domain brief, section 1)."""
    got = json.loads(run("report", "-r", imported, "--year", "2021-22", "--format", "json")[1])
    assert (got["versions_issued"], got["device_models_added"]["SMETS2+"],
            got["device_models_added"]["SMETS1"], got["device_models_removed"]) == (64, 110, 65, 3)


def test_2022_23_certificate_updates_give_the_counts_the_history_says(imported: Path) -> None:
    got = json.loads(run("report", "-r", imported, "--year", "2022-23", "--format", "json")[1])
    # 2.039: '48 current entries have been updated'; 2.043: 19; 2.047: 'Updated Entry 000001'
    assert [(c["version"], c["count"]) for c in got["certificates"]] == [
        ("2.039", 48), ("2.043", 19), ("2.047", 1)]
    assert got["certificates"][2]["entries"] == ["000001"]


def test_proliferation_counts_every_current_entry(imported: Path) -> None:
    book = CalamineWorkbook.from_path(str(REAL_WORKBOOK))
    current = [r for r in book.get_sheet_by_name("Central Products List").to_python()
               if re.fullmatch("[0-9]{6}", str(r[1])) and r[2] == "Current"]
    code, out = run("report", "-r", imported, "--proliferation", "--format", "json")
    assert code == 0
    got = json.loads(out)
    assert got["current_entries"] == len(current) == 694
    assert sum(m["entries"] for m in got["by_manufacturer"]) == len(current)

    def hex_(cell: Any) -> str:  # SECAS's cells: any case, spaces, a number where hex is typed
        text = str(int(cell)) if isinstance(cell, float) else str(cell)
        return text.strip().upper().zfill(2)

    models: dict[tuple[str, str, str], set[str]] = {}
    for r in current:
        models.setdefault((hex_(r[4]), hex_(r[5]), f"{hex_(r[6])}:{hex_(r[7])}"), set()).add(
            hex_(r[8]))
    assert len(got["device_models"]) == len(models)
    for model in got["device_models"]:
        assert model["firmware_versions"] == len(
            models[(model["manufacturer"], model["model"], model["hardware"])])


#: the words of SECAS's device types, generations and companies' legal forms, which the
#: history writes around a product's name (the rule: cplkit.core.products)
_DEVICE = frozenset(re.split(r"\s+", """
gsme esme ppmid hcalcs ch comms communications hub gas electricity eletricity
meter meters metering equipment smart smets1 smets2 smets2+ s1 pre-payment prepayment interface
device single element polyphase uk ltd limited plc corp gmbh s.r.l. solutions technology with
firmware fw hw and new band dual double phase three version revision hardware smip""".strip()))
#: words that end a company's name in an item line (the names register's reading)
_NOT_COMPANY = frozenset(re.split(r"\s+", """
gsme esme ppmid hcalcs ch ihd comms communications hub gas electricity
eletricity meter smart single twin polyphase dual double band pre-payment prepayment in-home
display smip fw""".strip()))


def _trimmed(word: str, hardware: str) -> bool:
    """Whether ``word`` is trimmed from the ends of a product's text: a device word, an id."""
    bare = word.strip(",;:()-\u2013")
    return not bare or bare.lower() in _DEVICE or bare.upper() == hardware or bool(
        re.fullmatch(r"(0x)?[0-9A-F]{2}[:._][0-9A-F]{2}|0x[0-9A-F]{2}|[0-9]{2}"
                     r"|HW[0-9A-F]{4}|[0-9A-F]{8}", bare, re.IGNORECASE))


def _products_by_hand(cells: list[list[Any]], history: list[str],
                      company_of: dict[str, str]) -> dict[str, str]:
    """Product name by entry number, worked out from the workbook's cells apart from cplkit:
    an item line of the entry that starts with its company (the register's name, or that
    name's first words before a product word), writes its firmware and no other four-byte id;
    the words between, brackets out, device words, ids and version numbers trimmed from both
    ends; every such line of the entry giving the same text."""
    def hex_(cell: Any) -> str:
        return (str(int(cell)) if isinstance(cell, float) else str(cell)).strip().upper()

    segments: dict[str, list[str]] = {}
    for text in history:
        for line in re.split(r"[\r\n]+", text):
            for part in re.split(r"[ \t\u00a0]{3,}", line.strip()):
                found = re.match(r"\s*([0-9]{5,7})(?![0-9])\s*[-\u2013]?\s*(.*)$", part)
                if found:
                    segments.setdefault(f"{int(found[1]):06d}", []).append(found[2])
    out: dict[str, str] = {}
    for row in cells:
        number, firmware = str(row[1]), hex_(row[8]).replace(":", "")
        hardware = hex_(row[6]).zfill(2) + hex_(row[7]).zfill(2)
        company = company_of.get(hex_(row[4]))
        names = set()
        for line in segments.get(number, []) if company else []:
            def squeezed(said: list[str]) -> str:  # 'Landis & Gyr' is 'landis+gyr'
                return re.sub(r"\s*[+&]\s*", "+", " ".join(said)).lower()

            words, wanted = line.split(), squeezed(str(company).split())
            rest = next((words[n:] for n in range(1, len(words) + 1)
                         if squeezed(words[:n]) == wanted), None)
            if rest is None:  # the register's name shortened: its first words, then no more
                lead = 0
                while lead < len(words) and not re.search(r"[0-9]", words[lead]) and \
                        words[lead].strip(",.;:()").lower() not in _NOT_COMPANY and \
                        not words[lead].startswith(("(", "-", "\u2013")):
                    lead += 1
                if lead and (wanted + " ").startswith(squeezed(words[:lead]) + " ") and \
                        squeezed(words[:lead]) != wanted:
                    rest = words[lead:]
            if rest is None:
                continue
            text = " ".join(rest)
            ids = list(re.finditer(r"(?<![0-9A-Za-z])([0-9A-F]{2})([:.])([0-9A-F]{2})\2"
                                   r"([0-9A-F]{2})\2([0-9A-F]{2})(?![0-9A-Za-z]|[:.][0-9A-Za-z])",
                                   text, re.IGNORECASE))
            if not ids or {"".join(i.group(1, 3, 4, 5)).upper() for i in ids} != {firmware}:
                continue
            kept = re.sub(r"\([^)]*(\)|$)", " ", text[:ids[0].start()]).split()
            while kept and _trimmed(kept[0], hardware) and not (
                    kept[0].lower() == "smart" and len(kept) > 1
                    and not _trimmed(kept[1], hardware)):
                kept.pop(0)
            while kept and _trimmed(kept[-1], hardware):
                kept.pop()
            name = " ".join(kept).strip(" ,;:-\u2013")
            letters = [w for w in name.split() if w.lower() not in _DEVICE
                       and w.lower() not in ("twin", "three-phase", "ihd", "sku")
                       and not re.fullmatch(r"[Vv]?[0-9]+([._][0-9]+)*", w)
                       and re.search("[A-Za-z]", w)]
            if letters and len(name) <= 100:
                names.add(name)
        if len(names) == 1:
            out[number] = names.pop()
    return out


def test_plain_english_mapping_lists_every_current_entry_and_names_products(
        imported: Path) -> None:
    """The mapping of the imported v2.051 lists every Current entry, names a product exactly
    for the entries whose history lines pin one down (worked out here from the cells), and its
    note and the import's message give that count."""
    import csv
    import io

    from openpyxl import load_workbook

    book = CalamineWorkbook.from_path(str(REAL_WORKBOOK))
    cells = [r for r in book.get_sheet_by_name("Central Products List").to_python()
             if re.fullmatch("[0-9]{6}", str(r[1])) and r[2] == "Current"]
    current = sorted(str(r[1]) for r in cells)
    history = [str(r[2]) for r in book.get_sheet_by_name("Version Control").to_python()[10:]
               if str(r[0]).strip()]
    listed = json.loads(run("list", "-r", imported, "--format", "json")[1])
    company_of = {e["Device_Model.manufacturer_identifier"]: e["company"] for e in listed}
    expected = _products_by_hand(cells, history, company_of)

    folder = imported / "versions" / "2.051"
    rows = list(csv.reader(io.StringIO((folder / "plain-english-2.051.csv").read_text())))
    header, body = rows[0], rows[1:]
    assert [r[0] for r in body] == current
    product = {r[0]: r[header.index("Product name")] for r in body}
    assert {n: p for n, p in product.items() if p} == expected
    # the names the issue gives, and lines that must not name: no firmware (000041), another
    # firmware than the entry's (000230), a version number alone (000136)
    assert product["000688"] == "SGM1422B Twin"  # Aclara SGM1422B Twin ESME 05:01 00:07:08:06
    assert product["000527"] == "ES-10B"  # EDMI ES-10B ESME 10:E2 03:14:B7:00
    assert product["000118"] == "Trio II Touch Button"
    assert product["000041"] == product["000230"] == product["000136"] == ""
    named = len(expected)
    note = str(load_workbook(folder / "plain-english-2.051.xlsx").active["A2"].value)
    assert f"{len(current)} Current entries" in note and f"names the product of {named} " in note
    said = re.search(r"product names: ([0-9,]+) entries named from the history \(([0-9,]+) of "
                     r"them Current\)", (imported.parent / "import-output.txt").read_text())
    assert said is not None and int(said[2]) == named
    assert named == 390  # of 694 Current entries, when this test was written
