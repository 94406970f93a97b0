"""Merge: change sets checked against themselves and the list (CPL-M01 to M05), numbers
allocated after the highest ever given, statuses set, and the history line in SECAS's style."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from cplkit.core import model as m
from cplkit.core.changes import (
    CertificateUpdate,
    ChangeSet,
    Correction,
    NewEntry,
    Origin,
    Reinstatement,
    Removal,
    Rename,
)
from cplkit.core.diff import diff
from cplkit.core.merge import merge
from cplkit.core.wording import PRODUCT_NAME, Wording

DAY = dt.date(2026, 11, 23)
CELLS = {m.FIRMWARE_VERSION: "G14", m.MODEL_ID: "G11", m.ENTRY_NUMBER: "A2", m.CPA_ID: "A2",
         m.CPA_EXPIRY: "C2", "new_expiry_date": "C2"}


def entry(number: str | None = None, status: str | None = None, *, firmware: str = "01:00:00:01",
          device_type: str = "Gas Smart Meter", model: str = "20:02",
          cpa: str = "[R] NCSC-1", spec: str = "SMETS V4.3") -> m.Entry:
    values: dict[str, m.Value] = {
        m.DEVICE_TYPE: device_type, m.MANUFACTURER_ID: "12:3E", m.MODEL_ID: model,
        m.HARDWARE_VERSION: "01", m.HARDWARE_REVISION: "00", m.FIRMWARE_VERSION: firmware,
        m.SPEC_VERSION: spec, m.GBCS_VERSION: "GBCS Version 4.1", m.CPA_ID: cpa,
        m.CPA_EXPIRY: dt.date(2030, 1, 1), m.IMAGE_CREATOR: "Example Meters Ltd"}
    if number:
        values[m.ENTRY_NUMBER] = number
    if status:
        values[m.ENTRY_STATUS] = status
    return m.Entry.of(values)


def new(e: m.Entry, index: int = 1, file: str = "form.xlsx") -> NewEntry:
    return NewEntry(e, Origin(file, index, "CPL - New Entry", CELLS))


CURRENT = m.CplVersion(m.VersionNumber.parse("2.051"), dt.date(2022, 9, 21), (
    entry("000001", "Current", firmware="01:00:00:00"),
    entry("000002", "Removed", firmware="02:00:00:00"),
    entry("000732", "Current", firmware="03:00:00:00", cpa="[E] NCSC-OLD"),
    entry("000005", "Current", firmware="04:00:00:00", cpa="[E] NCSC-OLD"),
), "Two new SMETS2 device models added:\n000731 - ...")


def codes(result: object) -> list[tuple[str, str | None, int | None]]:
    return sorted((f.code, f.cell, f.entry) for f in result.findings)  # type: ignore[attr-defined]


def test_new_entries_follow_the_highest_number_ever_given() -> None:
    result = merge(CURRENT, ChangeSet((new(entry(firmware="09:00:00:01")),
                                       new(entry(firmware="09:00:00:02"), 2))), issue_date=DAY)
    assert result.version is not None
    assert result.added == ("000733", "000734")
    assert str(result.version.number) == "2.052"
    assert result.version.label == "Version 2.052 Issued on 23-11-2026"
    added = result.version.entries[-2:]
    assert [e.status for e in added] == ["Current", "Current"]
    assert result.version.entries[:4] == CURRENT.entries  # nothing else touched
    assert result.version.changes == (
        "Two new SMETS2 device models added:\r\n"
        "000733 - Example Meters Ltd Gas Smart Meter 09:00:00:01 (updated firmware)\r\n"
        "000734 - Example Meters Ltd Gas Smart Meter 09:00:00:02 (updated firmware)")


def test_the_first_version_of_an_empty_list_is_1_0() -> None:
    result = merge(None, ChangeSet((new(entry()),)), issue_date=DAY)
    assert result.version is not None
    assert str(result.version.number) == "1.0" and result.added == ("000001",)


def test_m01_same_key_twice_in_the_change_set() -> None:
    result = merge(CURRENT, ChangeSet((new(entry()), new(entry(), 1, "other.xlsx"))),
                   issue_date=DAY)
    assert result.version is None
    assert codes(result) == [("CPL-M01", "G14", 1)]
    assert "entry 1 of form.xlsx" in result.findings[0].message


def test_m02_already_current() -> None:
    result = merge(CURRENT, ChangeSet((new(entry(firmware="01:00:00:00")),)), issue_date=DAY)
    assert result.version is None
    assert codes(result) == [("CPL-M02", "G14", 1)]
    assert "000001" in result.findings[0].message


def test_m05_resubmission_of_a_removed_listing_is_a_warning() -> None:
    result = merge(CURRENT, ChangeSet((new(entry(firmware="02:00:00:00")),)), issue_date=DAY)
    assert result.version is not None
    assert codes(result) == [("CPL-M05", "G14", 1)]
    assert "000002" in result.findings[0].message


def test_m03_device_model_under_another_device_type_is_a_warning() -> None:
    hub = entry(device_type="Communications Hub", firmware="09:09:09:09", spec="CHTS V1.5")
    result = merge(CURRENT, ChangeSet((new(hub),)), issue_date=DAY)
    assert result.version is not None
    assert codes(result) == [("CPL-M03", "G11", 1)]
    assert "Gas Smart Meter (entry 000001)" in result.findings[0].message


def removal(number: str, index: int = 1) -> Removal:
    return Removal(number, "incorrect CHTS and GBCS combination", "SSC 2022-08-24",
                   Origin("removals.csv", index, None, CELLS))


def test_removal_marks_the_entry_removed_and_says_why() -> None:
    result = merge(CURRENT, ChangeSet(removals=(removal("000001"),)), issue_date=DAY)
    assert result.version is not None
    assert result.version.by_number()["000001"].status == "Removed"
    assert result.removed == ("000001",)
    assert result.version.changes == (
        "One device model removed:\r\n000001 - Example Meters Ltd Gas Smart Meter 01:00:00:00\r\n"
        "This device model was removed: incorrect CHTS and GBCS combination. "
        "Decision: SSC 2022-08-24.")
    changes = diff(CURRENT, result.version)
    assert [e.number for e in changes.removed] == ["000001"] and not changes.added


@pytest.mark.parametrize("number", ["000999", "000002"])
def test_m04_removal_of_an_unknown_or_removed_entry(number: str) -> None:
    result = merge(CURRENT, ChangeSet(removals=(removal(number),)), issue_date=DAY)
    assert result.version is None
    assert codes(result) == [("CPL-M04", "A2", 1)]


def test_the_same_removal_twice_is_refused() -> None:
    result = merge(CURRENT, ChangeSet(removals=(removal("000001"), removal("000001", 2))),
                   issue_date=DAY)
    assert codes(result) == [("CPL-M04", "A2", 2)]


def update(certificate: str, new_id: str | None, new_date: dt.date | None) -> CertificateUpdate:
    return CertificateUpdate(certificate, new_id, new_date, "NCSC granted a lifetime certificate",
                             Origin("updates.csv", 1, None, CELLS))


def test_certificate_update_applies_in_place_to_every_current_entry() -> None:
    result = merge(CURRENT, ChangeSet(updates=(
        update("[E] NCSC-OLD", "[R] NCSC-NEW", dt.date(2027, 8, 30)),)), issue_date=DAY)
    assert result.version is not None
    by_number = result.version.by_number()
    for number in ("000005", "000732"):
        assert by_number[number].text(m.CPA_ID) == "[R] NCSC-NEW"
        assert by_number[number].cpa_expiry_date == dt.date(2027, 8, 30)
    assert len(result.version.entries) == len(CURRENT.entries)
    assert result.updated == ("000005", "000732")
    assert result.version.changes == (
        "NCSC granted a lifetime certificate. The new CPA Certificate, [R] NCSC-NEW, replaces "
        "[E] NCSC-OLD. A Risk Review for the new CPA Certificate will need to be completed by "
        "30 August 2027. Two current entries have been updated to reflect this change: 000732 "
        "and 000005.")
    amended = diff(CURRENT, result.version).amended
    assert {(a.number, a.field) for a in amended} == {
        (n, f) for n in ("000005", "000732") for f in (m.CPA_ID, m.CPA_EXPIRY)}


def test_certificate_update_of_an_unknown_certificate() -> None:
    result = merge(CURRENT, ChangeSet(updates=(update("[E] NCSC-NONE", "[R] X", None),)),
                   issue_date=DAY)
    assert codes(result) == [("CPL-M04", "A2", 1)]


def test_an_expiring_certificate_date_must_be_inside_the_window() -> None:
    result = merge(CURRENT, ChangeSet(updates=(
        update("[E] NCSC-OLD", None, dt.date(2033, 1, 1)),)), issue_date=DAY)
    assert codes(result) == [("CPL-R08", "C2", 1)]


def test_smets1_and_smets2_entries_are_listed_apart_in_number_order() -> None:
    smets1 = entry(firmware="07:00:00:00", spec="SMETS V1.2")
    result = merge(CURRENT, ChangeSet((new(entry(firmware="08:00:00:00")), new(smets1, 2))),
                   issue_date=DAY)
    assert result.version is not None
    assert result.version.changes.split("\r\n\r\n") == [
        "One new SMETS2 device model added:\r\n000733 - Example Meters Ltd Gas Smart Meter "
        "08:00:00:00 (updated firmware)",
        "One new SMETS1 device model added:\r\n000734 - Example Meters Ltd Gas Smart Meter "
        "07:00:00:00 (updated firmware)"]


def test_an_empty_change_set_makes_no_version() -> None:
    with pytest.raises(ValueError, match="empty"):
        merge(CURRENT, ChangeSet(), issue_date=DAY)


def test_a_reinstatement_or_correction_never_lists_a_key_twice() -> None:
    """M02 for the changes that bring an entry back or change its key: the list would hold two
    Current entries with one key, which the DCC refuses."""
    twin = m.CplVersion(CURRENT.number, CURRENT.issue_date, (
        *CURRENT.entries, entry("000006", "Current", firmware="02:00:00:00")), CURRENT.changes)
    origin = Origin("changes.csv", 1, None, CELLS)
    back = merge(twin, ChangeSet(reinstatements=(
        Reinstatement("000002", "original entry valid", "SSC", origin),)), issue_date=DAY)
    assert back.version is None and codes(back) == [("CPL-M02", "A2", 1)]
    assert "entry 000006 is Current with the same key" in back.findings[0].message
    fixed = merge(twin, ChangeSet(corrections=(
        Correction("000001", m.FIRMWARE_VERSION, "02:00:00:00", "typo", origin),)),
        issue_date=DAY)
    assert fixed.version is None and [f.code for f in fixed.findings] == ["CPL-M02"]
    assert "same key as Current entry 000006" in fixed.findings[0].message
    # removing the twin in the same change set lets the old entry come back
    both = merge(twin, ChangeSet(
        removals=(Removal("000006", "duplicate of entry 2", "SSC", origin),),
        reinstatements=(Reinstatement("000002", "original entry valid", "SSC", origin),)),
        issue_date=DAY)
    assert both.version is not None and both.reinstated == ("000002",)
    statuses = {e.number: e.status for e in both.version.entries}
    assert (statuses["000002"], statuses["000006"]) == ("Current", "Removed")
    assert both.version.changes.startswith("One device model removed:\r\n000006 - ")


def test_an_entry_removed_and_changed_in_one_change_set_is_refused() -> None:
    origin = Origin("changes.csv", 1, None, CELLS)
    result = merge(CURRENT, ChangeSet(
        removals=(Removal("000001", "wrong", "SSC", origin),),
        corrections=(Correction("000001", m.MODEL_ID, "20:09", "typo", origin),),
        reinstatements=(Reinstatement("000001", "valid", "SSC", origin),)), issue_date=DAY)
    assert result.version is None
    assert [f.message for f in result.findings] == [
        "entry 000001 is removed by this same change set"] * 2


def test_a_rename_that_would_make_twins_is_refused() -> None:
    origin = Origin("renames.csv", 1, None, CELLS)
    result = merge(CURRENT, ChangeSet(renames=(
        Rename(m.FIRMWARE_VERSION, "04:00:00:00", "01:00:00:00", "typo", origin),)),
        issue_date=DAY)
    assert result.version is None and [f.code for f in result.findings] == ["CPL-M02"]


def test_history_lines_read_as_secas_writes_them() -> None:
    """Company from the names register, SECAS's short device type, the product name, the
    firmware, and the tags: a new firmware of a listed Device Model is '(updated firmware)',
    a replacement for an entry removed in the same version is '(corrected details)'."""
    wording = Wording({"12:3E": "Flonidan"}, {"Gas Smart Meter": "GSME"})
    fresh = m.Entry.of({**entry(firmware="0A:00:00:01", model="77:77").values,
                        PRODUCT_NAME: "G4SZV-1"})
    result = merge(CURRENT, ChangeSet((new(entry(firmware="0A:00:00:00")), new(fresh, 2)),
                                      removals=(removal("000005"),)),
                   issue_date=DAY, wording=wording)
    assert result.version is not None
    assert result.version.changes.split("\r\n\r\n")[0] == (
        "Two new SMETS2 device models added:\r\n"
        "000733 - Flonidan GSME 0A:00:00:00 (corrected details)\r\n"
        "000734 - Flonidan GSME G4SZV-1 0A:00:00:01")
    # the merge made the form's product name the entry's own
    added = result.version.by_number()["000734"]
    assert added.product_name == "G4SZV-1" and PRODUCT_NAME not in added.values
    unnamed = Wording({}, {"Gas Smart Meter": "GSME"})
    bare = m.Entry.of({k: v for k, v in added.values.items() if k != m.IMAGE_CREATOR},
                      product_name="G4SZV-1")
    assert unnamed.describe(bare.changed({m.ENTRY_NUMBER: "000735"})) == (
        "000735 - manufacturer 12:3E GSME G4SZV-1 0A:00:00:01")
    assert unnamed.describe(added.changed({m.ENTRY_NUMBER: "000736"})) == (
        "000736 - Example Meters Ltd GSME G4SZV-1 0A:00:00:01")
    # a product name that starts with the short type names it once, as SECAS writes it
    assert wording.describe(replace(added.changed({m.ENTRY_NUMBER: "000737"}),
                                    product_name="GSME FVI 2")) == (
        "000737 - Flonidan GSME FVI 2 0A:00:00:01")


def test_one_entry_certificate_date_reads_as_updated_entry() -> None:
    """As 2.047: 'Updated Entry 000001: ...' when the update names one entry."""
    one = CertificateUpdate("[E] NCSC-OLD", None, dt.date(2027, 1, 31), "expiry date corrected",
                            Origin("updates.csv", 1, None, CELLS), number="000005")
    result = merge(CURRENT, ChangeSet(updates=(one,)), issue_date=DAY)
    assert result.version is not None
    assert result.version.changes == (
        "Updated Entry 000005: Expiry date corrected. CPA Certificate [E] NCSC-OLD expires on "
        "31 January 2027.")


def test_two_corrections_of_one_field_of_one_entry_are_refused() -> None:
    """Applied in turn, the second silently undid the first, and the history line told of
    both: which one holds cannot be told, so neither is applied (CPL-M07)."""
    first = Origin("corrections.csv", 1, None, {"Entry.number": "A2", "new_value": "C2"})
    second = Origin("corrections.csv", 2, None, {"Entry.number": "A3", "new_value": "C3"})
    result = merge(CURRENT, ChangeSet(corrections=(
        Correction("000001", m.MODEL_ID, "20:09", "typo", first),
        Correction("000001", m.MODEL_ID, "20:0A", "typo", second))), issue_date=DAY)
    assert result.version is None
    assert codes(result) == [("CPL-M07", "C3", 2)]
    assert result.findings[0].message.startswith(
        "Device_Model.model_identifier of entry 000001 is already changed by row 2 of "
        "corrections.csv")
    # two fields of one entry, or one field of two entries, are two changes that agree
    both = merge(CURRENT, ChangeSet(corrections=(
        Correction("000001", m.MODEL_ID, "20:09", "typo", first),
        Correction("000001", m.HARDWARE_REVISION, "01", "typo", second),
        Correction("000732", m.MODEL_ID, "20:09", "typo", second))), issue_date=DAY)
    assert both.version is not None, both.findings


def test_a_certificate_date_changed_twice_for_one_entry_is_refused() -> None:
    """Every entry with [E] NCSC-OLD gets a date, and then one of them another: the last won."""
    every = CertificateUpdate("[E] NCSC-OLD", None, dt.date(2027, 8, 30), "renewed",
                              Origin("updates.csv", 1, None, {"new_expiry_date": "C2"}))
    one = CertificateUpdate("[E] NCSC-OLD", None, dt.date(2027, 9, 30), "corrected",
                            Origin("updates.csv", 2, None, {"new_expiry_date": "C3"}), "000005")
    result = merge(CURRENT, ChangeSet(updates=(every, one)), issue_date=DAY)
    assert result.version is None and codes(result) == [("CPL-M07", "C3", 2)]
    assert "CPA_Certificate.expiry_date of entry 000005 is already changed by row 2 of " \
           "updates.csv" in result.findings[0].message


def test_a_rename_of_a_value_a_correction_just_set_is_refused() -> None:
    correction = Correction("000001", m.FIRMWARE_VERSION, "09:00:00:00", "typo",
                            Origin("corrections.csv", 1, None, {"new_value": "C2"}))
    rename = Rename(m.FIRMWARE_VERSION, "09:00:00:00", "09:00:00:01", "typo",
                    Origin("renames.csv", 1, None, {"new_value": "C2"}))
    result = merge(CURRENT, ChangeSet(corrections=(correction,), renames=(rename,)),
                   issue_date=DAY)
    assert result.version is None
    assert [(f.code, f.file) for f in result.findings] == [("CPL-M07", "renames.csv")]


def test_renames_and_corrections_work_on_the_text_as_issued() -> None:
    """Two entries read 'Zigbee ...' as SECAS issued them (their canonical value is 'ZigBee
    ...'), one reads 'ZigBee ...': a rename of the issued 'Zigbee' text reaches exactly the
    two, the diff says two amended, and renaming a text to itself is refused."""
    zse = "ZSE Version.version"
    issued = m.Entry.of({**entry("000010", "Current", firmware="0A:00:00:01").values,
                         zse: "ZigBee Smart Energy Standard 1.4"},
                        {zse: "Zigbee Smart Energy Standard 1.4"})
    listed = m.CplVersion(CURRENT.number, CURRENT.issue_date, (
        *CURRENT.entries, issued,
        m.Entry.of({**issued.values, m.ENTRY_NUMBER: "000011",
                    m.FIRMWARE_VERSION: "0A:00:00:03"}, issued.issued),
        m.Entry.of({**issued.values, m.ENTRY_NUMBER: "000012",
                    m.FIRMWARE_VERSION: "0A:00:00:02"})), CURRENT.changes)
    origin = Origin("renames.csv", 1, None, CELLS)
    rename = Rename(zse, "Zigbee Smart Energy Standard 1.4", "ZigBee Smart Energy Standard 1.4",
                    "as the DCC spells it", origin)
    result = merge(listed, ChangeSet(renames=(rename,)), issue_date=DAY)
    assert result.version is not None, result.findings
    assert sorted(result.updated) == ["000010", "000011"]
    assert "000012" not in result.version.changes
    amended = diff(listed, result.version).amended
    assert [(a.number, a.old, a.new) for a in amended] == [
        ("000010", "Zigbee Smart Energy Standard 1.4", "ZigBee Smart Energy Standard 1.4"),
        ("000011", "Zigbee Smart Energy Standard 1.4", "ZigBee Smart Energy Standard 1.4")]
    itself = Rename(zse, "ZigBee Smart Energy Standard 1.4", "ZigBee Smart Energy Standard 1.4",
                    "no change", origin)
    refused = merge(listed, ChangeSet(renames=(itself,)), issue_date=DAY)
    assert refused.version is None
    assert [f.code for f in refused.findings] == ["CPL-M04"]
    assert "changes nothing" in refused.findings[0].message
    # a correction to the text already issued changes nothing either; to the canonical form
    # of an issued text, it changes what the files carry
    same = Correction("000010", zse, "Zigbee Smart Energy Standard 1.4", "typo",
                      Origin("corrections.csv", 1, None, {"new_value": "C2"}))
    assert merge(listed, ChangeSet(corrections=(same,)), issue_date=DAY).version is None
    tidy = Correction("000010", zse, "ZigBee Smart Energy Standard 1.4", "as the DCC spells it",
                      Origin("corrections.csv", 1, None, {"new_value": "C2"}))
    tidied = merge(listed, ChangeSet(corrections=(tidy,)), issue_date=DAY)
    assert tidied.version is not None
    assert [a.number for a in diff(listed, tidied.version).amended] == ["000010"]


def test_an_entry_keeps_its_product_name_and_later_history_lines_name_it() -> None:
    """A form's product name stays with its entry: a later removal, reinstatement and
    correction keep it, and their item lines name it; a correction may set it (CPL-M04 when
    it is the name the entry has), and no published value, and so no diff, changes with it."""
    wording = Wording({"12:3E": "Flonidan"}, {"Gas Smart Meter": "GSME"})
    named = m.Entry.of({**entry(firmware="0A:00:00:01", model="77:77").values,
                        PRODUCT_NAME: "G4SZV-1"})
    first = merge(CURRENT, ChangeSet((new(named),)), issue_date=DAY, wording=wording).version
    assert first is not None and first.by_number()["000733"].product_name == "G4SZV-1"
    origin = Origin("changes.csv", 1, None, CELLS)
    gone = merge(first, ChangeSet(removals=(Removal("000733", "CPA withdrawn", "SSC", origin),)),
                 issue_date=DAY, wording=wording).version
    assert gone is not None and gone.by_number()["000733"].product_name == "G4SZV-1"
    assert "000733 - Flonidan GSME G4SZV-1 0A:00:00:01\r\n" in gone.changes
    back = merge(gone, ChangeSet(reinstatements=(
        Reinstatement("000733", "certificate renewed", "SSC", origin),)),
        issue_date=DAY, wording=wording).version
    assert back is not None and back.by_number()["000733"].product_name == "G4SZV-1"
    assert "000733 - Flonidan GSME G4SZV-1 0A:00:00:01 (certificate renewed" in back.changes
    fixed = merge(back, ChangeSet(corrections=(
        Correction("000733", m.CPA_ID, "[R] NCSC-2", "typo", origin),)),
        issue_date=DAY, wording=wording).version
    assert fixed is not None and fixed.by_number()["000733"].product_name == "G4SZV-1"
    assert "000733 - Flonidan GSME G4SZV-1 0A:00:00:01 (corrected details)" in fixed.changes
    renamed = merge(fixed, ChangeSet(corrections=(
        Correction("000733", PRODUCT_NAME, "G4SZV-2", "the maker's name for it", origin),)),
        issue_date=DAY, wording=wording).version
    assert renamed is not None and renamed.by_number()["000733"].product_name == "G4SZV-2"
    assert renamed.changes == (
        "One device model amended:\r\n000733 - Flonidan GSME G4SZV-2 0A:00:00:01 (corrected "
        "details): Product.name altered to G4SZV-2 (the maker's name for it)")
    assert not diff(fixed, renamed)  # nothing the published list carries changed
    again = merge(renamed, ChangeSet(corrections=(
        Correction("000733", PRODUCT_NAME, "G4SZV-2", "again", origin),)), issue_date=DAY)
    assert again.version is None and [f.code for f in again.findings] == ["CPL-M04"]
    long = merge(renamed, ChangeSet(corrections=(
        Correction("000733", PRODUCT_NAME, "G" * 101, "long", origin),)), issue_date=DAY)
    assert long.version is None and [f.code for f in long.findings] == ["CPL-V03"]
