"""What SECAS tracks around the list: each submission received and each version delivered to
the DCC, as records, with the rules of how they move.

A submission is who sent which files (their SHA-256) and when, the check made on receipt, and
its events: received, then returned (with the reason), withdrawn, or accepted (in which version,
with the entry numbers each file became). A delivery is which version's DCC file (by its
SHA-256) was sent to the DCC, when, to whom and how, and the DCC's acknowledgement. This module
holds the records, the submission ids (``S-2026-0001``, numbered per year), which statuses a
submission may move between, and which versions are overdue on a given day. It is pure: it
reads no clock and no file (the registry keeps the records: ``cplkit.registry.tracking_files``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum

from cplkit.errors import NotFound, UsageError

#: a submission id: the year it was received and its number in that year
SUBMISSION_ID = re.compile(r"S-([0-9]{4})-([0-9]{4,6})")


class SubmissionStatus(StrEnum):
    """Where a submission stands; only a received one moves on, and only once."""

    RECEIVED = "received"
    RETURNED = "returned"
    WITHDRAWN = "withdrawn"
    ACCEPTED = "accepted"


class FileKind(StrEnum):
    """What a file of a submission is: a form or sheet to check, or evidence (a certificate,
    release notes), kept but never checked."""

    SUBMISSION = "submission"
    EVIDENCE = "evidence"


@dataclass(frozen=True, slots=True)
class SubmittedFile:
    """One file as received: its name as the submitter gave it, SHA-256 and size."""

    name: str
    sha256: str
    size: int
    kind: FileKind


@dataclass(frozen=True, slots=True)
class AcceptedFile:
    """The entry numbers a version allocated to the entries of one submitted file."""

    sha256: str
    entries: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Event:
    """A step in a submission's life: when, and for a return its reason, for an acceptance
    the version (and its issue date) and the entries each file became."""

    status: SubmissionStatus
    at: str
    reason: str | None = None
    version: str | None = None
    issue_date: str | None = None
    accepted: tuple[AcceptedFile, ...] = ()


@dataclass(frozen=True, slots=True)
class CheckSummary:
    """The check made on receipt: with which rules (those of version ``rules_of``, or the
    bundled rules when the registry kept none), as of which day, and what it found. The whole
    report is kept beside the submission; ``report_sha256`` names it."""

    rules_of: str | None
    ruleset: str
    ruleset_sha256: str
    as_of: str
    entries: int
    errors: int
    warnings: int
    unreadable: int
    report_sha256: str


@dataclass(frozen=True, slots=True)
class Submission:
    """One submission as the register holds it."""

    id: str
    received: str
    sender_name: str
    sender_address: str
    note: str | None
    files: tuple[SubmittedFile, ...]
    check: CheckSummary
    events: tuple[Event, ...]

    @property
    def status(self) -> SubmissionStatus:
        return self.events[-1].status

    @property
    def outcome(self) -> Event:
        """The last event: the return, withdrawal or acceptance (or the receipt)."""
        return self.events[-1]

    @property
    def sender(self) -> str:
        return f"{self.sender_name} <{self.sender_address}>" if self.sender_name \
            else self.sender_address

    def submitted(self) -> tuple[SubmittedFile, ...]:
        """The files that were checked (not the evidence)."""
        return tuple(f for f in self.files if f.kind is FileKind.SUBMISSION)

    def accepted_entries(self) -> tuple[str, ...]:
        """Every entry number the submission became, in file order."""
        if self.status is not SubmissionStatus.ACCEPTED:
            return ()
        return tuple(n for f in self.outcome.accepted for n in f.entries)


def next_id(existing: Iterable[str], year: int) -> str:
    """The next submission id of ``year``: one past the highest that year has (never reused,
    so a withdrawn submission keeps its number)."""
    numbers = [int(found.group(2)) for ident in existing
               if (found := SUBMISSION_ID.fullmatch(ident)) and int(found.group(1)) == year]
    number = max(numbers, default=0) + 1
    if number > 999_999:
        raise UsageError(f"{year} has used every submission number", hint="wait for next year")
    return f"S-{year:04d}-{number:04d}"


def find(submissions: Sequence[Submission], ident: str) -> Submission:
    """The submission ``ident`` names, or ``NotFound``."""
    for submission in submissions:
        if submission.id == ident:
            return submission
    latest = ", ".join(s.id for s in submissions[-3:]) or "none yet"
    raise NotFound(f"the register holds no submission {ident} (latest: {latest})",
                   hint="list them with 'cplkit submissions list'")


def moved(submission: Submission, event: Event) -> Submission:
    """``submission`` with ``event`` added; only a received submission moves on (a returned
    one is answered: its corrected form is a new submission)."""
    if submission.status is not SubmissionStatus.RECEIVED:
        raise UsageError(f"{submission.id} is {submission.status.value} already "
                         f"({submission.outcome.at[:10]}); nothing was changed",
                         hint="a corrected or resent form is received as a new submission")
    if event.status is SubmissionStatus.RECEIVED:
        raise UsageError(f"{submission.id} is received already")
    return replace(submission, events=(*submission.events, event))


def replaced(submissions: Sequence[Submission], new: Submission) -> tuple[Submission, ...]:
    """The register with ``new`` in place of the submission of its id."""
    return tuple(new if s.id == new.id else s for s in submissions)


# -- deliveries to the DCC ---------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Acknowledgement:
    """The DCC's acknowledgement of a delivery: its reference, when it was recorded, and the
    day the DCC says it loaded the file (if it said)."""

    reference: str
    at: str
    loaded_on: str | None = None


@dataclass(frozen=True, slots=True)
class Delivery:
    """A version's DCC file sent to the DCC: the file and its SHA-256 as issued, to whom, under
    which reference, when and how."""

    version: str
    file: str
    sha256: str
    to: str
    reference: str
    sent: str
    via: str | None = None
    acknowledgement: Acknowledgement | None = None


class DeliveryState(StrEnum):
    NOT_DELIVERED = "not delivered"
    DELIVERED = "delivered"
    ACKNOWLEDGED = "acknowledged"


@dataclass(frozen=True, slots=True)
class VersionDelivery:
    """One issued version and what became of its DCC file: ``file`` and ``sha256`` are the
    DCC file as issued (None for a version issued without one)."""

    version: str
    issue_date: dt.date
    file: str | None
    sha256: str | None
    delivery: Delivery | None

    @property
    def state(self) -> DeliveryState:
        if self.delivery is None:
            return DeliveryState.NOT_DELIVERED
        if self.delivery.acknowledgement is None:
            return DeliveryState.DELIVERED
        return DeliveryState.ACKNOWLEDGED


def overdue(versions: Iterable[VersionDelivery], as_of: dt.date,
            days: int) -> list[VersionDelivery]:
    """The versions with a DCC file, issued more than ``days`` days before ``as_of``, that are
    not delivered or not acknowledged yet."""
    return [v for v in versions if v.file is not None
            and v.state is not DeliveryState.ACKNOWLEDGED
            and (as_of - v.issue_date).days > days]
