"""A reader that runs out of memory: the finding names the limit it ran under (cplkit's own
budget, or a lower hard limit the process inherited) and says what to do about a genuine file,
never that it should remove what does not belong."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from cplkit.app.check import check_file
from cplkit.core.findings import Finding
from cplkit.core.ruleset import Ruleset
from cplkit.intake import xlsx
from cplkit.intake.limits import Limits
from tests.conftest import AS_OF, ROOT, SAMPLES
from tests.intake.workbooks import table_sheet, write_workbook

HEADER = ["Device_Type.name", "Device_Model.manufacturer_identifier",
          "Device_Model.model_identifier"]
GIB = 1024 * 1024 * 1024


def only(path: Path, ruleset: Ruleset, limits: Limits) -> Finding:
    report = check_file(path, ruleset, AS_OF, limits=limits)
    assert report.unreadable and len(report.findings) == 1, report.findings
    return report.findings[0]


def test_a_memory_error_names_cplkits_own_limit(tmp_path: Path, ruleset: Ruleset,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    def hungry(self: xlsx.Workbook, name: str) -> object:
        return bytearray(2 * GIB)  # more than the child may have

    monkeypatch.setattr(xlsx.Workbook, "sheet", hungry)
    path = write_workbook(tmp_path / "bulk.xlsx", table_sheet([HEADER]))
    finding = only(path, ruleset, Limits(max_memory_bytes=GIB))
    assert finding.code == "CPL-F02"
    assert "needed more memory than cplkit's own limit of 1,024 MiB" in finding.message
    assert finding.hint is not None and "split" in finding.hint
    assert "does not belong" not in finding.hint


def test_a_native_allocation_failure_is_told_from_a_crash(tmp_path: Path, ruleset: Ruleset,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """The spreadsheet library (Rust) writes "memory allocation of N bytes failed" and aborts
    when its allocation is refused: the parent reads the child's last words and says memory,
    not 'a crash'."""
    def exhausted(self: xlsx.Workbook, name: str) -> object:
        os.write(2, b"memory allocation of 512 bytes failed\n")
        os.abort()

    monkeypatch.setattr(xlsx.Workbook, "_load", exhausted)
    finding = only(SAMPLES / "valid" / "form-gas-smart-meter.xlsx", ruleset, Limits())
    assert finding.code == "CPL-F02"
    assert "needed more memory than cplkit's own limit of 3,072 MiB" in finding.message
    assert finding.hint is not None and "does not belong" not in finding.hint


def test_a_crash_still_says_crash_and_names_the_limit(ruleset: Ruleset,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    def aborting(self: xlsx.Workbook, name: str) -> object:
        os.abort()

    monkeypatch.setattr(xlsx.Workbook, "_load", aborting)
    finding = only(SAMPLES / "valid" / "form-gas-smart-meter.xlsx", ruleset, Limits())
    assert "SIGABRT" in finding.message and "or a crash" in finding.message
    assert "3,072 MiB" in finding.message


_UNDER_A_HARD_LIMIT = """
import datetime as dt, json, sys
from pathlib import Path
from cplkit.app.check import check_file
from cplkit.intake import xlsx
from cplkit.intake.rulesets import load_ruleset

def hungry(self, name):
    return bytearray(2 * 1024 ** 3)

xlsx.Workbook.sheet = hungry
report = check_file(Path(sys.argv[1]), load_ruleset(), dt.date(2026, 11, 23))
print(json.dumps([f.as_dict() for f in report.findings]))
"""


def test_under_an_inherited_hard_limit_the_finding_says_to_raise_it(tmp_path: Path) -> None:
    """Under ``ulimit -v`` lower than cplkit's 3 GiB, the child runs within what is left and a
    file that needs more is reported as needing more than that inherited limit: raise it."""
    limit = 1536 * 1024 * 1024

    def limited() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    path = write_workbook(tmp_path / "bulk.xlsx", table_sheet([HEADER]))
    done = subprocess.run([sys.executable, "-c", _UNDER_A_HARD_LIMIT, str(path)], cwd=ROOT,
                          capture_output=True, text=True, check=False, timeout=120,
                          preexec_fn=limited)
    assert done.returncode == 0, done.stderr
    (finding,) = json.loads(done.stdout)
    assert finding["code"] == "CPL-F02"
    assert ("needed more memory than the address-space limit of 1,536 MiB this process "
            "inherited") in finding["message"]
    assert "ulimit -v" in finding["hint"] and "3,072 MiB" in finding["hint"]
    assert "does not belong" not in finding["hint"]
