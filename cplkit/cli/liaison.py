"""Commands for liaising with submitters and delivering to the DCC: ``cplkit submissions ...``
(receive, list, show, return, withdraw, link, letter) and ``cplkit delivery ...`` (record,
acknowledge, list).

Each parses its options, calls one use case, renders the result and picks the exit status. No
register logic lives here.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from cplkit.cli.common import (
    EARLIEST_DATE,
    LATEST_DATE,
    list_format,
    parse_date,
    reference_time,
    registry_option,
)
from cplkit.errors import EXIT_FINDINGS, UsageError

F = TypeVar("F", bound=Callable[..., Any])
STATUSES = ("received", "returned", "withdrawn", "accepted")


def parse_moment(_ctx: click.Context | None, _param: click.Parameter | None,
                 value: str | None) -> dt.datetime:
    """YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS][+HH:MM] (UTC when no zone is given); now if none."""
    if value is None:
        return reference_time()
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date (YYYY-MM-DD) or a time "
                                 "(YYYY-MM-DDTHH:MM)") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    if not EARLIEST_DATE <= moment.date() <= LATEST_DATE:
        raise click.BadParameter(f"{value} is not between {EARLIEST_DATE} and {LATEST_DATE}")
    return moment


def _optional_date(ctx: click.Context, param: click.Parameter,
                   value: str | None) -> dt.date | None:
    return None if value is None else parse_date(ctx, param, value)


def _at(help_text: str) -> Callable[[F], F]:
    option: Callable[[F], F] = click.option(
        "--at", "at", callback=parse_moment, metavar="TIME",
        help=f"{help_text} (YYYY-MM-DD or YYYY-MM-DDTHH:MM, UTC; default: now).")
    return option


@click.group()
def submissions() -> None:
    """The submissions register: every submission received, its check, and its answer."""


@submissions.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@registry_option
@click.option("--from", "sender", required=True, metavar="ADDRESS",
              help="Who sent it: 'Name <address>'.")
@click.option("--evidence", multiple=True, type=click.Path(path_type=Path), metavar="FILE",
              help="A file sent as evidence (a certificate, release notes): kept, not checked. "
                   "Repeat for each.")
@click.option("--note", metavar="TEXT", help="A note kept with the submission.")
@click.option("--received", "received", callback=parse_moment, metavar="TIME",
              help="When it was received (YYYY-MM-DD or YYYY-MM-DDTHH:MM, UTC; default: now); "
                   "its year numbers the id and its day is the check's as-of date.")
def receive(files: tuple[Path, ...], registry: Path, sender: str, evidence: tuple[Path, ...],
            note: str | None, received: dt.datetime) -> None:
    """Record a submission: keep its FILES and evidence in the registry and check the FILES
    with the latest version's rules. Prints its id."""
    from cplkit.app.intake_register import receive as record
    from cplkit.core.text import plural

    submission = record(registry, files, evidence, sender, note, received)
    check = submission.check
    click.echo(f"{submission.id}: received from {submission.sender}; the check found "
               f"{plural(check.errors, 'error')} and {plural(check.warnings, 'warning')} in "
               f"{plural(check.entries, 'entry', 'entries')}")


@submissions.command(name="list")
@registry_option
@click.option("--status", type=click.Choice(STATUSES), help="Only the submissions in this state.")
@list_format
def list_(registry: Path, status: str | None, fmt: str) -> None:
    """Every submission, oldest first, with what became of it."""
    from cplkit.app.intake_register import submissions as every
    from cplkit.render.tracking_listing import render_submissions

    click.echo(render_submissions(every(registry, status), fmt), nl=False)


@submissions.command()
@click.argument("ident", metavar="ID")
@registry_option
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
def show(ident: str, registry: Path, fmt: str) -> None:
    """One submission: who sent which files and when, its status, once accepted the version
    and entry numbers, and the check report made on receipt."""
    from cplkit.app.intake_register import show as shown
    from cplkit.render.tracking_listing import render_submission

    found = shown(registry, ident)
    click.echo(render_submission(found.submission, found.report, fmt), nl=False)


