"""Product names read from SECAS's history item lines: named only where the entry number, the
company and the firmware pin the text down; a line that misses one, or lines that disagree,
name nothing."""

from __future__ import annotations

import pytest

from cplkit.core import model as m
from cplkit.core.products import (
    PRODUCT_NAME_LIMIT,
    kept_product_name,
    product_name,
    products_in_history,
)


def _entry(number: str = "000001", *, manufacturer: str = "11:8F", model: str = "00:00",
           hardware: tuple[str, str] = ("05", "01"), firmware: str = "00:07:08:06") -> m.Entry:
    return m.Entry.of({m.ENTRY_NUMBER: number, m.ENTRY_STATUS: "Current",
                       m.MANUFACTURER_ID: manufacturer, m.MODEL_ID: model,
                       m.HARDWARE_VERSION: hardware[0], m.HARDWARE_REVISION: hardware[1],
                       m.FIRMWARE_VERSION: firmware})


def _history(*texts: str) -> tuple[m.HistoryLine, ...]:
    return tuple(m.HistoryLine(f"2.{i:03d}", "2022-01-01", text) for i, text in enumerate(texts))


COMPANIES = {"11:8F": "Aclara", "10:6C": "EDMI", "10:63": "Landis + Gyr",
             "10:E0": "Chameleon Technology", "10:31": "Secure Meters"}


@pytest.mark.parametrize(("description", "entry", "company", "name"), [
    # the issue's own examples: between the company and the firmware, device words trimmed
    ("Aclara SGM1422B Twin ESME 05:01 00:07:08:06", _entry(), "Aclara", "SGM1422B Twin"),
    ("EDMI ES-10B ESME 10:E2 03:14:B7:00", _entry(manufacturer="10:6C", model="10:E2",
                                                  hardware=("A1", "00"), firmware="03:14:B7:00"),
     "EDMI", "ES-10B"),
    ("Green Energy Options Trio II Touch Button PPMID 01:15:00:00 (updated firmware)",
     _entry(firmware="01:15:00:00"), "Green Energy Options", "Trio II Touch Button"),
    # the firmware written with dots, notes in brackets, the hardware run together
    ("EDMI ESME ES-10A 03.14.B7.00 (updated firmware)", _entry(firmware="03:14:B7:00"), "EDMI",
     "ES-10A"),
    ("Secure Meters UK Limited Liberty 100 ESME 0102 C0:A1:00:03",
     _entry(hardware=("01", "02"), firmware="C0:A1:00:03"), "Secure Meters", "Liberty 100"),
    ("Aclara SGM1400B firmware 00:07:04:00 (HW Version 01 revision 07) (Updated Firmware)",
     _entry(firmware="00:07:04:00"), "Aclara", "SGM1400B"),
    # the company as the register has it, with '&' for '+', or shortened to its first word
    ("Landis & Gyr S1 G470 MK1 03:02:01:61", _entry(firmware="03:02:01:61"), "Landis + Gyr",
     "G470 MK1"),
    ("Chameleon IHD3-PPMID 00:07:04:00 (updated firmware)", _entry(firmware="00:07:04:00"),
     "Chameleon Technology", "IHD3-PPMID"),
    # 'Smart' is trimmed as a device word only before another one
    ("In Home Displays Ltd Smart View 2 Pre-payment Interface Device 80:23:00:00",
     _entry(firmware="80:23:00:00"), "In Home Displays", "Smart View 2"),
])
def test_a_line_names_the_product_between_its_company_and_its_firmware(
        description: str, entry: m.Entry, company: str, name: str) -> None:
    assert product_name(entry, description, company) == name


