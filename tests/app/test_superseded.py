"""``cplkit audit --superseded``: Current entries whose Device Model has a later Current entry
with other firmware, on a small list whose answers are known, in the core and through the
command line (with the versions and dates that added each entry, and the removals proposed)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

from cplkit.core import model as m
from cplkit.core.audit import proposed_removals, superseded
from cplkit.forms.new_entry import write_new_entry_form
from cplkit.intake.rulesets import load_ruleset
from tests.conftest import run_cli as run
from tests.core.entries import valid_gas


def entry(number: str, model: str, hardware: str, firmware: str, status: str = "Current",
          spec: str = "SMETS V4.3") -> m.Entry:
    return m.Entry.of({m.ENTRY_NUMBER: number, m.ENTRY_STATUS: status,
                       m.DEVICE_TYPE: "Gas Smart Meter", m.MANUFACTURER_ID: "12:3E",
                       m.MODEL_ID: model, m.HARDWARE_VERSION: hardware,
                       m.HARDWARE_REVISION: "00", m.FIRMWARE_VERSION: firmware,
                       m.SPEC_VERSION: spec})


def test_only_older_firmware_of_the_same_model_is_superseded() -> None:
    version = m.CplVersion(m.VersionNumber(1, 5), dt.date(2026, 1, 1), (
        entry("000001", "20:02", "01", "01:00:00:01"),  # superseded by 000003
        entry("000002", "20:02", "01", "01:00:00:02"),  # the latest firmware, another SMETS
        entry("000003", "20:02", "01", "01:00:00:02", spec="SMETS V4.2"),
        entry("000004", "20:02", "02", "01:00:00:01"),  # other hardware: its own model
        entry("000005", "20:03", "01", "01:00:00:01"),
        entry("000006", "20:03", "01", "01:00:00:09", status="Removed"),  # not on the list
    ), "")
    found = superseded(version, {"000001": ("1.0", dt.date(2025, 1, 2))})
    assert [(g.model, g.hardware, g.latest.number, [o.number for o in g.older])
            for g in found] == [("20:02", "01:00", "000003", ["000001"])]
    assert found[0].older[0].added == dt.date(2025, 1, 2) and found[0].latest.added is None
    rows = proposed_removals([], found)
    assert [number for number, _ in rows] == ["000001"]
    assert "superseded by entry 000003" in rows[0][1]


def _form(folder: Path, firmware: str, model: str = "20:02") -> Path:
    path = folder / f"form-{firmware.replace(':', '')}-{model.replace(':', '')}.xlsx"
    write_new_entry_form(path, load_ruleset(), [valid_gas(**{
        m.FIRMWARE_VERSION: firmware, m.MODEL_ID: model})])
    return path


def test_audit_superseded_lists_both_entries_with_dates_and_proposes(tmp_path: Path) -> None:
    registry = tmp_path / "registry"
    assert run("init", "-r", registry)[0] == 0
    for day, forms in (("2026-11-23", [_form(tmp_path, "01:02:0A:FF"),
                                       _form(tmp_path, "01:02:0A:FF", "20:05")]),
                       ("2026-12-01", [_form(tmp_path, "01:02:0B:00")])):
        code, out = run("publish", "-r", registry, "--as-of", day, *forms)
        assert code == 0, out
    code, out = run("audit", "-r", registry, "--superseded", "--format", "json",
                    "--as-of", "2026-12-02")
    assert code == 0, out
    assert json.loads(out) == [{
        "manufacturer": "12:3E", "company": None, "model": "20:02", "hardware": "01:00",
        "latest": {"entry": "000003", "firmware": "01:02:0B:00", "version": "1.1",
                   "added": "2026-12-01"},
        "superseded": [{"entry": "000001", "firmware": "01:02:0A:FF", "version": "1.0",
                        "added": "2026-11-23"}]}]
    _, text = run("audit", "-r", registry, "--superseded", "--as-of", "2026-12-02")
    assert "superseded 000001 firmware 01:02:0A:FF (added in 1.0 on 23/11/2026)" in text
    proposal = tmp_path / "removals.csv"
    code, _ = run("audit", "-r", registry, "--superseded", "--as-of", "2026-12-02",
                  "--propose-removals", proposal)
    rows = list(csv.reader(io.StringIO(proposal.read_text())))
    assert code == 0 and [r[0] for r in rows[1:]] == ["000001"]
    assert "superseded by entry 000003" in rows[1][1]
    # without --superseded, the proposal holds only what is past its date: nothing here
    other = tmp_path / "dates.csv"
    run("audit", "-r", registry, "--as-of", "2026-12-02", "--propose-removals", other)
    assert len(list(csv.reader(io.StringIO(other.read_text())))) == 1
