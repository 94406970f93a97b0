"""Commands for the master list: ``init``, ``import``, ``publish``, ``history``, ``show``,
``list``, ``diff`` and ``audit``.

Each parses its options, calls one use case and renders what it returns. Exit statuses are the
errors' own (README: 4 damaged registry, 5 busy or stale base, 6 cannot sign); ``publish`` exits
1 when findings stopped it and 3 when a change file could not be read.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from cplkit.cli.common import (
    SigningOptions,
    emit,
    list_format,
    next_update_option,
    parse_date,
    reference_time,
    registry_option,
    rules_option,
    signing_options,
    staged_policy_message,
    today,
)
from cplkit.core.text import plural
from cplkit.errors import (
    EXIT_FINDINGS,
    EXIT_OK,
    EXIT_UNREADABLE,
    CplkitError,
    IssuedIncomplete,
    UsageError,
)
from cplkit.render.escape import block, one_line

if TYPE_CHECKING:
    from cplkit.app.publish import PublishOutcome

_text_or_json = click.option("--format", "fmt", type=click.Choice(["text", "json"]),
                             default="text", show_default=True)


@click.command()
@registry_option
@click.option("--approver", "approvers", multiple=True,
              type=click.Path(path_type=Path, dir_okay=False),
              help="Four eyes: a certificate whose key may approve staged versions (repeat); "
                   "the person is the one its subject names.")
@click.option("--approvals", type=click.IntRange(0, 20), default=0, show_default=True,
              help="Four eyes: approvals from distinct approvers each version needs.")
@signing_options
def init(registry: Path, approvers: tuple[Path, ...], approvals: int,
         signing: SigningOptions) -> None:
    """Start an empty registry (the first publish issues version 1.0), anchored in a first
    policy record that trusts the signing certificate (--cert) and is signed by its key (--key).
    """
    from cplkit.app.key_files import read_certificate
    from cplkit.app.trust import founding, init_registry

    if approvals > len(approvers):
        raise UsageError(f"--approvals {approvals} needs at least {approvals} --approver "
                         "certificates")
    signer = signing.signer() if signing.key is not None else None
    if signer is None and (approvers or signing.cert is not None):
        from cplkit.app.key_files import NO_KEY_HINT
        from cplkit.errors import SigningError

        raise SigningError("cannot sign: the registry's first policy is signed by the key of "
                           "the certificate it trusts: give --key with --cert", hint=NO_KEY_HINT)
    certificates = [read_certificate(path) for path in approvers]
    now = reference_time()
    init_registry(registry, signer, founding(certificates, approvals, now=now), now=now)
    trusted = f", trusting {one_line(signer.subject)}" if signer is not None else \
        " (no signing certificate trusted yet: cplkit trust add CERT --key KEY --cert CERT)"
    click.echo(f"created an empty registry at {registry}{trusted}"
               + (f"; each version needs {plural(approvals, 'approval')} from "
                  f"{plural(len(approvers), 'approver')}" if approvals else ""))


@click.command(name="import")
@click.argument("workbook", type=click.Path(path_type=Path, dir_okay=False))
@registry_option
@rules_option()
@click.option("--report", "report_path", type=click.Path(path_type=Path, dir_okay=False),
              help="Write every import finding to this file (JSON, as check --format json).")
@signing_options
def import_(workbook: Path, registry: Path, rules_file: Path | None,
            report_path: Path | None, signing: SigningOptions) -> None:
    """Build a new registry from a CPL workbook as SECAS publishes it.

    Every entry and history line is kept; values no rule accepts are kept as SECAS issued them
    and listed. An existing registry is never overwritten. The imported version gets its own
    signed DCC file, and the signing certificate becomes the registry's trusted one.
    """
    from cplkit.app.importing import import_workbook
    from cplkit.app.ruleset_sources import ruleset_from
    from cplkit.core.findings import FileReport, Report, count_by_code
    from cplkit.core.model import Layout
    from cplkit.render import reports

    signer = signing.required("the imported version is signed")
    outcome = import_workbook(workbook, registry, ruleset_from(rules_file), signer,
                              now=reference_time())
    version = outcome.version.version
    current = version.current_count
    history = len(version.prior_history) + 1
    click.echo(f"imported {version.label}: {plural(len(version.entries), 'entry', 'entries')} "
               f"({current} Current, "
               f"{len(version.entries) - current} other), {plural(history, 'history line')}, into "
               f"{registry}")
    found = outcome.companies
    click.echo(f"names register: {plural(len(found.named), 'manufacturer id')} named from the "
               "history"
               + (f", {len(found.unnamed)} not named ({one_line(', '.join(found.unnamed))}; "
                  "cplkit names set)" if found.unnamed else ""))
    named = outcome.products.named
    click.echo(f"product names: {plural(len(named), 'entry', 'entries')} named from the history"
               f" ({sum(1 for e in version.entries if e.status == 'Current' and e.number in named)}"
               " of them Current)")
    counts = count_by_code(outcome.findings)
    if counts:
        click.echo("import report: " + ", ".join(f"{n} {c}" for c, n in sorted(counts.items()))
                   + (f" (details in {report_path})" if report_path else
                      " (--report FILE for every one)"))
    if report_path:
        report = Report((FileReport(str(workbook), Layout.CENTRAL_LIST,
                                    len(version.entries), outcome.findings),),
                        version.issue_date.isoformat(), "import")
        emit(reports.render_json(report), report_path)


@click.command()
@click.argument("changes", nargs=-1, type=click.Path(path_type=Path, dir_okay=False))
@registry_option
@click.option("--as-of", "as_of", callback=parse_date, metavar="YYYY-MM-DD",
              help="Issue date of the new version, and the date rules apply (default: today).")
@click.option("--dry-run", is_flag=True, help="Show the diff and history line; write nothing.")
@click.option("--base", metavar="VERSION",
              help="Refuse unless VERSION is still the latest (the one the changes were "
                   "reviewed against, e.g. in a dry run).")
@click.option("--major", is_flag=True,
              help="Issue the next major version (2.051 becomes 3.000), as SECAS did at 2.000.")
@click.option("--prepare", is_flag=True,
              help="Four eyes: stage the version for approval (signed by the preparer's --key),"
                   " issue nothing.")
@click.option("--staged", type=click.Path(path_type=Path, file_okay=False),
              help="Four eyes: issue this staged version, once approved (no change files).")
@click.option("--site", "site_folder", type=click.Path(path_type=Path, file_okay=False),
              help="Once issued, rewrite the registry's website in this folder (cplkit site).")
@rules_option("Change the rules to this ruleset (JSON); without it the rules of the latest "
              "version carry forward.")
@_text_or_json
@next_update_option
@signing_options
def publish(changes: tuple[Path, ...], registry: Path, as_of: dt.date, dry_run: bool,
            base: str | None, major: bool, prepare: bool, staged: Path | None,
            site_folder: Path | None, rules_file: Path | None, fmt: str,
            next_update_days: int, signing: SigningOptions) -> None:
    """Check CHANGES (submissions, removals, certificate updates) and issue the next version.

    The rules are those of the latest version unless --rules changes them. Any error: nothing
    is written (exit 1). Exit 4: the registry is damaged; exit 5: another publish holds it, or
    --base is no longer the latest; exit 6: the key cannot sign (not trusted by the registry,
    wrong passphrase...). The version is signed (--key, --cert) and its signed files are
    verified before it becomes visible.
    """
    from cplkit.app import four_eyes
    from cplkit.app.publish import publish as run_publish
    from cplkit.app.ruleset_sources import latest_rules, ruleset_from
    from cplkit.render import reports

    next_update = dt.timedelta(days=next_update_days)
    changes = _submitted(registry, changes)
    if staged is not None:
        if changes or prepare or dry_run:
            raise UsageError("--staged issues a staged version as it was approved: give no "
                             "change files, --prepare or --dry-run with it")
        signer = signing.required("the version is signed as it is issued")
        _check_site(registry, site_folder)
        issued = four_eyes.publish_staged(staged, signer, registry, next_update=next_update,
                                          now=reference_time())
        with _after_issuing(str(issued.version.number), registry, site_folder):
            click.echo(f"issued {issued.version.label} (after "
                       f"{issued.previous.version if issued.previous else 'nothing'}), "
                       "approved as staged")
            _accepted(registry, str(issued.version.number))
            _update_site(registry, site_folder)
            _where_issued(registry, str(issued.version.number))
        return
    if prepare:
        if dry_run:
            raise UsageError("--prepare stages without issuing already; drop --dry-run")
        preparer = signing.required("the preparer signs what is staged")
        if rules_file is None:
            # the latest version's rules carry forward; the version they came from is pinned
            # as the base, so a version issued meanwhile cannot change them under the check
            ruleset, pinned = latest_rules(registry)
            base = base or pinned
        else:
            ruleset = ruleset_from(rules_file)
        outcome, made = four_eyes.prepare(registry, list(changes), ruleset, as_of, preparer,
                                        base=base, major=major, now=reference_time())
        if outcome.report.errors or outcome.report.warnings or not outcome.ok:
            click.echo(reports.render_text(outcome.report), nl=False)
        if made is None:
            click.echo("nothing was staged")
            sys.exit(EXIT_UNREADABLE if outcome.report.unreadable else EXIT_FINDINGS)
        _show_summary(four_eyes.summary_of(made))
        click.echo(f"staged version {made.version} (after {made.base or 'nothing'}) at "
                   f"{made.path}\ndigest: {made.digest}\napprovers run: cplkit approve "
                   f"{made.path} --key KEY --cert CERT; then: cplkit publish --staged "
                   f"{made.path} -r {registry} --key KEY --cert CERT")
        return
    signer = None if dry_run else signing.signer()
    _check_site(registry, site_folder)
    # without --rules, the latest version's rules carry forward (chosen inside the publish)
    outcome = run_publish(registry, list(changes), ruleset_from(rules_file) if rules_file
                          else None, as_of, signer, base=base, dry_run=dry_run, major=major,
                          next_update=next_update, now=reference_time())
    number = str(outcome.issued.version.number) if outcome.issued else None
    with _after_issuing(number, registry, site_folder):
        _report_publish(outcome, dry_run, fmt)
        if number is not None:
            _accepted(registry, number, quiet=fmt != "text")
            _update_site(registry, site_folder)
            if fmt == "text":
                _where_issued(registry, number)
    if outcome.report.unreadable:
        sys.exit(EXIT_UNREADABLE)
    sys.exit(EXIT_OK if outcome.ok else EXIT_FINDINGS)


def _report_publish(outcome: PublishOutcome, dry_run: bool, fmt: str) -> None:
    """What a publish (or its dry run) did, as text or JSON."""
    from cplkit.render import listing, reports

    merged = outcome.merged
    version = merged.version if merged else None
    if fmt == "json":
        document = reports.report_dict(outcome.report)
        document["publish"] = {
            "base": outcome.base, "dry_run": dry_run,
            "issued": str(outcome.issued.version.number) if outcome.issued else None,
            "label": version.label if version and outcome.ok else None,
            "changes": version.changes if version and outcome.ok else None,
            "diff": listing.diff_dict(outcome.diff) if outcome.diff else None,
        }
        click.echo(json.dumps(document, indent=1, ensure_ascii=False))
    else:
        if outcome.report.errors or outcome.report.warnings or not outcome.ok:
            click.echo(reports.render_text(outcome.report), nl=False)
        if version is not None and outcome.ok:
            verb = "would issue" if dry_run else "issued"
            click.echo(f"{'Dry run, nothing written: ' if dry_run else ''}{verb} {version.label}"
                       f" (after {outcome.base or 'nothing'})")
            click.echo("\nChanges incorporated:\n" + "".join(
                f"  {line}\n" for line in block(version.changes)))
            if outcome.diff is not None:
                click.echo(listing.render_diff(outcome.diff, "text"), nl=False)
        else:
            click.echo("nothing was written")


def _where_issued(registry: Path, number: str) -> None:
    """The last line of an issue: where the version's files are, and how to see them."""
    from cplkit.app.publish import version_folder

    click.echo(f"the files of version {number} are in {version_folder(registry, number)}")


