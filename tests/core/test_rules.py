"""Cross-field rules on whole entries: requirements per device type and SMETS1, versions and
their applicability dates, the [E] certificate window, the manufacturer image."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from cplkit.core import model as m
from cplkit.core.ruleset import Ruleset
from cplkit.core.validate import Checked, Validator
from tests.conftest import AS_OF, codes, edited, list_entry
from tests.core.entries import CPA_CONTACT, FIR, valid_gas, with_fields

Check = Callable[..., Checked]

SMETS1_GAS = {
    k: v for k, v in valid_gas("SMETS V1.2", "GBCS Version 0.0").items()
    if not k.startswith(("CPA_", "ZSE_", "Contact-CPA", "Manufacturer_Image"))
}

PPMID = with_fields(
    {k: v for k, v in valid_gas("SMETS V4.4").items()
     if k not in FIR and k not in CPA_CONTACT and not k.startswith("CPA_")},
    Device_Type__name="Pre-Payment Interface Device")
PPMID[m.CPA_SECURITY_CHARACTERISTICS] = "Not Relevant"


def test_valid_entries_have_no_findings(check_form: Check) -> None:
    assert codes(check_form(valid_gas())) == []
    assert codes(check_form(PPMID)) == []


def test_the_entry_keeps_normalised_values(check_form: Check) -> None:
    checked = check_form(with_fields(valid_gas(), Device_Model__firmware_version="0102aabb"))
    assert checked.entry.firmware_version == "01:02:AA:BB"
    assert checked.entry.cpa_expiry_date == dt.date(2030, 8, 30)


def test_every_problem_is_reported_at_once(check_form: Check) -> None:
    entry = with_fields(valid_gas(), Device_Model__firmware_version="01:02",
                        Device_Model__model_identifier="FF:FF",
                        CPA_Certificate__expiry_date="31/02/2030",
                        ZSE_Certificate__ZSE_version=None)
    assert codes(check_form(entry)) == [
        ("CPL-V01", "G23"), ("CPL-V03", "G14"), ("CPL-V04", "G11"), ("CPL-V07", "G19")]


def test_a_bad_value_is_not_also_reported_missing(check_form: Check) -> None:
    assert codes(check_form(with_fields(valid_gas(), Device_Model__firmware_version="x"))) == [
        ("CPL-V03", "G14")]


def test_unknown_device_type_does_not_cascade(check_form: Check) -> None:
    assert codes(check_form(with_fields(valid_gas(), Device_Type__name="Smart Kettle"))) == [
        ("CPL-V05", "G9")]


@pytest.mark.parametrize(("changes", "expected"), [
    ({m.CPA_ID: "[R] NCSC-1"}, [("CPL-V02", "G17")]),
    # SECAS's check accepts it empty (lines 1113-1122), and SECAS listed four such PPMIDs
    ({m.CPA_SECURITY_CHARACTERISTICS: None}, [("CPL-V14", "G18")]),
    ({m.CPA_SECURITY_CHARACTERISTICS: "Security Characteristics version 1.3"},
     [("CPL-V05", "G18")]),
    ({"Contact-CPA.Contact.contact name": "Jo"}, [("CPL-V02", "G27")]),
    ({"Manufacturer Contact FIR.City": "Leeds"}, [("CPL-V02", "G33")]),
])
def test_ppmid_requirements(check_form: Check, changes: dict[str, Any],
                            expected: list[tuple[str, str]]) -> None:
    assert codes(check_form({**PPMID, **changes})) == expected


def test_smets1_takes_no_certificates_but_needs_the_fir_contact(check_form: Check) -> None:
    checked = check_form(SMETS1_GAS)
    assert codes(checked) == [("CPL-R05", "G15")]
    given_cpa = check_form({**SMETS1_GAS, m.CPA_ID: "[R] NCSC-1", m.DLMS_ID: "1"})
    assert ("CPL-V02", "G17") in codes(given_cpa)
    assert ("CPL-V02", "G20") in codes(given_cpa)
    no_fir = check_form({k: v for k, v in SMETS1_GAS.items() if k not in FIR})
    assert ("CPL-V01", "G30") in codes(no_fir)


def test_smets1_ppmid_leaves_security_characteristics_empty(check_form: Check) -> None:
    entry = {k: v for k, v in PPMID.items() if not k.startswith(("ZSE_", "CPA_"))}
    entry.update({m.SPEC_VERSION: "SMETS V1.2", m.GBCS_VERSION: "GBCS Version 0.0"})
    assert codes(check_form(entry)) == [("CPL-R05", "G15")]


@pytest.mark.parametrize("device_type", ["Gas Smart Meter", "Communications Hub",
                                         "HAN Connected Auxiliary Load Control Switch"])
def test_only_electricity_meters_carry_a_dlms_certificate(check_form: Check,
                                                          device_type: str) -> None:
    """SECAS's tool requires the DLMS fields empty for every other device type."""
    entry = {**valid_gas(), m.DEVICE_TYPE: device_type, m.DLMS_ID: "2721",
             m.DLMS_VERSION: "CTT 4.2"}
    found = codes(check_form(entry))
    assert ("CPL-V02", "G20") in found and ("CPL-V02", "G21") in found


