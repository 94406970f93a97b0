"""Liaison letters: ``cplkit submissions letter ID``, written as .txt and .eml, or sent.

A returned submission's letter lists the findings of the check kept with it; an accepted one's
the entries the version allocated, read from that version through the registry's digest checks.
Sending goes through the notice's SMTP code (``cplkit.app.notify.send``: STARTTLS, TLS, a login,
a dry run), to the submitter's address as the register holds it. Letters are written where the
caller asks, never into the registry's public files or the site. It decides nothing about the
submission.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import SMTP
from email.utils import format_datetime, make_msgid
from pathlib import Path

from cplkit.app import notify
from cplkit.app.intake_register import show
from cplkit.base.files import write_output
from cplkit.core import tracking as t
from cplkit.errors import UsageError
from cplkit.publications import letter as letters
from cplkit.registry import Registry


@dataclass(frozen=True, slots=True)
class Letter:
    """A letter as built: the submission it answers, its text and its e-mail."""

    submission: t.Submission
    text: bytes
    email: bytes


def build(registry_path: Path, ident: str, base_url: str = "") -> Letter:
    """The letter answering submission ``ident``, returned or accepted."""
    shown = show(registry_path, ident)
    submission = shown.submission
    if submission.status not in (t.SubmissionStatus.RETURNED, t.SubmissionStatus.ACCEPTED):
        raise UsageError(f"{submission.id} is {submission.status.value}: a letter answers a "
                         "returned or accepted submission",
                         hint="return it with 'cplkit submissions return', or publish it and "
                              "run 'cplkit submissions link VERSION'")
    version = None
    if submission.status is t.SubmissionStatus.ACCEPTED:
        version = Registry(registry_path).read(submission.outcome.version).version
    return Letter(submission,
                  letters.letter_text(submission, shown.report, version, base_url),
                  letters.letter_email(submission, shown.report, version, base_url))


def write(letter: Letter, folder: Path) -> tuple[Path, Path]:
    """Write the letter's .txt and .eml into ``folder``; never over a file already there."""
    if not folder.is_dir():
        raise UsageError(f"--out {folder} is not a folder", hint="create it first")
    paths = (folder / letters.file_name(letter.submission, ".txt"),
             folder / letters.file_name(letter.submission, ".eml"))
    for path in paths:
        if path.exists() or path.is_symlink():
            raise UsageError(f"{path} exists already; cplkit never overwrites a letter",
                             hint="remove it, or name another folder with --out")
    write_output(paths[0], letter.text)
    write_output(paths[1], letter.email)
    return paths


def send(letter: Letter, target: notify.Relay, sender: str, *, dry_run: bool = False,
         save: Path | None = None, now: dt.datetime) -> notify.Sent:
    """Send the letter to the submitter through ``target``, dated ``now`` (or, with
    ``dry_run``, the message that would be sent)."""
    author = notify.address(sender, "--from")
    submission = letter.submission
    reader = notify.address(submission.sender_address, "the submitter's address")
    notify.check_options(target, save)
    message = BytesParser(EmailMessage, policy=SMTP).parsebytes(letter.email)
    for header in ("From", "Date", "Message-ID"):
        del message[header]
    message["From"] = author
    message["Date"] = format_datetime(now.astimezone(dt.UTC), usegmt=True)
    message["Message-ID"] = make_msgid(domain=author.domain)
    return notify.send(target, message, author, (reader,), f"the letter for {submission.id}",
                       submission.id, dry_run=dry_run, save=save)
