"""Deliveries to the DCC: ``cplkit delivery record, acknowledge, list``.

SECAS sends each version's signed DCC file to the DCC, and the DCC acknowledges it once loaded.
A delivery names the file and its SHA-256 as the registry issued it (read through the registry's
digest checks, never typed by hand), to whom it went, the reference, when and how; the
acknowledgement adds the DCC's reference and the day it loaded the file. ``deliveries`` answers
"has the DCC loaded 2.052?" for every version, and ``overdue`` lists the versions not delivered
or not acknowledged some days after their issue. This is the library behind the commands; it
neither sends files to the DCC nor prints.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

from cplkit.app.intake_register import utc_text
from cplkit.core import tracking as t
from cplkit.errors import NotFound, UsageError
from cplkit.publications.filenames import IssuedFiles
from cplkit.registry import Registry
from cplkit.registry.tracking_files import read_deliveries, update_deliveries


def _line(text: str, option: str) -> str:
    text = text.strip()
    if not text or len(text) > 500 or any(c in text for c in "\r\n\0"):
        raise UsageError(f"{option} must be one line of 1 to 500 characters")
    return text


def record(registry_path: Path, version: str, to: str, reference: str, via: str | None,
           at: dt.datetime) -> t.Delivery:
    """Record that ``version``'s DCC file was sent to ``to`` under ``reference`` at ``at``."""
    registry = Registry(registry_path)
    stored = registry.read(version)
    number = str(stored.version.number)
    name = IssuedFiles(number).dcc_xml
    if name not in stored.files:
        raise UsageError(f"version {number} was issued without a signed DCC file: there is "
                         "nothing to deliver")
    registry.file(stored, name)  # the file as issued, or the registry's damage reported
    delivery = t.Delivery(number, name, stored.files[name], _line(to, "--to"),
                          _line(reference, "--reference"), utc_text(at),
                          None if via is None else _line(via, "--via"))
    if at.astimezone(dt.UTC).date() < stored.version.issue_date:
        raise UsageError(f"--at {at:%Y-%m-%d} is before version {number} was issued "
                         f"({stored.version.issue_date})")

    def change(known: tuple[t.Delivery, ...]) -> tuple[t.Delivery, ...]:
        for d in known:
            if d.version == number:
                raise UsageError(f"version {number} is recorded as delivered already "
                                 f"({d.sent[:10]}, to {d.to}, reference {d.reference}); "
                                 "nothing was changed")
        return (*known, delivery)

    update_deliveries(registry, change)
    return delivery


def acknowledge(registry_path: Path, version: str, reference: str, loaded_on: dt.date | None,
                at: dt.datetime) -> t.Delivery:
    """Record the DCC's acknowledgement of ``version``'s delivery."""
    registry = Registry(registry_path)
    number = str(registry.read(version).version.number)
    ack = t.Acknowledgement(_line(reference, "--reference"), utc_text(at),
                            loaded_on.isoformat() if loaded_on else None)
    done: list[t.Delivery] = []

    def change(known: tuple[t.Delivery, ...]) -> tuple[t.Delivery, ...]:
        out = []
        for d in known:
            if d.version == number:
                if d.acknowledgement is not None:
                    raise UsageError(f"the delivery of version {number} is acknowledged "
                                     f"already (reference {d.acknowledgement.reference}); "
                                     "nothing was changed")
                if loaded_on is not None and loaded_on.isoformat() < d.sent[:10]:
                    raise UsageError(f"--loaded-on {loaded_on} is before the file was sent "
                                     f"({d.sent[:10]})")
                d = replace(d, acknowledgement=ack)  # noqa: PLW2901 (the record, acknowledged)
                done.append(d)
            out.append(d)
        if not done:
            raise NotFound(f"version {number} has no delivery recorded to acknowledge",
                           hint=f"record it first: cplkit delivery record {number} --to DCC "
                                "--reference REF")
        return tuple(out)

    update_deliveries(registry, change)
    return done[0]


def deliveries(registry_path: Path) -> list[t.VersionDelivery]:
    """Every issued version, oldest first, with its DCC file as issued and its delivery."""
    registry = Registry(registry_path)
    head = registry.head()
    recorded = {d.version: d for d in read_deliveries(registry)}
    out = []
    for entry in head.versions:
        stored = registry.read(entry.version, head=head)
        name = IssuedFiles(entry.version).dcc_xml
        digest = stored.files.get(name)
        out.append(t.VersionDelivery(entry.version, stored.version.issue_date,
                                     name if digest else None, digest,
                                     recorded.get(entry.version)))
    return out


def overdue_versions(registry_path: Path, as_of: dt.date, days: int) -> list[t.VersionDelivery]:
    """The versions issued more than ``days`` days before ``as_of`` whose DCC file is not
    delivered or not acknowledged: what ``delivery list --overdue-days`` (and an audit) reports."""
    return t.overdue(deliveries(registry_path), as_of, days)