def test_electricity_meters_need_a_dlms_certificate(check_form: Check) -> None:
    entry = with_fields(valid_gas("SMETS V5.1"),
                        Device_Type__name="Single Element Electricity Metering Equipment")
    assert codes(check_form(entry)) == [("CPL-V01", "G20"), ("CPL-V01", "G21")]


# the macro reports a refused combination on the device type row (checkDeviceLevelVersion's
# result joins row 1's, lines 247-256); a family or generation wrong on its own row too
# (lines 901-925 and 971-978)
@pytest.mark.parametrize(("device_type", "spec", "gbcs", "expected"), [
    ("Communications Hub", "SMETS V5.1", "GBCS Version 4.1",
     [("CPL-R01", "G15"), ("CPL-R01", "G9")]),
    ("Gas Smart Meter", "CHTS V1.5", "GBCS Version 4.1", [("CPL-R01", "G15"), ("CPL-R01", "G9")]),
    ("Gas Smart Meter", "SMETS V4.3", "GBCS Version 0.0", [("CPL-R02", "G16"), ("CPL-R02", "G9")]),
    ("Communications Hub", "CHTS V1.5", "GBCS Version 0.0", [("CPL-R02", "G9")]),
    ("Communications Hub", "SMETS V1.2", "GBCS Version 1.1",
     [("CPL-R02", "G15"), ("CPL-R02", "G9")]),
    ("Gas Smart Meter", "SMETS V5.0", "GBCS Version 4.0", [("CPL-R03", "G9")]),
    ("Gas Smart Meter", "SMETS V4.2", "GBCS Version 4.1", [("CPL-R03", "G9")]),
    ("Gas Smart Meter", "SMETS V3.0", "GBCS Version 2.0", [("CPL-R03", "G9"), ("CPL-R04", "G15")]),
    ("Gas Smart Meter", "SMETS V2.0", "GBCS Version 1.0", [("CPL-R03", "G9"), ("CPL-R04", "G16")]),
    ("Gas Smart Meter", "SMETS V3.1", "GBCS Version 2.1", []),
])
def test_version_rules(check_form: Check, device_type: str, spec: str, gbcs: str,
                       expected: list[tuple[str, str]]) -> None:
    entry = with_fields(valid_gas(spec, gbcs), Device_Type__name=device_type)
    if device_type == "Communications Hub":
        entry = {k: v for k, v in entry.items() if k not in FIR}
    if spec == "SMETS V1.2":
        entry = {k: v for k, v in entry.items()
                 if not k.startswith(("CPA_", "ZSE_", "Contact-CPA"))}
    assert codes(check_form(entry)) == expected