@submissions.command(name="return")
@click.argument("ident", metavar="ID")
@registry_option
@click.option("--reason", required=True, metavar="TEXT", help="Why it is returned.")
@_at("When it was returned")
def return_(ident: str, registry: Path, reason: str, at: dt.datetime) -> None:
    """Return a received submission to its submitter (then: 'submissions letter ID')."""
    from cplkit.app.intake_register import return_submission

    done = return_submission(registry, ident, reason, at)
    click.echo(f"{done.id}: returned; write the letter with: cplkit submissions letter "
               f"{done.id} -r {registry}")


@submissions.command()
@click.argument("ident", metavar="ID")
@registry_option
@click.option("--reason", metavar="TEXT", help="Why, as the submitter said.")
@_at("When it was withdrawn")
def withdraw(ident: str, registry: Path, reason: str | None, at: dt.datetime) -> None:
    """Record that the submitter withdrew a received submission."""
    from cplkit.app.intake_register import withdraw as record

    click.echo(f"{record(registry, ident, reason, at).id}: withdrawn")


@submissions.command()
@click.argument("version")
@registry_option
@_at("When it was accepted")
def link(version: str, registry: Path, at: dt.datetime) -> None:
    """Record as accepted in VERSION every received submission whose files VERSION was
    published from (matched by SHA-256), with the entry numbers it allocated to each."""
    from cplkit.app.intake_register import link as accept

    accepted = accept(registry, version, at)
    for s in accepted:
        click.echo(f"{s.id}: accepted in {s.outcome.version}: "
                   f"{', '.join(s.accepted_entries()) or 'no entry'}")
    if not accepted:
        click.echo(f"no received submission was published in version {version}")


@submissions.command()
@click.argument("ident", metavar="ID")
@registry_option
@click.option("--out", type=click.Path(path_type=Path, file_okay=False), default=Path(),
              show_default=True, help="The folder to write letter-ID.txt and letter-ID.eml to.")
@click.option("--base-url", default="", metavar="URL",
              help="Where the site is served: an acceptance letter gives the version's folder.")
@click.option("--smtp", metavar="HOST:PORT",
              help="Send the letter to the submitter through this relay instead of writing it.")
@click.option("--from", "sender", metavar="ADDRESS",
              help="The sender, with --smtp: 'SECAS <cpl@secas.example>'.")
@click.option("--starttls", is_flag=True, help="With --smtp: STARTTLS (port 587).")
@click.option("--tls", is_flag=True, help="With --smtp: TLS from the first byte (port 465).")
@click.option("--user", metavar="NAME",
              help="With --smtp: log in as NAME (password from CPLKIT_SMTP_PASSWORD or "
                   "--password-file).")
@click.option("--password-file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--smtp-ca", type=click.Path(path_type=Path, dir_okay=False), metavar="FILE",
              help="Trust the relay's certificate if this CA (PEM) issued it.")
@click.option("--save", type=click.Path(path_type=Path, dir_okay=False), metavar="FILE",
              help="With --smtp: keep the message as sent in FILE.")
@click.option("--dry-run", is_flag=True, help="With --smtp: print the message, send nothing.")
def letter(ident: str, registry: Path, out: Path, base_url: str, smtp: str | None,
           sender: str | None, starttls: bool, tls: bool, user: str | None,
           password_file: Path | None, smtp_ca: Path | None, save: Path | None,
           dry_run: bool) -> None:
    """The letter answering submission ID: on a return every finding with its cell, message
    and hint; on an acceptance the version and the entry numbers allocated. Written as .txt and
    .eml, or sent with --smtp."""
    from cplkit.app import letters
    from cplkit.app.notify import Relay, Security, password, relay

    built = letters.build(registry, ident, base_url)
    if smtp is None:
        if sender or starttls or tls or user or save or dry_run or smtp_ca or password_file:
            raise UsageError("--from, --starttls, --tls, --user, --password-file, --smtp-ca, "
                             "--save and --dry-run go with --smtp")
        text, email = letters.write(built, out)
        click.echo(f"wrote {text} and {email}")
        return
    if sender is None:
        raise UsageError("--smtp needs --from", hint="for example --from 'SECAS "
                                                     "<cpl@secas.example>'")
    if starttls and tls:
        raise UsageError("--starttls and --tls are two ways to encrypt: choose one")
    host, port = relay(smtp)
    security = Security.TLS if tls else Security.STARTTLS if starttls else Security.PLAIN
    target = Relay(host, port, security, user, password(os.environ, password_file), smtp_ca)
    sent = letters.send(built, target, sender, dry_run=dry_run, save=save,
                        now=reference_time())
    if dry_run:
        click.echo(sent.text, nl=False)
        click.echo(f"dry run: nothing was sent; '{sent.subject}' would go through "
                   f"{sent.relay} to {sent.recipients[0]}", err=True)
        return
    click.echo(f"sent '{sent.subject}' through {sent.relay} to {sent.recipients[0]}")


