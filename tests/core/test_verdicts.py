"""The rules judge each combination of their inputs once: what they see of an entry, and how
their verdict lands on every entry that has the combination."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from pathlib import Path

from cplkit.core import model as m
from cplkit.core.findings import Finding
from cplkit.core.ruleset import Ruleset
from cplkit.core.validate import Subject, Validator
from tests.conftest import AS_OF
from tests.core.entries import valid_gas

BULK = m.Placement("Bulk", m.Orientation.ROW,
                   {name: index for index, name in enumerate(valid_gas(), start=1)},
                   submission=True)


def bulk_rows(*changes: Mapping[str, m.RawValue], placement: m.Placement = BULK
              ) -> list[m.RawEntry]:
    """Rows 2, 3... of a bulk sheet: the valid Gas meter with each row's ``changes``."""
    return [m.RawEntry(index, placement, index + 1,
                       {name: {**valid_gas(), **change}.get(name) for name in placement.positions})
            for index, change in enumerate(changes, start=1)]


def firmware(n: int) -> dict[str, m.RawValue]:
    return {m.FIRMWARE_VERSION: f"01:02:03:{n:02X}"}


class Probe:
    """A rule that records what it is shown and reports the firmware field of every entry."""

    def __init__(self) -> None:
        self.seen: list[dict[str, object]] = []

    def __call__(self, s: Subject) -> Iterator[Finding]:
        self.seen.append({"values": dict(s.values), "firmware": s.text(m.FIRMWARE_VERSION),
                          "device type": s.device_type})
        yield s.finding("CPL-V03", m.FIRMWARE_VERSION, "probed")


def test_a_rule_sees_its_inputs_values_and_only_the_presence_of_other_fields(
        ruleset: Ruleset) -> None:
    probe = Probe()
    Validator(ruleset, AS_OF, "bulk.xlsx", rules=(probe,)).check_all(bulk_rows(firmware(1)))
    [seen] = probe.seen
    values = seen["values"]
    assert isinstance(values, dict)
    assert values[m.DEVICE_TYPE] == "Gas Smart Meter"
    assert values[m.CPA_EXPIRY] == dt.date(2030, 8, 30)
    assert seen["device type"] is ruleset.device_types["Gas Smart Meter"]
    # given, but not readable: no verdict can depend on a value that differs on every row
    assert m.FIRMWARE_VERSION in values and m.IMAGE_HASH in values
    assert values[m.FIRMWARE_VERSION] != "01:02:03:01"
    assert seen["firmware"] is None


def test_one_combination_is_judged_once_and_reported_on_each_entry(ruleset: Ruleset) -> None:
    probe = Probe()
    checked = Validator(ruleset, AS_OF, "bulk.xlsx", rules=(probe,)).check_all(
        bulk_rows(*(firmware(n) for n in range(1, 6))))
    assert len(probe.seen) == 1
    cell = BULK.positions[m.FIRMWARE_VERSION]
    assert [[(f.entry, f.cell, f.at.value) for f in c.findings] for c in checked] == [
        [(n, f"{chr(64 + cell)}{n + 1}", f"01:02:03:{n:02X}")] for n in range(1, 6)]
    # each entry keeps its own values: only the verdict is shared
    assert [c.entry.firmware_version for c in checked] == [f"01:02:03:{n:02X}"
                                                           for n in range(1, 6)]


def test_entries_that_differ_in_an_input_are_judged_apart(ruleset: Ruleset) -> None:
    probe = Probe()
    Validator(ruleset, AS_OF, "bulk.xlsx", rules=(probe,)).check_all(bulk_rows(
        {m.CPA_EXPIRY: "30/08/2030"}, {m.CPA_EXPIRY: "30/08/2031"}, {m.CPA_EXPIRY: "30/08/2030"},
        {m.IMAGE_DESCRIPTOR: None}, {m.FIRMWARE_VERSION: "x"}))
    # a different date, a field left empty and a value that is unusable each make their own
    # combination; the third row repeats the first
    assert len(probe.seen) == 4


def test_an_entry_that_needs_a_missing_column_is_counted_every_time(ruleset: Ruleset) -> None:
    """The verdict's missing columns are noted for each entry, judged or not."""
    without_fir = m.Placement("Bulk", m.Orientation.ROW, {
        name: column for name, column in BULK.positions.items()
        if not name.startswith("Manufacturer Contact FIR.")}, submission=True)
    validator = Validator(ruleset, AS_OF, "bulk.xlsx")
    validator.check_all(bulk_rows(*(firmware(n) for n in range(1, 8)), placement=without_fir))
    fir_fields = [name for name in BULK.positions if name not in without_fir.positions]
    findings = validator.file_findings()
    assert [f.at.field for f in findings] == fir_fields
    assert {f.message.split(": ", 1)[1] for f in findings} == {
        "row 2, row 3, row 4, row 5, row 6 and 2 more"}
    assert all("which 7 entries need" in f.message for f in findings)


def test_no_rule_reaches_past_what_the_subject_shows() -> None:
    """Rules read the placement, not the raw entry, and note missing columns on the subject:
    what they could read beyond their inputs would make a shared verdict wrong."""
    rules = Path(__file__).resolve().parents[2] / "cplkit" / "core" / "rules"
    for module in rules.glob("*.py"):
        text = module.read_text()
        assert "s.raw" not in text and "s.validator" not in text, module.name