def test_there_is_no_smets1_polyphase_meter(check_form: Check) -> None:
    entry = {**SMETS1_GAS, m.DEVICE_TYPE: "Polyphase Electricity Metering Equipment"}
    # the macro: its Device Level Versioning check, on the device type row
    assert codes(check_form(entry)) == [("CPL-R01", "G9")]


def test_legacy_dlms_tool_version_is_refused(check_form: Check) -> None:
    entry = with_fields(valid_gas("SMETS V5.1"),
                        Device_Type__name="Single Element Electricity Metering Equipment")
    entry.update({m.DLMS_ID: "1675", m.DLMS_VERSION: "CTT 3.0"})
    assert codes(check_form(entry)) == [("CPL-R04", "G21")]


@pytest.fixture
def dated(ruleset_data: dict[str, Any]) -> Ruleset:
    """The bundled ruleset with dates on the SMETS V4.3 / GBCS 4.1 gas row."""
    for row in ruleset_data["combinations"]:
        if row["spec_version"] == "SMETS V4.3" and "Gas Smart Meter" in row["device_types"]:
            row.update(installation_from="2021-01-01", installation_until="2025-12-31",
                       maintenance_until="2027-06-30")
    return edited(ruleset_data)


@pytest.mark.parametrize(("as_of", "expected"), [
    ("2020-12-31", [("CPL-R07", "G15")]),
    ("2021-01-01", []),
    ("2025-12-31", []),
    ("2026-01-01", [("CPL-R05", "G15")]),
    ("2027-06-30", [("CPL-R05", "G15")]),
    ("2027-07-01", [("CPL-R06", "G15")]),
])
def test_applicability_dates(check_form: Check, dated: Ruleset, as_of: str,
                             expected: list[tuple[str, str]]) -> None:
    checked = check_form(valid_gas(), as_of=dt.date.fromisoformat(as_of), rules=dated)
    assert codes(checked) == expected


@pytest.mark.parametrize(("certificate", "expiry", "expected"), [
    ("[E] NCSC-1", "23/11/2026", [("CPL-R10", "G19")]),  # expires today: may lapse
    ("[E] NCSC-1", "22/01/2027", [("CPL-R10", "G19")]),  # within 60 days
    ("[E] NCSC-1", "23/01/2027", []),
    ("[E] NCSC-1", "22/11/2026", [("CPL-R08", "G19")]),
    ("[E] NCSC-1", "23/11/2032", []),
    ("[E] NCSC-1", "24/11/2032", [("CPL-R08", "G19")]),
    ("[R] NCSC-1", "01/01/2019", [("CPL-R10", "G19")]),  # renewal overdue: a warning
    ("[R] NCSC-1", "01/01/2027", [("CPL-R10", "G19")]),  # renewal due
    ("[R] NCSC-1", "01/01/2090", []),
])
def test_expiring_cpa_certificate_window(check_form: Check, certificate: str, expiry: str,
                                         expected: list[tuple[str, str]]) -> None:
    entry = {**valid_gas(), m.CPA_ID: certificate, m.CPA_EXPIRY: expiry}
    assert codes(check_form(entry, as_of=AS_OF)) == expected


def test_removed_entries_are_not_held_to_the_window(ruleset: Ruleset) -> None:
    values = {k: v for k, v in valid_gas().items() if k in m.PUBLISHED_FIELDS}
    values.update({m.ENTRY_NUMBER: "000042", m.CPA_ID: "[E] NCSC-1", m.CPA_EXPIRY: "01/01/2019"})
    validator = Validator(ruleset, AS_OF, "cpl.xlsx")
    current = validator.check(list_entry({**values, m.ENTRY_STATUS: "Current"}))
    removed = validator.check(list_entry({**values, m.ENTRY_STATUS: "Removed"}))
    assert [(f.code, f.cell) for f in current.findings] == [("CPL-R08", "N8")]
    assert removed.findings == ()