def _check_site(registry: Path, folder: Path | None) -> None:
    """Refuse a --site folder no site may be written to before anything is issued, so that
    mistake costs a retry, not a version."""
    if folder is not None:
        from cplkit.app.website import site_folder

        site_folder(folder, registry)


#: a submission's id, as the register numbers them
_SUBMISSION_ID = re.compile(r"S-[0-9]{4}-[0-9]{4,6}")


def _submitted(registry: Path, changes: tuple[Path, ...]) -> tuple[Path, ...]:
    """The change files, with each submission id (``S-2026-0001``, not a file) replaced by the
    files the register keeps for it: published from there, the version's sources carry their
    digests, and the submission is linked to the version once it is issued."""
    from cplkit.app.intake_register import kept_forms

    out: list[Path] = []
    for change in changes:
        if _SUBMISSION_ID.fullmatch(str(change)) and not change.exists():
            out.extend(kept_forms(registry, str(change)))
        else:
            out.append(change)
    return tuple(out)


def _accepted(registry: Path, version: str, *, quiet: bool = False) -> None:
    """Record in the submissions register which received submissions ``version`` accepted,
    and the entry numbers each became."""
    from cplkit.app.intake_register import link

    for submission in link(registry, version, reference_time()):
        if not quiet:
            click.echo(f"accepted submission {submission.id} in version {version}")


