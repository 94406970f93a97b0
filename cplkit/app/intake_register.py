"""The submissions register: ``cplkit submissions receive, list, show, return, withdraw,
link``.

A submission received by e-mail is recorded with who sent it, when, every file (kept in the
registry, evidence included, each named by its SHA-256) and the check report made with the rules
of the latest version, as of the day it was received. SECAS then returns it (with a reason and
the findings), or the submitter withdraws it, or a version accepts it: ``accept`` finds the
received submissions whose files a version was made from (by SHA-256, as its ``made_by``
records them) and records the entry numbers the version allocated to each file's entries. This
is the library behind the commands; it returns records and never prints. It neither publishes
nor writes letters (``cplkit.app.letters``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from cplkit.app.check import check_and_keep, check_file
from cplkit.app.notify import address
from cplkit.app.ruleset_sources import ruleset_from, stored_rules
from cplkit.base.digest import sha256_hex
from cplkit.base.files import read_small
from cplkit.core import model as m
from cplkit.core import tracking as t
from cplkit.core.findings import Report, Severity
from cplkit.core.ruleset import Ruleset
from cplkit.core.validate import Checked
from cplkit.errors import InputFileError, UsageError
from cplkit.registry import Registry, StoredVersion
from cplkit.registry.tracking_files import (
    FILE_LIMIT,
    add_submission,
    decode_report,
    encode_report,
    kept_file,
    kept_path,
    read_submissions,
    update_submissions,
)

#: the longest note or reason kept (the register's schema says so too)
TEXT_LIMIT = 10_000


def utc_text(moment: dt.datetime) -> str:
    """A moment as the register writes it: UTC, to the second."""
    return moment.astimezone(dt.UTC).replace(microsecond=0).isoformat()


def _one_line(text: str, option: str, limit: int = 500) -> str:
    text = text.strip()
    if not text or len(text) > limit or any(c in text for c in "\r\n\0"):
        raise UsageError(f"{option} must be one line of 1 to {limit} characters")
    return text


def _paragraph(text: str | None, option: str) -> str | None:
    if text is None:
        return None
    text = text.strip()
    if not text or len(text) > TEXT_LIMIT or "\0" in text:
        raise UsageError(f"{option} must hold 1 to {TEXT_LIMIT} characters")
    return text


def latest_rules(registry: Registry) -> tuple[Ruleset, str | None]:
    """The rules of the latest version, and its number (the bundled rules, and None, when the
    registry holds no version or its latest kept no rules)."""
    head = registry.head()
    if head.latest is None:
        return ruleset_from(None), None
    stored = registry.read(head=head)
    kept = stored_rules(registry, stored)
    if kept is None:
        return ruleset_from(None), None
    return kept, str(stored.version.number)


def receive(registry_path: Path, files: Sequence[Path], evidence: Sequence[Path], sender: str,
            note: str | None, received: dt.datetime) -> t.Submission:
    """Record a submission: its files kept, each checked with the latest version's rules as of
    the day received; the id is the next of the year it was received in."""
    if not files:
        raise UsageError("name at least one submitted file")
    who = address(sender, "--from")
    note = _paragraph(note, "--note")
    registry = Registry(registry_path)
    ruleset, rules_of = latest_rules(registry)
    as_of = received.astimezone(dt.UTC).date()
    kept: dict[str, bytes] = {}
    listed: list[t.SubmittedFile] = []
    for paths, kind in ((files, t.FileKind.SUBMISSION), (evidence, t.FileKind.EVIDENCE)):
        for path in paths:
            data = read_small(path, FILE_LIMIT, InputFileError, "the file")
            digest = sha256_hex(data)
            kept[digest] = data
            listed.append(t.SubmittedFile(_one_line(path.name, "a file's name"), digest,
                                          len(data), kind))
    report = Report(tuple(check_file(p, ruleset, as_of, label=p.name) for p in files),
                    as_of.isoformat(), ruleset.id, ruleset.digest)
    report_data = encode_report(report)
    kept[sha256_hex(report_data)] = report_data
    check = t.CheckSummary(rules_of, ruleset.id, ruleset.digest, as_of.isoformat(),
                           report.entries, report.errors, report.warnings, report.unreadable,
                           sha256_hex(report_data))
    when = utc_text(received)
    checked = {f.sha256 for f in listed if f.kind is t.FileKind.SUBMISSION}

    def build(register: tuple[t.Submission, ...]) -> t.Submission:
        for other in register:
            same = checked & {f.sha256 for f in other.submitted()}
            if same and other.status is t.SubmissionStatus.RECEIVED:
                raise UsageError(f"{other.id}, received {other.received[:10]} and still open, "
                                 "holds the same file; nothing was recorded",
                                 hint=f"answer {other.id} first, or withdraw it")
        ident = t.next_id((s.id for s in register), as_of.year)
        return t.Submission(ident, when, who.display_name, who.addr_spec, note, tuple(listed),
                            check, (t.Event(t.SubmissionStatus.RECEIVED, when),))

    return add_submission(registry, build, kept)


def kept_forms(registry_path: Path, ident: str) -> tuple[Path, ...]:
    """The submitted files (not the evidence) of received submission ``ident``, where the
    registry keeps them, each checked against its SHA-256: what ``publish S-2026-0001`` reads.
    Published from there, the version's sources carry the same digests, so ``accept`` links
    the version to the submission."""
    registry = Registry(registry_path)
    submission = t.find(read_submissions(registry), ident)
    if submission.status is not t.SubmissionStatus.RECEIVED:
        raise UsageError(f"{submission.id} is {submission.status.value}: only a received "
                         "submission is published", hint="a corrected form is received as a "
                                                         "new submission")
    return tuple(kept_path(registry, submission, f.sha256) for f in submission.submitted())


def submissions(registry_path: Path, status: str | None = None) -> tuple[t.Submission, ...]:
    """The register, oldest first, those of ``status`` only if given."""
    every = read_submissions(Registry(registry_path))
    return tuple(s for s in every if status is None or s.status.value == status)


@dataclass(frozen=True, slots=True)
class Shown:
    """A submission with its check report as made on receipt."""

    submission: t.Submission
    report: Report


def show(registry_path: Path, ident: str) -> Shown:
    registry = Registry(registry_path)
    submission = t.find(read_submissions(registry), ident)
    data = kept_file(registry, submission, submission.check.report_sha256)
    return Shown(submission, decode_report(data, f"the check report of {submission.id}"))


def _answer(registry_path: Path, ident: str, event: t.Event) -> t.Submission:
    def change(register: tuple[t.Submission, ...]) -> tuple[t.Submission, ...]:
        return t.replaced(register, t.moved(t.find(register, ident), event))

    return t.find(update_submissions(Registry(registry_path), change), ident)


def return_submission(registry_path: Path, ident: str, reason: str,
                      at: dt.datetime) -> t.Submission:
    """Record that SECAS returned a received submission, and why."""
    text = _paragraph(reason, "--reason")
    return _answer(registry_path, ident, t.Event(t.SubmissionStatus.RETURNED, utc_text(at), text))


def withdraw(registry_path: Path, ident: str, reason: str | None,
             at: dt.datetime) -> t.Submission:
    """Record that the submitter withdrew a received submission."""
    return _answer(registry_path, ident, t.Event(t.SubmissionStatus.WITHDRAWN, utc_text(at),
                                                 _paragraph(reason, "--reason")))


def accept(registry: Registry, version: str, at: dt.datetime) -> tuple[t.Submission, ...]:
    """Record as accepted in ``version`` every received submission a file of which the version
    was made from (by SHA-256), with the entry numbers the version added from each file. Run
    after a version is issued; submissions answered already are left as they are, so running
    it again changes nothing; each is recorded as accepted ``at`` then. Returns the
    submissions it accepted."""
    stored = registry.read(version)
    number = str(stored.version.number)
    sources = {s.get("sha256") for s in stored.made_by.get("sources", ())}
    open_ones = [s for s in read_submissions(registry) if s.status is t.SubmissionStatus.RECEIVED
                 and any(f.sha256 in sources for f in s.submitted())]
    if not open_ones:
        return ()
    added = _added(registry, stored)
    ruleset = stored_rules(registry, stored) or ruleset_from(None)
    when = utc_text(at)
    events: dict[str, t.Event] = {}
    for submission in open_ones:
        files = tuple(t.AcceptedFile(f.sha256, _numbers(registry, submission, f, ruleset,
                                                        stored, added)
                                     if f.sha256 in sources else ())
                      for f in submission.submitted())
        events[submission.id] = t.Event(t.SubmissionStatus.ACCEPTED, when, version=number,
                                        issue_date=stored.version.issue_date.isoformat(),
                                        accepted=files)

    def change(register: tuple[t.Submission, ...]) -> tuple[t.Submission, ...]:
        out = []
        for s in register:
            event = events.get(s.id)
            # answered meanwhile (returned, withdrawn, or linked by another run): left alone
            received = s.status is t.SubmissionStatus.RECEIVED
            out.append(t.moved(s, event) if event and received else s)
        return tuple(out)

    after = update_submissions(registry, change)
    return tuple(s for s in after if s.id in events and s.status is t.SubmissionStatus.ACCEPTED
                 and s.outcome.version == number and s.outcome.at == when)


def link(registry_path: Path, version: str, at: dt.datetime) -> tuple[t.Submission, ...]:
    """``accept`` for ``cplkit submissions link VERSION``."""
    return accept(Registry(registry_path), version, at)


def _added(registry: Registry, stored: StoredVersion) -> dict[tuple[str | None, ...], str]:
    """The entries ``stored`` added (numbers the version before it did not hold), by key."""
    head = registry.head()
    number = str(stored.version.number)
    index = next(i for i, r in enumerate(head.versions) if r.version == number)
    before: set[str] = set()
    if index:
        previous = registry.read(head.versions[index - 1].version, head=head)
        before = {e.number for e in previous.version.entries if e.number}
    return {m.entry_key(e): e.number for e in stored.version.entries
            if e.number and e.number not in before}


def _numbers(registry: Registry, submission: t.Submission, file: t.SubmittedFile,
             ruleset: Ruleset, stored: StoredVersion,
             added: dict[tuple[str | None, ...], str]) -> tuple[str, ...]:
    """The numbers the version gave the entries of ``file``: the kept copy is read again with
    the rules and date the version was issued with, as the publish read it, and each entry
    without an error is found among those the version added by its key."""
    def keep(raw: m.RawEntry, checked: Checked) -> tuple[str | None, ...] | None:
        if any(f.severity is Severity.ERROR for f in checked.findings):
            return None
        return m.entry_key(checked.entry)

    _, keys = check_and_keep(kept_path(registry, submission, file.sha256), ruleset,
                             stored.version.issue_date, keep, label=file.name)
    return tuple(added[k] for k in keys if k in added)
