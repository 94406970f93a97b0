"""What SECAS's own check (the macro of its CPL workbook) accepts, cplkit accepts, at most with a
warning; what it refuses as written is CPL-V12, whose message gives the value to type and the
value read. Each case is one of issue 25's examples, on a New Entry form (column G)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest

from cplkit.core import model as m
from cplkit.core.validate import Checked
from tests.conftest import codes
from tests.core.entries import valid_gas

Check = Callable[..., Checked]


@pytest.mark.parametrize(("field", "typed", "canonical", "cell"), [
    (m.DEVICE_TYPE, "gas smart meter", "Gas Smart Meter", "G9"),
    (m.SPEC_VERSION, "smets v4.3", "SMETS V4.3", "G15"),
    ("ZSE_Certificate.ZSE_version", "Zigbee Smart Energy Standard 1.4",
     "ZigBee Smart Energy Standard 1.4", "G23"),
])
def test_another_case_passes_with_a_warning_and_the_list_spelling(
        check_form: Check, field: str, typed: str, canonical: str, cell: str) -> None:
    # the macro's module starts with Option Compare Text (line 11): its lookups ignore case
    checked = check_form(valid_gas(**{field: typed}))
    assert codes(checked) == [("CPL-V09", cell)]
    assert checked.entry.values[field] == canonical
    assert canonical in checked.findings[0].message


def test_not_relevant_in_another_case_on_a_ppmid(check_form: Check) -> None:
    ppmid = {k: v for k, v in valid_gas("SMETS V4.4").items()
             if not k.startswith(("CPA_", "Contact-CPA", "Manufacturer Contact", "FIR"))}
    ppmid[m.DEVICE_TYPE] = "Pre-Payment Interface Device"
    ppmid[m.CPA_SECURITY_CHARACTERISTICS] = "not relevant"
    checked = check_form(ppmid)
    assert codes(checked) == [("CPL-V09", "G18")]
    assert checked.entry.values[m.CPA_SECURITY_CHARACTERISTICS] == "Not Relevant"


def test_outer_spaces_are_refused_with_the_value_to_type_and_the_value_read(
        check_form: Check) -> None:
    checked = check_form(valid_gas(**{m.DEVICE_TYPE: " Gas Smart Meter"}))
    assert ("CPL-V12", "G9") in codes(checked)
    [v12] = [f for f in checked.findings if f.code == "CPL-V12"]
    assert v12.message == ("Device_Type.name: type 'Gas Smart Meter' (SECAS's check refuses "
                           "' Gas Smart Meter')")


def test_spaces_and_case_together_give_one_error_with_the_list_spelling(
        check_form: Check) -> None:
    checked = check_form(valid_gas(**{m.GBCS_VERSION: "gbcs version 4.1 "}))
    assert [c for c in codes(checked) if c[1] == "G16"] == [("CPL-V12", "G16")]
    assert "type 'GBCS Version 4.1' (SECAS's check refuses 'gbcs version 4.1 ')" in \
        checked.findings[0].message


def test_a_date_cell_holding_a_time_is_refused_with_the_date_to_type(check_form: Check) -> None:
    # the macro reads the cell as text and wants dd/mm/yyyy exactly (IsLongDateFormat)
    checked = check_form(valid_gas(**{m.CPA_EXPIRY: dt.datetime(2029, 6, 30, 13, 45)}))
    assert codes(checked) == [("CPL-V12", "G19")]
    assert "type '30/06/2029' (SECAS's check refuses '30/06/2029 13:45:00')" in \
        checked.findings[0].message


def test_a_date_cell_at_midnight_is_a_date(check_form: Check) -> None:
    assert codes(check_form(valid_gas(**{m.CPA_EXPIRY: dt.datetime(2029, 6, 30)}))) == []


def test_two_spaces_after_the_cpa_prefix_pass_as_the_macro_reads_four_characters(
        check_form: Check) -> None:
    checked = check_form(valid_gas(**{m.CPA_ID: "[R]  NCSC-1500000000-40"}))
    assert codes(checked) == [("CPL-V09", "G17")]
    assert checked.entry.values[m.CPA_ID] == "[R] NCSC-1500000000-40"


def test_a_lower_case_cpa_prefix_is_still_refused(check_form: Check) -> None:
    assert codes(check_form(valid_gas(**{m.CPA_ID: "[r] NCSC-1500000000-40"}))) == [
        ("CPL-V12", "G17")]


EMAIL = "Contact-CPA.Contact.contact email"


@pytest.mark.parametrize(("typed", "want"), [
    ("sean.o'brien@example.co.uk", [("CPL-V03", "G29")]),  # outside the macro's characters
    ("a@x.com; b@y.com ", [("CPL-V09", "G29")]),  # split on ';', each address trimmed
    ("jane@example.c", []),  # one character after the dot is enough for the macro
    ("jane@example.com ", [("CPL-V12", "G29")]),  # a single address is matched as written
    ("a@x.com;", [("CPL-V03", "G29")]),  # an empty address after the ';'
])
def test_the_cpa_contact_email_is_matched_as_the_macro_matches_it(
        check_form: Check, typed: str, want: list[tuple[str, str]]) -> None:
    assert codes(check_form(valid_gas(**{EMAIL: typed}))) == want


def test_a_house_number_excel_made_a_date_passes_with_a_warning(check_form: Check) -> None:
    # typed 1/2 in a General cell: the macro reads CStr of the date and measures its length
    checked = check_form(valid_gas(**{"Manufacturer Contact FIR.House Number":
                                      dt.date(2022, 2, 1)}))
    assert codes(checked) == [("CPL-V09", "G31")]
    assert checked.entry.values["Manufacturer Contact FIR.House Number"] == "01/02/2022"


def test_a_left_to_right_mark_in_a_street_passes_with_a_warning(check_form: Check) -> None:
    checked = check_form(valid_gas(**{"Manufacturer Contact FIR.Street": "\u200eMeter Street"}))
    assert codes(checked) == [("CPL-V13", "G32")]
    assert checked.entry.values["Manufacturer Contact FIR.Street"] == "\u200eMeter Street"