def _update_site(registry: Path, folder: Path | None) -> None:
    if folder is None:
        return
    from cplkit.app.website import build_site

    built = build_site(registry, folder, as_of=today())
    click.echo(f"updated the site in {built.folder}", err=True)


@contextmanager
def _after_issuing(issued: str | None, registry: Path,
                   site: Path | None) -> Iterator[None]:
    """Once version ``issued`` is in the registry, any failure (writing the site, the output
    itself) says the version WAS issued and exits 9, never a status that reads as "nothing was
    issued": a script that retried on that would issue another version."""
    if issued is None:
        yield
        return
    try:
        yield
    except (click.exceptions.Exit, click.exceptions.Abort):
        raise
    except Exception as exc:
        if isinstance(exc, CplkitError):
            why = exc.message
        elif isinstance(exc, OSError):
            why = f"{exc.strerror or exc}" + (f" ({exc.filename})" if exc.filename else "")
        else:
            if os.environ.get("CPLKIT_DEBUG"):
                raise
            why = f"internal error: {type(exc).__name__}: {exc}"
        redo = (f"write the site alone: cplkit site -r {registry} --out {site}" if site
                else f"see it with: cplkit history -r {registry}")
        raise IssuedIncomplete(f"version {issued} WAS issued, but a step after it failed: "
                               f"{why}", hint=f"do not publish again, which would issue another"
                                              f" version; {redo}") from None


