"""Reading an untrusted file under its limits: in a child process with the limits' memory and
time (``cplkit.base.isolation``), unless the limits say to read in this process.

The one place the use cases decide how a file someone else wrote is read; what to make of a
reader that died is each use case's own (a finding for check, an error for import).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from cplkit.base.isolation import ChildFailed, run_isolated
from cplkit.core.findings import FileReport, Location, make_finding
from cplkit.intake.limits import Limits

T = TypeVar("T")

__all__ = ["ChildFailed", "read_under_limits", "stopped"]


def read_under_limits(limits: Limits, read: Callable[[], T]) -> T:
    """``read()``'s result; ``ChildFailed`` if the reader died or ran out of time."""
    if not limits.isolate:
        return read()
    return run_isolated(read, memory_bytes=limits.max_memory_bytes, seconds=limits.max_seconds)


def stopped(file: str, failed: ChildFailed) -> FileReport:
    """The report of a file whose reader died or ran out of time: unreadable (CPL-F02)."""
    finding = make_finding(
        "CPL-F02", f"reading it was stopped: {failed.reason}", Location(file),
        hint="a CPL file is small: remove what does not belong to it, or split a bulk sheet, "
             "and save it again from Excel")
    return FileReport(path=file, layout=None, entries=0, findings=(finding,))