@click.group()
def delivery() -> None:
    """Deliveries to the DCC: which version's signed DCC file was sent, and acknowledged."""


@delivery.command()
@click.argument("version")
@registry_option
@click.option("--to", "to", required=True, metavar="NAME", help="Who it was sent to (the DCC).")
@click.option("--reference", required=True, metavar="REF", help="The delivery's reference.")
@click.option("--via", metavar="HOW", help="How it was sent (SFTP, the DCC's portal...).")
@_at("When it was sent")
def record(version: str, registry: Path, to: str, reference: str, via: str | None,
           at: dt.datetime) -> None:
    """Record that VERSION's signed DCC file was sent; its SHA-256 is taken from the registry."""
    from cplkit.app.deliveries import record as recorded

    done = recorded(registry, version, to, reference, via, at)
    click.echo(f"{done.file} (SHA-256 {done.sha256}) recorded as sent to {done.to} on "
               f"{done.sent[:10]}, reference {done.reference}")


@delivery.command()
@click.argument("version")
@registry_option
@click.option("--reference", required=True, metavar="REF",
              help="The DCC's reference for its acknowledgement.")
@click.option("--loaded-on", "loaded_on", callback=_optional_date, metavar="YYYY-MM-DD",
              help="The day the DCC says it loaded the file.")
@_at("When the acknowledgement came")
def acknowledge(version: str, registry: Path, reference: str, loaded_on: dt.date | None,
                at: dt.datetime) -> None:
    """Record the DCC's acknowledgement of VERSION's delivery."""
    from cplkit.app.deliveries import acknowledge as acknowledged

    done = acknowledged(registry, version, reference, loaded_on, at)
    loaded = f", loaded on {loaded_on}" if loaded_on else ""
    click.echo(f"version {done.version}: acknowledged by the DCC, reference {reference}{loaded}")


@delivery.command(name="list")
@registry_option
@click.option("--overdue-days", "overdue_days", type=click.IntRange(0, 3650), metavar="N",
              help="Only the versions issued more than N days ago and not delivered or not "
                   "acknowledged; exit 1 if there are any (for scheduled jobs).")
@click.option("--as-of", "as_of", callback=parse_date, metavar="YYYY-MM-DD",
              help="Count the days to this day (default: today).")
@list_format
def list_deliveries(registry: Path, overdue_days: int | None, as_of: dt.date, fmt: str) -> None:
    """Each issued version's DCC file (name and SHA-256 as issued) and its delivery state.

    Exit status: 0, or 1 with --overdue-days when a version is overdue."""
    from cplkit.app.deliveries import deliveries, overdue_versions
    from cplkit.core.text import plural
    from cplkit.render.tracking_listing import render_deliveries

    if overdue_days is None:
        versions = deliveries(registry)
    else:
        versions = overdue_versions(registry, as_of, overdue_days)
        if not versions and fmt == "text":
            click.echo(f"no version issued more than {plural(overdue_days, 'day')} before "
                       f"{as_of} is "
                       "waiting for its delivery or acknowledgement")
            return
    click.echo(render_deliveries(versions, fmt), nl=False)
    if overdue_days is not None and versions:
        click.echo(f"{plural(len(versions), 'version')} issued more than "
                   f"{plural(overdue_days, 'day')} before "
                   f"{as_of} not delivered or not acknowledged", err=True)
        sys.exit(EXIT_FINDINGS)
