"""The rules judge each combination of their inputs once: what they see of an entry, and how
their verdict lands on every entry that has the combination."""

from __future__ import annotations

import dataclasses
import datetime as dt
import typing
from collections.abc import Iterator, Mapping

import pytest

from cplkit.core import model as m
from cplkit.core.findings import Code, Finding
from cplkit.core.rules import RULES
from cplkit.core.rules.view import EntryView
from cplkit.core.ruleset import Ruleset
from cplkit.core.validate import Validator
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

    def __call__(self, s: EntryView) -> Iterator[Finding]:
        self.seen.append({"values": dict(s.values), "firmware": s.text(m.FIRMWARE_VERSION),
                          "device type": s.device_type,
                          "filled": {f for f in (m.FIRMWARE_VERSION, m.IMAGE_HASH) if s.given(f)}})
        yield s.finding(Code.V03, m.FIRMWARE_VERSION, "probed")


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
    assert seen["filled"] == {m.FIRMWARE_VERSION, m.IMAGE_HASH}
    assert m.FIRMWARE_VERSION not in values and m.IMAGE_HASH not in values
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


def test_every_rule_takes_the_view_alone() -> None:
    """The type checker holds rules to their inputs only because each rule is declared to take
    an ``EntryView``, which has no raw entry, validator or other field's value to read."""
    for rule in RULES:
        hints = typing.get_type_hints(rule)
        parameters = [name for name in hints if name != "return"]
        assert [hints[name] for name in parameters] == [EntryView], rule.__name__
    shown = {f.name for f in dataclasses.fields(EntryView)}
    assert not shown & {"raw", "validator", "entry", "memo"}


def test_a_rule_can_neither_change_the_view_nor_reach_past_it(ruleset: Ruleset) -> None:
    """What one rule sees cannot be changed for the next, and the raw entry is not there to
    read: a shared verdict stays right."""
    seen: list[EntryView] = []

    def keep(s: EntryView) -> Iterator[Finding]:
        seen.append(s)
        return iter(())

    Validator(ruleset, AS_OF, "bulk.xlsx", rules=(keep,)).check_all(bulk_rows({}))
    [view] = seen
    with pytest.raises(dataclasses.FrozenInstanceError):
        view.as_of = dt.date(2000, 1, 1)  # type: ignore[misc]
    assert not hasattr(view, "raw") and not hasattr(view, "validator")
