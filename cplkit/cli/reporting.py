"""Commands for what SECAS and the Security Sub-Committee report: ``report`` (a regulatory
year's statistics, the list's proliferation) and ``certificates`` (withdrawn certificates).

Each parses its options, calls one use case and renders what it returns. Exit statuses are
the errors' own: 2 a bad option, 4 a missing or damaged registry, and for ``certificates
withdraw`` and ``unwithdraw`` 5 the registry busy, 6 no trusted key to sign with and 8, under four
eyes, a key that is neither an approver nor a signer. No counting happens here.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import click

from cplkit.cli.common import (
    SigningOptions,
    emit,
    parse_date,
    reference_time,
    registry_option,
    signing_options,
    staged_policy_message,
)
from cplkit.errors import UsageError
from cplkit.render.escape import one_line


def _year(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    if value is None:
        return None
    from cplkit.core.tallies import RegulatoryYear

    try:
        RegulatoryYear.parse(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None
    return value


@click.command()
@registry_option
@click.option("--year", callback=_year, metavar="YYYY-YY",
              help="The regulatory year (1 April to 31 March), e.g. 2021-22 (default: the one "
                   "--as-of falls in).")
@click.option("--as-of", "as_of", callback=parse_date, metavar="YYYY-MM-DD",
              help="The reference date that picks the default year (default: today).")
@click.option("--proliferation", is_flag=True,
              help="Current entries per manufacturer, device type and Device Model, with each "
                   "model's firmware versions, instead of the year's figures.")
@click.option("--version", "version", metavar="VERSION",
              help="With --proliferation: as of this version (default: the latest).")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "csv"]), default="text",
              show_default=True)
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False),
              help="Write the report to this file instead of printing it.")
def report(registry: Path, year: str | None, as_of: dt.date, proliferation: bool,
           version: str | None, fmt: str, out: Path | None) -> None:
    """The figures SECAS reports: per regulatory year, the versions issued, Device Models
    added (SMETS1 and SMETS2+), removed, reinstated and corrected, and certificate updates,
    with the versions that made each; or (--proliferation) the Current entries per
    manufacturer, device type and Device Model. An imported registry's past years are read
    from SECAS's history as imported."""
    from cplkit.app import figures
    from cplkit.core.tallies import RegulatoryYear
    from cplkit.render import tally

    if proliferation:
        if year is not None:
            raise UsageError("--proliferation counts one version's Current entries; it takes "
                             "--version, not --year")
        counted, companies = figures.proliferation(registry, version)
        emit(tally.render_proliferation(counted, companies, fmt), out)
        return
    if version is not None:
        raise UsageError("--version goes with --proliferation; a year's figures are read up "
                         "to the latest version")
    chosen = RegulatoryYear.parse(year) if year else figures.default_year(as_of)
    made = figures.year_report(registry, chosen)
    emit(tally.render_year(made.figures, made.latest, fmt), out)


@click.group()
def certificates() -> None:
    """Certificates withdrawn (by NCSC, or the DLMS or ZSE body): recorded in the registry's
    signed policy, listed by 'audit' and refused to new listings by 'check -r' and 'publish'."""


@certificates.command(name="withdraw")
@click.argument("certificate")
@registry_option
@click.option("--reason", required=True, help="Why, e.g. NCSC's notice: recorded with it.")
@click.option("--on", "on", callback=parse_date, metavar="YYYY-MM-DD",
              help="The day the certificate was withdrawn (default: today).")
@click.option("--kind", type=click.Choice(["cpa", "dlms", "zse"]), default="cpa",
              show_default=True, help="Which certificate id CERTIFICATE is.")
@signing_options
def certificates_withdraw(certificate: str, registry: Path, reason: str, on: dt.date,
                          kind: str, signing: SigningOptions) -> None:
    """Record that CERTIFICATE was withdrawn (a CPA id may be given with or without its '[E] '
    or '[R] ' prefix). From that day 'audit' lists the Current entries under it (and
    --propose-removals proposes them), and 'check -r' and 'publish' refuse a change that lists
    an entry under it (CPL-M09). The record is part of the registry's signed policy: a key
    the registry trusts signs it (under four eyes, it is staged for approval)."""
    from cplkit.app.withdrawals import withdraw
    from cplkit.core.withdrawn import CertificateKind

    signer = signing.required("a withdrawal is part of the signed policy")
    made, changed = withdraw(registry, certificate, CertificateKind(kind), reason, on, signer,
                             now=reference_time())
    if made is None:
        click.echo("the certificate is recorded as withdrawn already; nothing changed")
    elif changed.staged is not None:
        click.echo(staged_policy_message(changed.staged, registry))
    else:
        click.echo(f"recorded: {made.kind.label} certificate {one_line(made.certificate)} "
                   f"withdrawn on {made.on:%d/%m/%Y}; 'cplkit audit -r {registry}' lists the "
                   "entries under it")


@certificates.command(name="unwithdraw")
@click.argument("certificate")
@registry_option
@click.option("--reason", required=True,
              help="Why, e.g. 'recorded by mistake' or the issuer's notice: recorded with it.")
@click.option("--kind", type=click.Choice(["cpa", "dlms", "zse"]), default="cpa",
              show_default=True, help="Which certificate id CERTIFICATE is.")
@signing_options
def certificates_unwithdraw(certificate: str, registry: Path, reason: str, kind: str,
                           signing: SigningOptions) -> None:
    """Take back the withdrawal recorded of CERTIFICATE (recorded by mistake, or the
    certificate restored by its issuer): 'audit', 'check -r' and 'publish' treat it as any
    other certificate again (this is not an entry's reinstatement, which a publish makes). A
    signed change of the policy like the withdrawal, which the policy's chain keeps (under
    four eyes, it is staged for approval)."""
    from cplkit.app.withdrawals import take_back
    from cplkit.core.withdrawn import CertificateKind

    signer = signing.required("taking back a withdrawal is part of the signed policy")
    taken, changed = take_back(registry, certificate, CertificateKind(kind), reason, signer,
                               now=reference_time())
    if changed.staged is not None:
        click.echo(staged_policy_message(changed.staged, registry))
    else:
        click.echo(f"taken back: the withdrawal of {taken.kind.label} certificate "
                   f"{one_line(taken.certificate)} (withdrawn on {taken.on:%d/%m/%Y})")


@certificates.command(name="list")
@registry_option
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
def certificates_list(registry: Path, fmt: str) -> None:
    """Every certificate recorded as withdrawn, oldest first, with the Current entries of the
    latest version under it."""
    from cplkit.app.withdrawals import recorded

    found = recorded(registry)
    if fmt == "json":
        click.echo(json.dumps([{"kind": r.withdrawal.kind.value,
                                "certificate": r.withdrawal.certificate,
                                "on": r.withdrawal.on.isoformat(),
                                "reason": r.withdrawal.reason,
                                "recorded": r.withdrawal.recorded,
                                "current_entries": list(r.entries)} for r in found],
                              indent=1, ensure_ascii=False))
        return
    for r in found:
        w = r.withdrawal
        under = " ".join(r.entries) if r.entries else "none"
        click.echo(f"{w.kind.label} {one_line(w.certificate)}  withdrawn {w.on:%d/%m/%Y}  "
                   f"({one_line(w.reason)}); Current entries under it: {one_line(under)}")
    click.echo(f"{len(found)} certificate{'' if len(found) == 1 else 's'} recorded as "
               "withdrawn")
