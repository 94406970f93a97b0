"""Reading an untrusted file under its limits: in a child process with the limits' memory and
time (``cplkit.base.isolation``), unless the limits say to read in this process.

The one place the use cases decide how a file someone else wrote is read; what to make of a
reader that died is each use case's own (a finding for check, an error for import).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from cplkit.base.isolation import ChildFailed, run_isolated
from cplkit.core.findings import Code, FileReport, Location, make_finding
from cplkit.intake.limits import Limits, MiB

T = TypeVar("T")

__all__ = ["ChildFailed", "read_under_limits", "stopped", "stopped_hint"]


def read_under_limits(limits: Limits, read: Callable[[], T]) -> T:
    """``read()``'s result; ``ChildFailed`` if the reader died or ran out of time."""
    if not limits.isolate:
        return read()
    return run_isolated(read, memory_bytes=limits.max_memory_bytes, seconds=limits.max_seconds)


def stopped(file: str, failed: ChildFailed) -> FileReport:
    """The report of a file whose reader died or ran out of time: unreadable (CPL-F02), saying
    what to do about it. A reader that ran out of memory names the limit it ran under; under a
    limit inherited from the environment, a genuine file may need that limit raised."""
    return FileReport(path=file, layout=None, entries=0, findings=(make_finding(
        Code.F02, f"reading it was stopped: {failed.reason}", Location(file),
        hint=stopped_hint(failed)),))


def stopped_hint(failed: ChildFailed) -> str:
    """What to do about a reader that died or ran out of time."""
    limit = failed.limit
    if limit is not None and limit.inherited and not failed.timed_out:
        # a death under a limit lower than cplkit's budget is most likely that limit's doing
        return (f"the file may be genuine: run cplkit with an address-space limit of at least "
                f"{limit.asked // MiB:,} MiB (ulimit -v {limit.asked // 1024}, or systemd's "
                "LimitAS=), or split a bulk sheet into smaller files and check each")
    if failed.out_of_memory:
        return ("split the bulk sheet into smaller files and check each (a 100,000-entry sheet "
                "reads well within the limit)")
    return ("a CPL file is small: remove what does not belong to it, or split a bulk sheet, "
            "and save it again from Excel")