@click.command()
@registry_option
@_text_or_json
def history(registry: Path, fmt: str) -> None:
    """Every version issued, oldest first, with its date and changes."""
    from cplkit.app import reading
    from cplkit.render.listing import render_history

    click.echo(render_history(reading.history(registry), fmt), nl=False)


@click.command()
@click.argument("entry")
@registry_option
@click.option("--version", "version", metavar="VERSION", help="As of this version.")
@_text_or_json
def show(entry: str, registry: Path, version: str | None, fmt: str) -> None:
    """One entry with every field; ENTRY is its number (000733 or 733)."""
    from cplkit.app import reading
    from cplkit.render.listing import render_entry

    click.echo(render_entry(reading.entry(registry, entry, version), fmt,
                            reading.companies(registry)), nl=False)


@click.command(name="list")
@registry_option
@click.option("--version", "version", metavar="VERSION", help="As of this version.")
@click.option("--manufacturer",
              help="Manufacturer identifier (10:6C), or part of the company or creator name.")
@click.option("--device-type", help="Device type, or a part of it (e.g. 'hub').")
@click.option("--status", type=click.Choice(["Current", "Removed"], case_sensitive=False))
@list_format
def list_(registry: Path, version: str | None, manufacturer: str | None,
          device_type: str | None, status: str | None, fmt: str) -> None:
    """The entries of the latest (or a given) version, filtered."""
    from cplkit.app import reading
    from cplkit.render.listing import render_entries

    keep = reading.EntryFilter(manufacturer, device_type, status)
    click.echo(render_entries(reading.entries(registry, keep, version), fmt,
                              reading.companies(registry)), nl=False)


@click.command(name="diff")
@click.argument("old")
@click.argument("new")
@registry_option
@_text_or_json
def diff_(old: str, new: str, registry: Path, fmt: str) -> None:
    """What changed from version OLD to version NEW: added, removed, amended field by field."""
    from cplkit.app import reading
    from cplkit.render.listing import render_diff

    click.echo(render_diff(reading.difference(registry, old, new), fmt), nl=False)


