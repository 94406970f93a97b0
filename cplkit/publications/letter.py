"""The liaison letter to a submitter: plain text, and an e-mail with text and HTML.

On a return it lists every finding of the check made on receipt, with its cell, message and
hint, SECAS's reason, and what to do next (correct, check with ``cplkit check`` or SECAS's
macro, send again); on an acceptance it names the version, its issue date, each entry number
allocated with the Device Model and firmware it covers, and where the signed files are. Text
and HTML come from templates (``letter.txt.j2``, ``letter.html.j2``); the e-mail is addressed to
the submitter and has no sender (``cplkit submissions letter --smtp`` adds it when it sends).
The letter is restricted, like the submission: it is never one of a version's public files.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP

from cplkit.base.templates import render
from cplkit.core import model as m
from cplkit.core import tracking as t
from cplkit.core.findings import Report, Severity
from cplkit.core.text import plural
from cplkit.publications.filenames import IssuedFiles


@dataclass(frozen=True, slots=True)
class Allocated:
    """One entry the version allocated to the submission: its number and what it covers."""

    number: str
    device_type: str
    manufacturer: str
    model: str
    hardware: str
    firmware: str
    versions: str


def _allocated(entry: m.Entry) -> Allocated:
    def text(name: str) -> str:
        return entry.text(name) or ""

    hardware = f"{text(m.HARDWARE_VERSION)} revision {text(m.HARDWARE_REVISION)}"
    return Allocated(entry.number or "", text(m.DEVICE_TYPE), text(m.MANUFACTURER_ID),
                     text(m.MODEL_ID), hardware,
                     text(m.FIRMWARE_VERSION), f"{text(m.SPEC_VERSION)}, {text(m.GBCS_VERSION)}")


def _day(iso: str) -> str:
    """An ISO day or moment as people read it: dd/mm/yyyy."""
    return f"{iso[8:10]}/{iso[5:7]}/{iso[0:4]}"


def file_name(submission: t.Submission, suffix: str) -> str:
    """The letter's file name: ``letter-S-2026-0001.txt`` (``.eml``)."""
    return f"letter-{submission.id}{suffix}"


def subject(submission: t.Submission, version: m.CplVersion | None) -> str:
    if submission.status is t.SubmissionStatus.ACCEPTED and version is not None:
        return f"CPL submission {submission.id} accepted: {version.label}"
    return f"CPL submission {submission.id} returned: please correct and resubmit"


def _values(submission: t.Submission, report: Report, version: m.CplVersion | None,
            base_url: str) -> dict[str, object]:
    entries: list[Allocated] = []
    where = ""
    signed: list[tuple[str, str]] = []
    if version is not None:
        by_number = version.by_number()
        entries = [_allocated(by_number[n]) for n in submission.accepted_entries()
                   if n in by_number]
        names = IssuedFiles(str(version.number))
        signed = list(names.links())
        if base_url:
            where = f"{base_url.rstrip('/')}/{version.number}/"
    files = [(f, sorted(f.findings, key=lambda x: x.severity is not Severity.ERROR))
             for f in report.files]
    return {"submission": submission, "received": _day(submission.received),
            "answered": _day(submission.outcome.at), "report": report, "files": files,
            "version": version, "issue_date": _day(version.issue_date.isoformat())
            if version else "", "entries": entries, "signed": signed, "where": where,
            "plural": plural, "accepted": submission.status is t.SubmissionStatus.ACCEPTED,
            "evidence": [f.name for f in submission.files if f.kind is t.FileKind.EVIDENCE],
            "checked": [f.name for f in submission.submitted()]}


def _check(submission: t.Submission, version: m.CplVersion | None) -> None:
    if submission.status is t.SubmissionStatus.ACCEPTED and version is None:
        raise ValueError("an acceptance letter needs the version")
    if submission.status not in (t.SubmissionStatus.ACCEPTED, t.SubmissionStatus.RETURNED):
        raise ValueError(f"no letter for a {submission.status.value} submission")


def letter_text(submission: t.Submission, report: Report, version: m.CplVersion | None,
                base_url: str = "") -> bytes:
    """The letter as plain text; ``version`` is the version that accepted it (None for a
    return)."""
    _check(submission, version)
    return render("letter.txt.j2", **_values(submission, report, version, base_url)).encode()


def letter_email(submission: t.Submission, report: Report, version: m.CplVersion | None,
                 base_url: str = "") -> bytes:
    """The letter as an e-mail to the submitter: plain text, with HTML as the alternative."""
    _check(submission, version)
    values = _values(submission, report, version, base_url)
    message = EmailMessage(policy=SMTP)
    title = subject(submission, version)
    message["Subject"] = title
    username, _, domain = submission.sender_address.rpartition("@")
    message["To"] = Address(submission.sender_name, username, domain)
    message["MIME-Version"] = "1.0"
    message.set_content(render("letter.txt.j2", **values))
    message.add_alternative(render("letter.html.j2", title=title, **values), subtype="html")
    return message.as_bytes()