def test_a_published_list_needs_number_and_status(ruleset: Ruleset) -> None:
    values = {k: v for k, v in valid_gas().items() if k in m.PUBLISHED_FIELDS}
    checked = Validator(ruleset, AS_OF, "cpl.xlsx").check(list_entry(values))
    assert sorted((f.code, f.cell) for f in checked.findings) == [
        ("CPL-V01", "B8"), ("CPL-V01", "C8")]


def test_secas_fields_in_a_submission(check_form: Check) -> None:
    placeholder = check_form({**valid_gas(), m.ENTRY_NUMBER: "This value is allocated by SECAS"})
    assert codes(placeholder) == []
    filled = check_form({**valid_gas(), m.ENTRY_NUMBER: "000733", m.ENTRY_STATUS: "Current"})
    assert codes(filled) == [("CPL-V10", "G7"), ("CPL-V10", "G8")]
    assert filled.entry.number is None and filled.entry.status is None


@pytest.mark.parametrize(("changes", "expected"), [
    # a hash without a creator: the macro flags the hash row (lines 1608-1615)
    ({m.IMAGE_CREATOR: None}, [("CPL-R09", "G25")]),
    # a creator without a hash: both rows (lines 1556-1565 and 1617-1620)
    ({m.IMAGE_HASH: None}, [("CPL-R09", "G24"), ("CPL-R09", "G25")]),
    ({m.IMAGE_DESCRIPTOR: None}, [("CPL-R09", "G26")]),  # SECAS's tool needs it with a hash
    ({m.IMAGE_DESCRIPTOR: "Complete image"}, [("CPL-V11", "G26")]),  # names no band: advice
    # a descriptor alone passes the macro (its check is commented out) and entry 000584 has it
    ({m.IMAGE_CREATOR: None, m.IMAGE_HASH: None}, [("CPL-V14", "G26")]),
    ({m.IMAGE_CREATOR: None, m.IMAGE_DESCRIPTOR: None}, [("CPL-R09", "G25"), ("CPL-R09", "G26")]),
    ({m.IMAGE_CREATOR: None, m.IMAGE_HASH: None, m.IMAGE_DESCRIPTOR: None}, []),
    ({m.IMAGE_HASH: "not a hash"}, [("CPL-V03", "G25")]),
])
def test_manufacturer_image(check_form: Check, changes: dict[str, Any],
                            expected: list[tuple[str, str]]) -> None:
    assert codes(check_form({**valid_gas(), **changes})) == expected


def test_findings_carry_their_location(check_form: Check) -> None:
    finding = check_form(with_fields(valid_gas(), Device_Model__firmware_version="1.2.3")
                         ).findings[0]
    assert finding.as_dict() == {
        "code": "CPL-V03", "severity": "error", "file": "test.xlsx", "entry": 1,
        "number": None, "sheet": "CPL - New Entry", "cell": "G14",
        "field": "Device_Model.firmware_version", "value": "1.2.3", "message": finding.message,
        "hint": finding.hint}
    assert "Device_Model.firmware_version" in finding.message


def test_a_published_list_is_judged_as_published(ruleset: Ruleset) -> None:
    """SECAS issued it: a certificate expired since, or a value now legacy, is advice on the
    list (a warning the audit acts on), while the same values in a submission are errors."""
    from cplkit.core.findings import Severity

    values = {k: v for k, v in valid_gas().items() if k in m.PUBLISHED_FIELDS}
    values.update({m.ENTRY_NUMBER: "000042", m.ENTRY_STATUS: "Current",
                   m.CPA_ID: "[E] NCSC-1", m.CPA_EXPIRY: "01/01/2019"})
    listed = Validator(ruleset, AS_OF, "cpl.xlsx").check(list_entry(values))
    assert [(f.code, f.severity) for f in listed.findings] == [("CPL-R08", Severity.WARNING)]
    asked = Validator(ruleset, AS_OF, "cpl.xlsx", as_published=False).check(list_entry(values))
    assert [(f.code, f.severity) for f in asked.findings] == [("CPL-R08", Severity.ERROR)]