@click.command()
@registry_option
@click.option("--as-of", "as_of", callback=parse_date, metavar="YYYY-MM-DD")
@click.option("--within", "within", type=click.IntRange(0, 3650), default=90, show_default=True,
              metavar="DAYS", help="Also report dates falling within this many days.")
@rules_option()
@click.option("--propose-removals", "proposal", type=click.Path(path_type=Path, dir_okay=False),
              help="Write a removal change file for the entries past their date.")
@click.option("--superseded", is_flag=True,
              help="List instead the Current entries whose Device Model has a later Current "
                   "entry with other firmware; --propose-removals then proposes them too.")
@click.option("--fail-on", type=click.Choice(["expired", "expiring", "any"]),
              help="Exit 1 when the audit finds something past its date (expired), near it "
                   "(expiring), or either (any): for scheduled jobs.")
@click.option("--delivery-days", "delivery_days", type=click.IntRange(0, 3650), metavar="DAYS",
              help="Also list the versions issued more than DAYS days ago whose DCC file is not "
                   "delivered or not acknowledged (cplkit delivery); --fail-on then fails on "
                   "them too.")
@list_format
def audit(registry: Path, as_of: dt.date, within: int, rules_file: Path | None,
          proposal: Path | None, superseded: bool, fail_on: str | None,
          delivery_days: int | None, fmt: str) -> None:
    """Current entries whose CPA certificate date or maintenance end has passed or is near.

    Exit status: 0, or 1 with --fail-on when the audit finds what it names."""
    from cplkit.app import reading
    from cplkit.app.ruleset_sources import ruleset_from
    from cplkit.core.audit import proposed_removals
    from cplkit.render.listing import render_audit, render_removals

    items = reading.audit_latest(registry, ruleset_from(rules_file), as_of, within)
    replaced = reading.superseded_latest(registry) if superseded else []
    if superseded:
        from cplkit.render.tally import render_superseded

        click.echo(render_superseded(replaced, fmt, reading.companies(registry)), nl=False)
    else:
        click.echo(render_audit(items, fmt, as_of, reading.companies(registry)), nl=False)
    if proposal is not None:
        rows = proposed_removals(items, replaced)
        if proposal.exists():
            raise UsageError(f"{proposal} exists already; cplkit never overwrites it")
        emit(render_removals(rows), proposal)
        click.echo(f"wrote {plural(len(rows), 'proposed removal')} to {proposal}; the Security "
                   "Sub-Committee fills in the decision column before it is published",
                   err=True)
    late = _undelivered(registry, as_of, delivery_days, fmt)
    if fail_on is not None and (reading.audit_fails(items, fail_on) or late):
        sys.exit(EXIT_FINDINGS)


def _undelivered(registry: Path, as_of: dt.date, days: int | None, fmt: str) -> bool:
    """List the versions whose DCC file is overdue for delivery or acknowledgement; whether
    there are any."""
    if days is None:
        return False
    from cplkit.app.deliveries import overdue_versions
    from cplkit.render.tracking_listing import render_deliveries

    late = overdue_versions(registry, as_of, days)
    if late or fmt == "text":
        click.echo(f"versions not delivered or not acknowledged {days} days after issue:",
                   err=fmt != "text")
        click.echo(render_deliveries(late, fmt), nl=False, err=fmt != "text")
    return bool(late)


@click.group()
def names() -> None:
    """The names register: which company each manufacturer id belongs to."""


@names.command(name="list")
@registry_option
@click.option("--changes", is_flag=True, help="Every change made, with when and why.")
@_text_or_json
def names_list(registry: Path, changes: bool, fmt: str) -> None:
    """Company name by manufacturer id (with --changes: every change, oldest first)."""
    from cplkit.app import company_register, reading

    if changes:
        records = company_register.name_changes(registry)
        if fmt == "json":
            click.echo(json.dumps([{"manufacturer_id": r.manufacturer_id, "company": r.company,
                                    "changed": r.changed, "reason": r.reason}
                                   for r in records], indent=1, ensure_ascii=False))
            return
        for r in records:
            click.echo(f"{one_line(r.changed)}  {one_line(r.manufacturer_id)}  "
                       f"{one_line(r.company) if r.company else '(no name)'}  "
                       f"({one_line(r.reason)})")
        return
    named = reading.companies(registry)
    if fmt == "json":
        click.echo(json.dumps(named, indent=1, ensure_ascii=False))
        return
    for manufacturer, company in named.items():
        click.echo(f"{one_line(manufacturer)}  {one_line(company)}")
    click.echo(f"{plural(len(named), 'manufacturer id')} named")


