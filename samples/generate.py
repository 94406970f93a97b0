"""Generates cplkit's bundled samples: valid submissions and files that each break one rule.

Run ``python samples/generate.py [OUT_DIR]`` (default: this folder). It writes

* ``valid/``: a New Entry form for every device type and for a SMETS1 device model, and a bulk
  submission as .xlsx and .csv;
* ``invalid/``: one file per rule broken, and ``invalid/expected.json`` listing, per file, the
  exact findings (code, cell, field) ``cplkit check`` must report as of its ``as_of`` date;
* ``changes/``: one change file of each kind for ``cplkit publish``, numbered in the order they
  apply to a list made from ``valid/bulk-submission.csv`` (entries 000001 to 000008).

The tests regenerate the samples and compare them with the committed ones, and check every file
against ``expected.json``. All device details are made up.
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cplkit.core.model import Value
from cplkit.forms.bulk import write_bulk_table
from cplkit.forms.new_entry import write_new_entry_form
from cplkit.intake.rulesets import load_ruleset

AS_OF = "2026-11-23"
HASH = ":".join(f"{(i * 37 + 11) % 256:02X}" for i in range(32))

Entry = dict[str, Value | None]

CPA_CONTACT: Entry = {
    "Contact-CPA.Contact.contact name": "Jo Bloggs; Sam Patel",
    "Contact-CPA.Contact.contact telephone": "+44 20 7946 0000; 0161 496 0000",
    "Contact-CPA.Contact.contact email":
        "jo.bloggs@meters.example.co.uk; sam.patel@meters.example.co.uk",
}
FIR_CONTACT: Entry = {
    "Manufacturer Contact FIR.Company Name": "Example Meters Ltd",
    "Manufacturer Contact FIR.House Number": "12",
    "Manufacturer Contact FIR.Street": "Meter Street",
    "Manufacturer Contact FIR.City": "Manchester",
    "Manufacturer Contact FIR.Post Code": "M1 1AA",
    "Manufacturer Contact FIR.Country": "United Kingdom",
    "Manufacturer Contact FIR.Telephone Number": "+44 161 496 0000",
    "Manufacturer Contact FIR.Website": "https://www.meters.example.co.uk",
    "Manufacturer Contact FIR.Email Address": "firmware@meters.example.co.uk",
    "FIR Release Notes.Description": "Fixes tariff switching at midnight; see "
                                     "https://www.meters.example.co.uk/firmware",
}


def _entry(device_type: str, model: str, spec: str, gbcs: str, *, cpa: bool = True,
           dlms: bool = False, fir: bool = True, ppmid: bool = False) -> Entry:
    entry: Entry = {
        "Device_Type.name": device_type,
        "Device_Model.manufacturer_identifier": "12:3E",
        "Device_Model.model_identifier": model,
        "Device_Model.hardware_version.version": "01",
        "Device_Model.hardware_version.revision": "00",
        "Device_Model.firmware_version": "01:02:0A:FF",
        "SMETS_CHTS Version.Version_number_and_effective_date": spec,
        "GBCS Version.version_number": gbcs,
        "ZSE_Certificate.identification_number": "ZIG22001ZSE13000-24",
        "ZSE_Certificate.ZSE_version": "ZigBee Smart Energy Standard 1.4",
        "Manufacturer_Image.creator": "Example Meters Ltd",
        "Manufacturer_Image.hash": HASH,
        "Manufacturer_Image.descriptor": "Complete image; Dual Band",
    }
    if cpa:
        entry.update({
            "CPA_Certificate.identification_number": "[R] NCSC-1500000000-4001",
            "CPA_Certificate.security_characteristics_version":
                "Security Characteristics version 1.3",
            "CPA_Certificate.expiry_date": "30/08/2030",
        })
        entry.update(CPA_CONTACT)
    if ppmid:
        entry["CPA_Certificate.security_characteristics_version"] = "Not Relevant"
    if dlms:
        entry.update({"DLMS_Certificate.identification_number": "2721",
                      "DLMS_Certificate.DLMS_version": "CTT 4.2"})
    if fir:
        entry.update(FIR_CONTACT)
    return entry


VALID: dict[str, Entry] = {
    "communications-hub": _entry("Communications Hub", "20:01", "CHTS V1.5", "GBCS Version 4.1",
                                 fir=False),
    "gas-smart-meter": _entry("Gas Smart Meter", "20:02", "SMETS V4.3", "GBCS Version 4.1"),
    "single-element-esme": _entry("Single Element Electricity Metering Equipment", "20:03",
                                  "SMETS V5.1", "GBCS Version 4.1", dlms=True),
    "twin-element-esme": _entry("Twin Element Electricity Metering Equipment", "20:04",
                                "SMETS V5.0", "GBCS Version 4.0", dlms=True),
    "polyphase-esme": _entry("Polyphase Electricity Metering Equipment", "20:05", "SMETS V4.2",
                             "GBCS Version 3.2", dlms=True),
    "han-connected-alcs": _entry("HAN Connected Auxiliary Load Control Switch", "20:06",
                                 "SMETS V5.1", "GBCS Version 4.1", fir=False),
    "ppmid": _entry("Pre-Payment Interface Device", "20:07", "SMETS V4.4", "GBCS Version 4.1",
                    cpa=False, fir=False, ppmid=True),
}
SMETS1_GAS: Entry = {
    k: v for k, v in _entry("Gas Smart Meter", "21:01", "SMETS V1.2", "GBCS Version 0.0",
                            cpa=False).items()
    if not k.startswith(("ZSE_", "Manufacturer_Image."))
}
VALID["smets1-gas-smart-meter"] = SMETS1_GAS


def changed(base: Entry, **changes: Value | None) -> Entry:
    """``base`` with fields changed; keyword names use '__' for '.' and '_' stays."""
    out = dict(base)
    for key, value in changes.items():
        out[key.replace("__", ".")] = value
    return out


GAS = VALID["gas-smart-meter"]
HUB = VALID["communications-hub"]
PPMID = VALID["ppmid"]

#: file -> (entry, expected findings as (code, cell, field))
FORM_CASES: dict[str, tuple[Entry, list[tuple[str, str, str]]]] = {
    "V01-missing-firmware": (
        changed(GAS, Device_Model__firmware_version=None),
        [("CPL-V01", "G14", "Device_Model.firmware_version")]),
    "V01-missing-cpa-certificate": (
        changed(GAS, CPA_Certificate__identification_number=None),
        [("CPL-V01", "G17", "CPA_Certificate.identification_number")]),
    "V02-smets1-with-zse-certificate": (
        changed(SMETS1_GAS, ZSE_Certificate__identification_number="ZIG22001ZSE13000-24"),
        [("CPL-V02", "G22", "ZSE_Certificate.identification_number"),
         ("CPL-R05", "G15", "SMETS_CHTS Version.Version_number_and_effective_date")]),
    "V02-ppmid-with-fir-contact": (
        changed(PPMID, **{"Manufacturer Contact FIR.Company Name": "Example Meters Ltd"}),
        [("CPL-V02", "G30", "Manufacturer Contact FIR.Company Name")]),
    "V03-firmware-three-bytes": (
        changed(GAS, Device_Model__firmware_version="01:02:03"),
        [("CPL-V03", "G14", "Device_Model.firmware_version")]),
    "V03-cpa-without-prefix": (
        changed(GAS, CPA_Certificate__identification_number="NCSC-1500000000-4001"),
        [("CPL-V03", "G17", "CPA_Certificate.identification_number")]),
    "V03-bad-email": (
        changed(GAS, **{"Contact-CPA.Contact.contact email": "jo.bloggs.example.co.uk"}),
        [("CPL-V03", "G29", "Contact-CPA.Contact.contact email")]),
    "V04-model-reserved": (
        changed(GAS, Device_Model__model_identifier="FF:C0"),
        [("CPL-V04", "G11", "Device_Model.model_identifier")]),
    "V05-unknown-device-type": (
        changed(GAS, Device_Type__name="Smart Meter"),
        [("CPL-V05", "G9", "Device_Type.name")]),
    "V07-not-a-date": (
        changed(GAS, CPA_Certificate__expiry_date="31/02/2030"),
        [("CPL-V07", "G19", "CPA_Certificate.expiry_date")]),
    "V09-hex-in-lower-case": (
        changed(GAS, Device_Model__firmware_version="01:02:0a:ff"),
        [("CPL-V09", "G14", "Device_Model.firmware_version")]),
    "V12-spaces-around-firmware": (
        changed(GAS, Device_Model__firmware_version=" 01:02:0A:FF "),
        [("CPL-V12", "G14", "Device_Model.firmware_version")]),
    "V12-hex-without-colons": (
        changed(GAS, Device_Model__manufacturer_identifier="123E"),
        [("CPL-V12", "G10", "Device_Model.manufacturer_identifier")]),
    "V12-date-with-dashes": (
        changed(GAS, CPA_Certificate__expiry_date="30-08-2030"),
        [("CPL-V12", "G19", "CPA_Certificate.expiry_date")]),
    "V12-certificate-id-with-trailing-space": (
        changed(GAS, ZSE_Certificate__identification_number="ZIG22001ZSE13000-24 "),
        [("CPL-V12", "G22", "ZSE_Certificate.identification_number")]),
    "V03-cpa-id-with-line-break": (
        changed(GAS, CPA_Certificate__identification_number="[R] NCSC-15\n4001"),
        [("CPL-V03", "G17", "CPA_Certificate.identification_number")]),
    "V03-zse-id-too-short": (
        changed(GAS, ZSE_Certificate__identification_number="Z1"),
        [("CPL-V03", "G22", "ZSE_Certificate.identification_number")]),
    "V02-dlms-certificate-on-a-gas-meter": (
        changed(GAS, DLMS_Certificate__identification_number="2721",
                DLMS_Certificate__DLMS_version="CTT 4.2"),
        [("CPL-V02", "G20", "DLMS_Certificate.identification_number"),
         ("CPL-V02", "G21", "DLMS_Certificate.DLMS_version")]),
    "V01-gas-meter-without-fir-website": (
        changed(GAS, **{"Manufacturer Contact FIR.Website": None}),
        [("CPL-V01", "G37", "Manufacturer Contact FIR.Website")]),
    "V01-smets1-gas-meter-without-release-notes": (
        changed(SMETS1_GAS, **{"FIR Release Notes.Description": None}),
        [("CPL-V01", "G39", "FIR Release Notes.Description"),
         ("CPL-R05", "G15", "SMETS_CHTS Version.Version_number_and_effective_date")]),
    "R11-not-relevant-on-a-gas-meter": (
        changed(GAS, CPA_Certificate__security_characteristics_version="Not Relevant"),
        [("CPL-R11", "G18", "CPA_Certificate.security_characteristics_version")]),
    "V13-fir-website-not-public": (
        changed(GAS, **{"Manufacturer Contact FIR.Website": "http://intranet/firmware"}),
        [("CPL-V13", "G37", "Manufacturer Contact FIR.Website")]),
    "V10-entry-number-filled-in": (
        changed(GAS), [("CPL-V10", "G7", "Entry.number")]),
    "V11-descriptor-without-band": (
        changed(GAS, Manufacturer_Image__descriptor="Complete image"),
        [("CPL-V11", "G26", "Manufacturer_Image.descriptor")]),
    "R01-hub-with-smets-version": (
        changed(HUB, **{"SMETS_CHTS Version.Version_number_and_effective_date": "SMETS V5.1"}),
        [("CPL-R01", "G15", "SMETS_CHTS Version.Version_number_and_effective_date"),
         ("CPL-R01", "G9", "Device_Type.name")]),
    "R02-smets1-with-smets2-gbcs": (
        changed(SMETS1_GAS, **{"GBCS Version.version_number": "GBCS Version 4.1"}),
        [("CPL-R02", "G16", "GBCS Version.version_number"),
         ("CPL-R02", "G9", "Device_Type.name")]),
    "R03-gas-meter-with-smets5": (
        changed(GAS, **{"SMETS_CHTS Version.Version_number_and_effective_date": "SMETS V5.1"}),
        [("CPL-R03", "G9", "Device_Type.name")]),
    "R04-legacy-gbcs-version": (
        changed(GAS, **{"SMETS_CHTS Version.Version_number_and_effective_date": "SMETS V2.0",
                        "GBCS Version.version_number": "GBCS Version 1.0"}),
        [("CPL-R03", "G9", "Device_Type.name"),
         ("CPL-R04", "G16", "GBCS Version.version_number")]),
    "R05-smets1-installation-over": (
        SMETS1_GAS, [("CPL-R05", "G15", "SMETS_CHTS Version.Version_number_and_effective_date")]),
    "R08-expired-cpa-certificate": (
        changed(GAS, CPA_Certificate__identification_number="[E] NCSC-1500000000-4002",
                CPA_Certificate__expiry_date="01/01/2026"),
        [("CPL-R08", "G19", "CPA_Certificate.expiry_date")]),
    "R09-hash-without-creator": (
        changed(GAS, Manufacturer_Image__creator=None),
        [("CPL-R09", "G25", "Manufacturer_Image.hash")]),
    "R09-hash-without-descriptor": (
        changed(GAS, Manufacturer_Image__descriptor=None),
        [("CPL-R09", "G26", "Manufacturer_Image.descriptor")]),
    "R10-expiring-cpa-certificate-soon": (
        changed(GAS, CPA_Certificate__identification_number="[E] NCSC-1500000000-4003",
                CPA_Certificate__expiry_date="01/01/2027"),
        [("CPL-R10", "G19", "CPA_Certificate.expiry_date")]),
}


def _patch_cell(path: Path, cell: str, value: Any) -> None:
    """Put a raw (non-text) value into a form cell, as Excel would after a careless edit."""
    from openpyxl import load_workbook

    wb = load_workbook(path)
    wb.active[cell].value = value
    wb.save(path)


def _edit(path: Path, edit: Callable[[Any], object]) -> None:
    from openpyxl import load_workbook

    wb = load_workbook(path)
    edit(wb)
    wb.save(path)


def generate(out: Path) -> dict[str, Any]:
    ruleset = load_ruleset()
    valid, invalid = out / "valid", out / "invalid"
    valid.mkdir(parents=True, exist_ok=True)
    invalid.mkdir(parents=True, exist_ok=True)
    for name, entry in VALID.items():
        write_new_entry_form(valid / f"form-{name}.xlsx", ruleset, [entry])
    bulk = [changed(e, Device_Model__firmware_version=f"01:02:0B:{i:02X}")
            for i, e in enumerate(VALID.values())]
    write_bulk_table(valid / "bulk-submission.xlsx", ruleset, bulk)
    write_bulk_table(valid / "bulk-submission.csv", ruleset, bulk)

    expected: dict[str, list[dict[str, str | None]]] = {}

    def expect(name: str, findings: list[tuple[str, str | None, str | None]]) -> None:
        expected[name] = [{"code": c, "cell": cell, "field": f} for c, cell, f in findings]

    for name, (entry, findings) in FORM_CASES.items():
        path = invalid / f"{name}.xlsx"
        write_new_entry_form(path, ruleset, [entry])
        expect(path.name, list(findings))
    _patch_cell(invalid / "V10-entry-number-filled-in.xlsx", "G7", "000733")

    path = invalid / "V06-hex-typed-as-number.xlsx"
    write_new_entry_form(path, ruleset, [GAS])
    _patch_cell(path, "G12", 5)  # typed 05; Excel kept 5
    expect(path.name, [("CPL-V06", "G12", "Device_Model.hardware_version.version")])

    path = invalid / "V08-formula-without-value.xlsx"
    write_new_entry_form(path, ruleset, [GAS])
    _patch_cell(path, "G14", '=CONCAT("01:02:",'"\"0A:FF\")")
    expect(path.name, [("CPL-V08", "G14", "Device_Model.firmware_version")])

    path = invalid / "V01-second-entry-in-column-H.xlsx"
    write_new_entry_form(path, ruleset, [GAS, changed(GAS, Device_Model__model_identifier=None,
                                                      Device_Model__firmware_version="01:02:0B:00")])
    expect(path.name, [("CPL-V01", "H11", "Device_Model.model_identifier")])

    path = invalid / "F03-no-layout.xlsx"
    write_bulk_table(path, ruleset, [{"Device_Type.name": "Gas Smart Meter"}],
                     fields=["Device_Type.name"])
    _edit(path, lambda wb: wb.active.cell(1, 1, "Meter list"))
    expect(path.name, [("CPL-F03", None, None)])

    path = invalid / "F04-missing-gbcs-row.xlsx"
    write_new_entry_form(path, ruleset, [GAS])
    _edit(path, lambda wb: wb.active.delete_rows(16))
    expect(path.name, [("CPL-F04", None, "GBCS Version.version_number")])

    path = invalid / "F05-unknown-field-row.xlsx"
    write_new_entry_form(path, ruleset, [GAS])
    _edit(path, lambda wb: (wb.active.cell(40, 1, "Device_Model"), wb.active.cell(40, 2, "colour"),
                            wb.active.cell(40, 7, "blue")))
    expect(path.name, [("CPL-F05", "B40", None)])

    path = invalid / "F06-hidden-sheet.xlsx"
    write_new_entry_form(path, ruleset, [GAS])

    def hide(wb: Any) -> None:
        sheet = wb.create_sheet("Old entries")
        sheet["A1"] = "not read"
        sheet.sheet_state = "hidden"
    _edit(path, hide)
    expect(path.name, [("CPL-F06", None, None)])

    path = invalid / "F07-two-filled-forms.xlsx"
    write_new_entry_form(path, ruleset, [GAS])

    def second_form(wb: Any) -> None:
        copy = wb.copy_worksheet(wb.active)
        copy.title = "CPL - New Entry (2)"
        copy["G14"] = "01:02:0B:01"
    _edit(path, second_form)
    expect(path.name, [("CPL-F07", None, None)])

    path = invalid / "F06-hidden-row-in-bulk.xlsx"
    write_bulk_table(path, ruleset, bulk[:3])
    _edit(path, lambda wb: setattr(wb.active.row_dimensions[3], "hidden", True))
    expect(path.name, [("CPL-F06", "A3", None)])

    path = invalid / "V06-excel-mangled-csv.csv"
    mangled = [changed(VALID["gas-smart-meter"], Device_Model__hardware_version__version="1",
                       Device_Model__model_identifier="1E+10")]
    write_bulk_table(path, ruleset, mangled)
    expect(path.name, [("CPL-V06", "C2", "Device_Model.model_identifier"),
                       ("CPL-V06", "D2", "Device_Model.hardware_version.version")])

    path = invalid / "F04-bulk-gas-meters-without-contacts.csv"
    published = [name for name, spec in ruleset.fields.items()
                 if spec.published and not spec.allocated_by_secas]
    write_bulk_table(path, ruleset, bulk[1:2], fields=published)
    expect(path.name, [("CPL-F04", None, name) for name, spec in ruleset.fields.items()
                       if not (spec.published or spec.allocated_by_secas or spec.extension)])

    path = invalid / "V05-ampersand-label-unknown-version.csv"
    columns = ["SMETS_CHTS Version.Version_number_&_effective_date" if name.startswith(
        "SMETS_CHTS") else name for name in ruleset.fields if not name.startswith("Entry.")]
    rows = [[str(GAS.get(name) or "") for name in ruleset.fields if not name.startswith("Entry.")]]
    rows[0][columns.index("SMETS_CHTS Version.Version_number_&_effective_date")] = "SMETS V9.9"
    with path.open("w", encoding="utf-8", newline="") as stream:
        csv.writer(stream).writerows([columns, *rows])
    expect(path.name, [("CPL-R03", "A2", "Device_Type.name"),
                       ("CPL-V05", "G2", "SMETS_CHTS Version.Version_number_and_effective_date")])

    _change_files(out / "changes")

    document = {"as_of": AS_OF,
                "about": "Findings cplkit check must report for each file, and no others.",
                "files": dict(sorted(expected.items()))}
    (invalid / "expected.json").write_text(json.dumps(document, indent=2) + "\n",
                                           encoding="utf-8")
    return document


#: one change file of each kind (docs/change-files.md), in the order they apply
CHANGE_FILES = {
    "1-removals.csv": [
        ["Entry.number", "reason", "decision"],
        ["000002", "incorrect SMETS and GBCS combination", "SSC 2026-11-18"]],
    "2-reinstatements.csv": [
        ["Entry.number", "reinstatement_reason", "decision"],
        ["000002", "original entry valid", "SSC 2026-11-25"]],
    "3-corrections.csv": [
        ["Entry.number", "field", "new_value", "reason"],
        ["000003", "ZSE_Certificate.identification_number", "ZIG22001ZSE13009-24",
         "the submitter noted the original submission contained an error"]],
    "4-certificate-updates.csv": [
        ["CPA_Certificate.identification_number", "new_identification_number",
         "new_expiry_date", "reason"],
        ["[R] NCSC-1500000000-4001", "[R] NCSC-1500000000-4002", "30/08/2031",
         "NCSC granted a new certificate"]],
    "5-renames.csv": [
        ["field", "old_value", "new_value", "reason"],
        ["ZSE_Certificate.ZSE_version", "ZigBee Smart Energy Standard 1.4",
         "Zigbee Smart Energy Standard 1.4 (2016)", "to match the DCC's validation"]],
}

#: the rules a rename is published with: the bundled ones, with the new text in place of the old
RENAME_RULES = "5-renames-rules.json"


def _change_files(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in CHANGE_FILES.items():
        with (folder / name).open("w", encoding="utf-8", newline="") as stream:
            csv.writer(stream, lineterminator="\n").writerows(rows)
    _, old, new, _ = CHANGE_FILES["5-renames.csv"][1]
    rules = json.loads(json.dumps(json.loads(_bundled_rules()))
                       .replace(json.dumps(old), json.dumps(new)))
    rules["id"] = "cpl-rules-sample-rename"
    rules["title"] = f"The bundled rules, with '{new}' in place of '{old}'"
    (folder / RENAME_RULES).write_text(json.dumps(rules, indent=2, ensure_ascii=False) + "\n",
                                       encoding="utf-8")


def _bundled_rules() -> str:
    from cplkit.base.resources import schema_path

    return schema_path("ruleset.json").read_text(encoding="utf-8")


def main(argv: list[str]) -> None:
    out = Path(argv[1]) if len(argv) > 1 else Path(__file__).resolve().parent
    document = generate(out)
    print(f"wrote {len(VALID)} valid forms, 2 bulk submissions and "
          f"{len(document['files'])} invalid samples under {out}")


if __name__ == "__main__":
    main(sys.argv)