@pytest.mark.parametrize(("description", "entry", "company"), [
    # no firmware on the line: where the product text ends is not known
    ("Green Energy Options Trio II Touch Button PPMID", _entry(), "Green Energy Options"),
    # another firmware than the entry's: the line is about another listing
    ("Landis + Gyr E470 Electricity Meter 00:03:02:01 (hardware revision)",
     _entry(firmware="24:03:11:00"), "Landis + Gyr"),
    # the entry's firmware and another four-byte id: which is which cannot be told
    ("Aclara SGM1400B 00:07:08:06 replaces 00:07:08:05", _entry(), "Aclara"),
    # another maker first, or the product before the company
    ("GWI G4-MG-SE-GM-V2 SMETS2 Gas Meter 01:92:00:B5", _entry(firmware="01:92:00:B5"),
     "George Wilson Industries"),
    ("IHD6 PPMID Chameleon Technology UK Ltd 00:02:00:02", _entry(firmware="00:02:00:02"),
     "Chameleon Technology"),
    # a company whose name only starts like the register's is not the company
    ("Secure Liberty 101 ESME A0A10200 - 04:00:00:00", _entry(firmware="04:00:00:00"),
     "Secure Meters"),
    ("Aclarastic SGM1400B 00:07:08:06", _entry(), "Aclara"),
    # nothing but device words, ids and version numbers between the two
    ("Kaifa Single Element Electricity Metering Equipment 01:02:00:96",
     _entry(firmware="01:02:00:96"), "Kaifa"),
    ("Honeywell Elster Electricity Meter HW0101 09:01:40:09 (Updated Firmware)",
     _entry(firmware="09:01:40:09"), "Honeywell Elster"),
    ("WNC 2.19 Communications Hub (02:13:00:03)", _entry(firmware="02:13:00:03"), "WNC"),
    ("EDMI Communications Hub 1.39.2 (updated firmware 12:70:B8:CC)",
     _entry(firmware="12:70:B8:CC"), "EDMI"),
    ("Aclara Twin ESME 00:07:08:06", _entry(), "Aclara"),
    # the product after the firmware: the line does not end it at the firmware
    ("George Wilson Industries GSME 01:A9:00:C0 FVI", _entry(firmware="01:A9:00:C0"),
     "George Wilson Industries"),
])
def test_a_line_that_does_not_pin_the_text_down_names_nothing(
        description: str, entry: m.Entry, company: str) -> None:
    assert product_name(entry, description, company) is None


def test_the_history_names_an_entry_only_when_its_lines_agree() -> None:
    """Every item line of an entry that names a product must name the same one; an entry
    whose added and removed lines disagree is named by none and listed as conflicting. Seven
    digits, an en dash, and lines glued on with a run of spaces are SECAS's too."""
    entries = [_entry("000001"), _entry("000002", firmware="00:07:08:07"),
               _entry("000003", firmware="00:07:08:08"), _entry("000004", manufacturer="10:6C",
                                                                firmware="01:00:22:00"),
               _entry("000005", manufacturer="99:99", firmware="00:07:08:09"),
               _entry("000006", firmware="00:07:08:0A")]
    history = _history(
        "Three new SMETS2 device models added:\r\n"
        "000001 - Aclara SGM1422B Twin ESME 05:01 00:07:08:06\r\n"
        "0000002 \u2013 Aclara SGM1415B ESME 00:07:08:07\r\n"
        "000003 - Aclara SGM1416B ESME 00:07:08:08",
        "One device model removed:      000003 - Aclara SGM1431B ESME 00:07:08:08\r\n"
        "000001 - Aclara SGM1422B Twin ESME 05:01 00:07:08:06 (removed)\r\n"
        "000002 - This entry was removed from the CSV extract",
        "000004 - EDMI ES-10A Electricity Meter 01:00:22:00\r\n"
        "000005 - Unnamed Meters X-1 00:07:08:09\r\n"
        "Entries 000006 - Aclara SGM1400 00:07:08:0A were not added")
    found = products_in_history(entries, history, COMPANIES)
    assert dict(found.named) == {"000001": "SGM1422B Twin", "000002": "SGM1415B",
                                 "000004": "ES-10A"}
    # 000003: two names; 000005: no company in the register; 000006: not an item line
    assert found.conflicting == ("000003",)


def test_a_kept_product_name_is_one_short_line() -> None:
    assert kept_product_name("SGM1422B Twin") is None
    assert kept_product_name("X" * PRODUCT_NAME_LIMIT) is None
    assert "at most" in (kept_product_name("X" * (PRODUCT_NAME_LIMIT + 1)) or "")
    assert "line break" in (kept_product_name("FVI\r\n000999 - Forged") or "")
    assert "U+202E" in (kept_product_name("FVI\u202e") or "")
    assert kept_product_name("   ") == "is empty"