@names.command(name="set")
@click.argument("manufacturer")
@click.argument("company")
@registry_option
@click.option("--reason", required=True, help="Why: recorded with the name.")
@signing_options
def names_set(manufacturer: str, company: str, registry: Path, reason: str,
              signing: SigningOptions) -> None:
    """Name the company of MANUFACTURER (an id such as 10:6C); an empty COMPANY withdraws
    the name. History lines and publications of later versions use it. The register is part
    of the registry's signed policy: a key the registry trusts signs the change (under four
    eyes, it is staged for approval)."""
    from cplkit.app.company_register import set_company

    signer = signing.required("the names register is part of the signed policy")
    made, changed = set_company(registry, manufacturer, company, reason, signer,
                                now=reference_time())
    if made is None:
        click.echo("the register says so already; nothing changed")
    elif changed.staged is not None:
        click.echo(staged_policy_message(changed.staged, registry))
    elif made.company:
        click.echo(f"{one_line(made.manufacturer_id)} is now named {one_line(made.company)}")
    else:
        click.echo(f"{one_line(made.manufacturer_id)} has no name now")


@click.command()
@click.argument("staged", type=click.Path(path_type=Path, file_okay=False))
@click.option("--registry", "-r", "registry", type=click.Path(path_type=Path, file_okay=False),
              envvar="CPLKIT_REGISTRY", show_envvar=True,
              help="The registry STAGED must belong to (refused if it is staged elsewhere).")
@signing_options
def approve(staged: Path, registry: Path | None, signing: SigningOptions) -> None:
    """Four eyes: approve the staged version STAGED (what 'publish --prepare' printed) with
    your approver key. The files are checked against the staged digest first."""
    from cplkit.app.four_eyes import approve as run_approve
    from cplkit.app.four_eyes import read_staged, summary_of
    from cplkit.app.policy import approve_proposal, is_proposal

    signer = signing.required("an approval is a signature")
    if is_proposal(staged):
        from cplkit.app.policy import proposal_changes

        # whoever signs sees what they sign: the change, against the policy in force
        for line in proposal_changes(staged, registry):
            click.echo(one_line(line))
        path = approve_proposal(staged, signer, registry, now=reference_time())
        click.echo(f"approved the policy change {staged.name} as {one_line(signer.subject)}: "
                   f"{path}")
        return
    # whoever signs sees what they sign first, and signs only the content they were shown
    shown = read_staged(staged)
    _show_summary(summary_of(shown))
    path = run_approve(staged, signer, registry, digest=shown.digest, now=reference_time())
    click.echo(f"approved version {shown.version} (digest {shown.digest}) as "
               f"{one_line(signer.subject)}: {one_line(path)}")


def _show_summary(summary: dict[str, Any] | None) -> None:
    """A staged version's summary, as approvers see it (none: staged by an older cplkit)."""
    from cplkit.render.four_eyes_summary import render_summary

    click.echo(render_summary(summary) if summary is not None else
               "(no summary was staged with this version: read its files before you approve)")


@click.group()
def staged() -> None:
    """Four eyes: versions prepared for approval ('publish --prepare')."""


@staged.command(name="show")
@click.argument("folder", metavar="STAGED", type=click.Path(path_type=Path, file_okay=False))
@click.option("--registry", "-r", "registry", type=click.Path(path_type=Path, file_okay=False),
              envvar="CPLKIT_REGISTRY", show_envvar=True,
              help="The registry STAGED must belong to (refused if it is staged elsewhere).")
@_text_or_json
def staged_show(folder: Path, registry: Path | None, fmt: str) -> None:
    """What approving STAGED means: the findings, the diff (added, removed, amended), the
    history line and any rules change, with who has approved it so far. The files are checked
    against the staged digest first."""
    from cplkit.app.four_eyes import show

    view = show(folder, registry)
    made = view.staged
    if fmt == "json":
        click.echo(json.dumps({"staged": str(made.path), "version": made.version,
                               "base": made.base, "digest": made.digest,
                               "approved_by": list(view.approved_by),
                               "required": view.required, "summary": view.summary},
                              indent=1, ensure_ascii=False))
        return
    _show_summary(view.summary)
    who = ", ".join(one_line(name) for name in view.approved_by) or "no one yet"
    click.echo(f"digest: {made.digest}\napproved by: {who} ({len(view.approved_by)} of "
               f"{view.required} needed)")


@click.command()
@registry_option
@click.option("--out", type=click.Path(path_type=Path, file_okay=False), required=True,
              help="The folder to write the site to (replaced if an earlier site is there; "
                   "through a symlink, the folder it points to).")
@click.option("--base-url", default="", metavar="URL",
              help="Where the site will be served, for the feed's links (default: relative).")
def site(registry: Path, out: Path, base_url: str) -> None:
    """Write the registry's website: an index of every version (latest first), each
    version's public files and page, and an Atom feed. The FIR extract is never on it."""
    from cplkit.app.website import build_site

    built = build_site(registry, out, base_url, as_of=today())
    click.echo(f"wrote the site of {plural(built.versions, 'version')} to {built.folder} "
               "(index.html, feed.xml)")


@click.command()
@click.argument("version", required=False)
@registry_option
@click.option("--smtp", required=True, metavar="HOST:PORT", help="The SMTP relay to send by.")
@click.option("--to", "recipients", required=True, multiple=True, metavar="ADDRESS",
              help="A recipient (repeat, or separate with commas).")
@click.option("--from", "sender", required=True, metavar="ADDRESS",
              help="The sender, e.g. 'SECAS <cpl@secas.example>'.")
@click.option("--starttls", is_flag=True,
              help="Upgrade the connection with STARTTLS before sending (port 587).")
@click.option("--tls", is_flag=True, help="TLS from the first byte (port 465).")
@click.option("--user", metavar="NAME",
              help="Log in to the relay as NAME (needs --starttls or --tls); the password is "
                   "read from CPLKIT_SMTP_PASSWORD or --password-file, never given here.")
@click.option("--password-file", type=click.Path(path_type=Path, dir_okay=False),
              help="A file whose first line is the relay password.")
@click.option("--smtp-ca", type=click.Path(path_type=Path, dir_okay=False), metavar="FILE",
              help="Trust the relay's certificate if this CA (PEM) issued it, instead of the "
                   "system's trusted CAs. The host name is verified either way.")
@click.option("--save", type=click.Path(path_type=Path, dir_okay=False), metavar="FILE",
              help="Keep the message as sent (with From, To, Date and Message-ID) in FILE; "
                   "the issued notice is never changed.")
@click.option("--dry-run", is_flag=True,
              help="Print the message that would be sent, and send nothing.")
def notify(version: str | None, registry: Path, smtp: str, recipients: tuple[str, ...],
           sender: str, starttls: bool, tls: bool, user: str | None,
           password_file: Path | None, smtp_ca: Path | None, save: Path | None,
           dry_run: bool) -> None:
    """Send VERSION's notice (the latest by default) to all parties, as issued."""
    import os

    from cplkit.app.notify import Relay, Security, password, relay
    from cplkit.app.notify import notify as send

    if starttls and tls:
        raise UsageError("--starttls and --tls are two ways to encrypt: choose one",
                         hint="--tls for port 465, --starttls for 587")
    host, port = relay(smtp)
    security = Security.TLS if tls else Security.STARTTLS if starttls else Security.PLAIN
    target = Relay(host, port, security, user, password(os.environ, password_file), smtp_ca)
    addresses = tuple(a.strip() for item in recipients for a in item.split(",") if a.strip())
    sent = send(registry, version, target, sender, addresses, dry_run=dry_run, save=save,
                now=reference_time())
    if dry_run:
        click.echo(sent.text, nl=False)
        click.echo(f"dry run: nothing was sent; '{sent.subject}' would go through "
                   f"{sent.relay} to {plural(len(sent.recipients), 'recipient')}", err=True)
        return
    kept = f"; the copy as sent is {save}" if save else ""
    click.echo(f"sent '{sent.subject}' through {sent.relay} to "
               f"{plural(len(sent.recipients), 'recipient')}{kept}")
