"""The ``cplkit`` command line: a thin click layer over the library.

Each command parses its options, calls one library function, renders the result and picks the
exit status (0 no errors, 1 findings that fail the check, 2 usage or data-file error, 3 a file
could not be read at all). Heavy imports happen inside commands so ``cplkit --help`` and a
one-form check start fast. No validation logic lives here.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from pathlib import Path
from typing import Any

import click

from cplkit import __version__
from cplkit.errors import EXIT_FINDINGS, EXIT_OK, EXIT_UNREADABLE, CplkitError, UsageError

#: what a directory given to ``check`` is expanded to (files named directly are read by content)
SUBMISSION_SUFFIXES = (".xlsx", ".xlsm", ".csv")


class _Group(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except CplkitError as exc:
            click.echo(f"cplkit: {exc.message}", err=True)
            if exc.hint:
                click.echo(f"  hint: {exc.hint}", err=True)
            ctx.exit(exc.exit_code)


def _parse_date(_ctx: click.Context, _param: click.Parameter, value: str | None) -> dt.date:
    if value is None:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date in the form YYYY-MM-DD") from None


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="cplkit")
def cli() -> None:
    """Build, check and publish the GB smart metering Central Products List (CPL)."""


def _expand(paths: tuple[Path, ...]) -> list[Path]:
    out: list[Path] = []
    for path in paths:
        if path.is_dir():
            found = sorted(p for p in path.iterdir()
                           if p.is_file() and p.suffix.lower() in SUBMISSION_SUFFIXES
                           and not p.name.startswith((".", "~$")))
            if not found:
                raise UsageError(f"{path} holds no .xlsx, .xlsm or .csv files")
            out.extend(found)
        else:
            out.append(path)
    return out


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--rules", "rules_file", type=click.Path(path_type=Path, dir_okay=False),
              help="Use this ruleset (JSON) instead of the bundled one.")
@click.option("--as-of", "as_of", callback=_parse_date, metavar="YYYY-MM-DD",
              help="Apply date rules as of this day (default: today).")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "junit", "html"]),
              default="text", show_default=True,
              help="Report format (html: a page with each finding next to its cell).")
@click.option("--output", "-o", type=click.Path(path_type=Path, dir_okay=False),
              help="Write the report to this file instead of standard output.")
@click.option("--strict", is_flag=True, help="Fail (exit 1) on warnings too.")
@click.option("--sheet", help="Read this sheet of a workbook instead of picking one by content.")
def check(files: tuple[Path, ...], rules_file: Path | None, as_of: dt.date, fmt: str,
          output: Path | None, strict: bool, sheet: str | None) -> None:
    """Check CPL submission files (.xlsx, .xlsm, .csv) and report every problem at once.

    FILES may name files or directories (every .xlsx, .xlsm and .csv inside). Exit status:
    0 no errors, 1 errors found (or warnings with --strict), 2 usage error, 3 a file could not
    be read at all.
    """
    from cplkit.check import check_files
    from cplkit.io import reports
    from cplkit.io.rulesets import load_ruleset

    ruleset = load_ruleset(rules_file)
    report = check_files(_expand(files), ruleset, as_of, sheet=sheet)
    if fmt == "json":
        text = reports.render_json(report)
    elif fmt == "junit":
        text = reports.render_junit(report)
    elif fmt == "html":
        from cplkit.io.html import report_page

        text = report_page(report).decode("utf-8")
    else:
        coloured = output is None and sys.stdout.isatty()
        text = reports.render_text(report, click.style if coloured else reports.plain)
    _emit(text, output)
    if report.unreadable:
        sys.exit(EXIT_UNREADABLE)
    if report.errors or (strict and report.warnings):
        sys.exit(EXIT_FINDINGS)
    sys.exit(EXIT_OK)


def _emit(text: str, output: Path | None) -> None:
    if output is None:
        click.echo(text, nl=False)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot write {output}: {exc.strerror or exc}") from exc


@cli.command()
@click.option("--check", "check_file", type=click.Path(path_type=Path, dir_okay=False),
              help="Validate this edited ruleset instead of printing the bundled one.")
def rules(check_file: Path | None) -> None:
    """Print the bundled ruleset (JSON), or validate an edited copy with --check."""
    from cplkit.io.rulesets import bundled_text, load_ruleset

    if check_file is None:
        load_ruleset()  # never print a bundled ruleset that would not load
        click.echo(bundled_text(), nl=False)
        return
    ruleset = load_ruleset(check_file)
    click.echo(f"{check_file}: valid ruleset '{ruleset.id}': {len(ruleset.fields)} fields, "
               f"{len(ruleset.device_types)} device types, "
               f"{len(ruleset.combinations)} Device Level Versioning rows")


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["text", "markdown"]), default="text",
              show_default=True)
def codes(fmt: str) -> None:
    """List every finding code with its severity and meaning."""
    from cplkit.io.catalogue import render_codes

    click.echo(render_codes(fmt), nl=False)


TEMPLATES = {
    "form": "cpl-new-entry.xlsx",
    "bulk": "cpl-bulk.xlsx",
    "removals": "cpl-removals.csv",
    "certificate-updates": "cpl-certificate-updates.csv",
}


@cli.command()
@click.option("--bulk", "kind", flag_value="bulk", help="A one-entry-per-row submission sheet.")
@click.option("--removals", "kind", flag_value="removals", help="A removals change file (CSV).")
@click.option("--certificate-updates", "kind", flag_value="certificate-updates",
              help="A certificate updates change file (CSV).")
@click.option("--csv", "as_csv", is_flag=True, help="With --bulk: a CSV file instead of .xlsx.")
@click.option("--rules", "rules_file", type=click.Path(path_type=Path, dir_okay=False),
              help="Build it from this ruleset instead of the bundled one.")
@click.option("--output", "-o", type=click.Path(path_type=Path, dir_okay=False),
              help="Where to write it (default: " + ", ".join(TEMPLATES.values()) + ").")
def template(kind: str | None, as_csv: bool, rules_file: Path | None,
             output: Path | None) -> None:
    """Write a blank file to fill in: the New Entry form (default), a bulk submission sheet, or
    a removals or certificate updates change file for 'cplkit publish'."""
    from cplkit.io.changefiles import REMOVAL_COLUMNS, UPDATE_COLUMNS
    from cplkit.io.listing import to_csv
    from cplkit.io.rulesets import load_ruleset
    from cplkit.io.xlsx_write import write_bulk_table, write_new_entry_form

    kind = kind or "form"
    if as_csv and kind != "bulk":
        raise UsageError("--csv goes with --bulk")
    default = TEMPLATES[kind].replace(".xlsx", ".csv") if as_csv else TEMPLATES[kind]
    path = output or Path(default)
    if path.exists():
        raise UsageError(f"{path} exists already; cplkit never overwrites it",
                         hint="name another file with --output")
    ruleset = load_ruleset(rules_file)
    try:
        if kind == "bulk":
            write_bulk_table(path, ruleset, [])
        elif kind == "form":
            write_new_entry_form(path, ruleset)
        else:
            columns = REMOVAL_COLUMNS if kind == "removals" else UPDATE_COLUMNS
            path.write_text(to_csv([list(columns)]), encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from exc
    then = "cplkit check" if kind in ("form", "bulk") else "cplkit publish -r REGISTRY --dry-run"
    click.echo(f"wrote {path}; fill it in, then run: {then} {path}")


# -- the master list -------------------------------------------------------------------------

registry_option = click.option(
    "--registry", "-r", "registry", type=click.Path(path_type=Path, file_okay=False),
    required=True, envvar="CPLKIT_REGISTRY", show_envvar=True,
    help="The registry directory holding every issued version.")
def signing_options(fn: Any) -> Any:
    """--key, --cert, --chain and --passphrase-env: who signs the version."""
    options = [
        click.option("--key", type=click.Path(path_type=Path, dir_okay=False),
                      envvar="CPLKIT_KEY", show_envvar=True,
                      help="Signing key: PEM (encrypted or not) or PKCS#12."),
        click.option("--cert", type=click.Path(path_type=Path, dir_okay=False),
                     envvar="CPLKIT_CERT", show_envvar=True,
                     help="The key's X.509 certificate (PEM); taken from a PKCS#12 key if "
                          "omitted."),
        click.option("--chain", type=click.Path(path_type=Path, dir_okay=False),
                     envvar="CPLKIT_CHAIN", help="Intermediate certificates (PEM bundle)."),
        click.option("--passphrase-env", metavar="VAR",
                     help="Name of the environment variable holding the key's passphrase "
                          "(otherwise asked for when needed)."),
    ]
    for option in reversed(options):
        fn = option(fn)
    return fn


def _identity(key: Path | None, cert: Path | None, chain: Path | None,
              passphrase_env: str | None) -> Any:
    from cplkit.errors import SigningError
    from cplkit.io.signing import load_identity

    if key is None:
        return None
    passphrase: bytes | None = None
    if passphrase_env:
        value = os.environ.get(passphrase_env)
        if value is None:
            raise UsageError(f"--passphrase-env names {passphrase_env}, which is not set")
        passphrase = value.encode()
    try:
        return load_identity(key, cert, chain, passphrase)
    except SigningError as exc:
        if passphrase is None and "no passphrase" in exc.message and sys.stdin.isatty():
            typed = click.prompt(f"Passphrase for {key}", hide_input=True, err=True)
            return load_identity(key, cert, chain, typed.encode())
        raise


list_format = click.option("--format", "fmt", type=click.Choice(["text", "json", "csv"]),
                           default="text", show_default=True)


def _registry(path: Path) -> Any:
    from cplkit.io.registry import Registry

    return Registry(path)


@cli.command()
@registry_option
@click.option("--cert", type=click.Path(path_type=Path, dir_okay=False), envvar="CPLKIT_CERT",
              show_envvar=True, help="The signing certificate to trust from the start.")
def init(registry: Path, cert: Path | None) -> None:
    """Start an empty registry (the first publish issues version 1.0)."""
    from cplkit.io.signing import load_certificates
    from cplkit.master import init_registry

    certificate = None
    if cert is not None:
        certificate = load_certificates(cert.read_bytes(), str(cert))[0]
    init_registry(registry, certificate)
    trusted = f", trusting {certificate.subject.rfc4514_string()}" if certificate else \
        " (no signing certificate trusted yet: cplkit trust add CERT)"
    click.echo(f"created an empty registry at {registry}{trusted}")


@cli.command(name="import")
@click.argument("workbook", type=click.Path(path_type=Path, dir_okay=False))
@registry_option
@click.option("--rules", "rules_file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--report", "report_path", type=click.Path(path_type=Path, dir_okay=False),
              help="Write every import finding to this file (JSON, as check --format json).")
@signing_options
def import_(workbook: Path, registry: Path, rules_file: Path | None,
            report_path: Path | None, key: Path | None, cert: Path | None, chain: Path | None,
            passphrase_env: str | None) -> None:
    """Build a new registry from a CPL workbook as SECAS publishes it.

    Every entry and history line is kept; values no rule accepts are kept as SECAS issued them
    and listed. An existing registry is never overwritten. The imported version gets its own
    signed DCC file, and the signing certificate becomes the registry's trusted one.
    """
    from cplkit.core.findings import FileReport, Report, count_by_code
    from cplkit.io import reports
    from cplkit.io.rulesets import load_ruleset
    from cplkit.master import import_workbook

    identity = _identity(key, cert, chain, passphrase_env)
    if identity is None:
        raise UsageError("the imported version is signed: give --key and --cert",
                         hint="try it out with a throwaway key: cplkit keygen --out keys/")
    outcome = import_workbook(workbook, registry, load_ruleset(rules_file), identity)
    version = outcome.version.version
    current = sum(1 for e in version.entries if e.status == "Current")
    history = len(version.prior_history) + 1
    click.echo(f"imported {version.label}: {len(version.entries)} entries ({current} Current, "
               f"{len(version.entries) - current} other), {history} history lines, into "
               f"{registry}")
    counts = count_by_code(outcome.findings)
    if counts:
        click.echo("import report: " + ", ".join(f"{n} {c}" for c, n in sorted(counts.items()))
                   + (f" (details in {report_path})" if report_path else
                      " (--report FILE for every one)"))
    if report_path:
        report = Report((FileReport(str(workbook), "central-products-list",
                                    len(version.entries), outcome.findings),),
                        version.issue_date.isoformat(), "import")
        _emit(reports.render_json(report), report_path)


@cli.command()
@click.argument("changes", nargs=-1, required=True,
                type=click.Path(path_type=Path, dir_okay=False))
@registry_option
@click.option("--as-of", "as_of", callback=_parse_date, metavar="YYYY-MM-DD",
              help="Issue date of the new version, and the date rules apply (default: today).")
@click.option("--dry-run", is_flag=True, help="Show the diff and history line; write nothing.")
@click.option("--base", metavar="VERSION",
              help="Refuse unless VERSION is still the latest (the one the changes were "
                   "reviewed against, e.g. in a dry run).")
@click.option("--rules", "rules_file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@signing_options
def publish(changes: tuple[Path, ...], registry: Path, as_of: dt.date, dry_run: bool,
            base: str | None, rules_file: Path | None, fmt: str, key: Path | None,
            cert: Path | None, chain: Path | None, passphrase_env: str | None) -> None:
    """Check CHANGES (submissions, removals, certificate updates) and issue the next version.

    Any error: nothing is written (exit 1). Exit 4: the registry is damaged; exit 5: another
    publish holds it, or --base is no longer the latest; exit 6: the key cannot sign (not
    trusted by the registry, wrong passphrase...). The version is signed (--key, --cert) and its
    signed files are verified before it becomes visible.
    """
    import json

    from cplkit.io import listing, reports
    from cplkit.io.rulesets import load_ruleset
    from cplkit.master import publish as run_publish

    identity = None if dry_run else _identity(key, cert, chain, passphrase_env)
    outcome = run_publish(registry, list(changes), load_ruleset(rules_file), as_of, identity,
                          base=base, dry_run=dry_run)
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
                f"  {line}\n" for line in version.changes.splitlines()))
            if outcome.diff is not None:
                click.echo(listing.render_diff(outcome.diff, "text"), nl=False)
        else:
            click.echo("nothing was written")
    if outcome.report.unreadable:
        sys.exit(EXIT_UNREADABLE)
    sys.exit(EXIT_OK if outcome.ok else EXIT_FINDINGS)


@cli.command()
@registry_option
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
def history(registry: Path, fmt: str) -> None:
    """Every version issued, oldest first, with its date and changes."""
    from cplkit.io.listing import render_history

    click.echo(render_history(_registry(registry).history(), fmt), nl=False)


@cli.command()
@click.argument("entry")
@registry_option
@click.option("--version", "version", metavar="VERSION", help="As of this version.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
def show(entry: str, registry: Path, version: str | None, fmt: str) -> None:
    """One entry with every field; ENTRY is its number (000733 or 733)."""
    from cplkit.io.listing import render_entry

    stored = _registry(registry).read(version)
    number = entry.zfill(6) if entry.isdigit() else entry
    found = stored.version.by_number().get(number)
    if found is None:
        raise UsageError(f"there is no entry {number} in version {stored.version.number}")
    click.echo(render_entry(found, fmt), nl=False)


@cli.command(name="list")
@registry_option
@click.option("--version", "version", metavar="VERSION", help="As of this version.")
@click.option("--manufacturer", help="Manufacturer identifier (10:6C) or creator name.")
@click.option("--device-type", help="Device type, or a part of it (e.g. 'hub').")
@click.option("--status", type=click.Choice(["Current", "Removed"], case_sensitive=False))
@list_format
def list_(registry: Path, version: str | None, manufacturer: str | None,
          device_type: str | None, status: str | None, fmt: str) -> None:
    """The entries of the latest (or a given) version, filtered."""
    from cplkit.core import model as m
    from cplkit.io.listing import render_entries

    entries = _registry(registry).read(version).version.entries

    def keep(e: m.Entry) -> bool:
        if status and (e.status or "").lower() != status.lower():
            return False
        if device_type and device_type.lower() not in (e.device_type or "").lower():
            return False
        if manufacturer:
            wanted = manufacturer.replace(":", "").upper()
            ident = (e.text(m.MANUFACTURER_ID) or "").replace(":", "")
            creator = (e.text(m.IMAGE_CREATOR) or "").lower()
            if ident != wanted and manufacturer.lower() not in creator:
                return False
        return True

    click.echo(render_entries([e for e in entries if keep(e)], fmt), nl=False)


@cli.command(name="diff")
@click.argument("old")
@click.argument("new")
@registry_option
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
def diff_(old: str, new: str, registry: Path, fmt: str) -> None:
    """What changed from version OLD to version NEW: added, removed, amended field by field."""
    from cplkit.core.diff import diff
    from cplkit.io.listing import render_diff

    reg = _registry(registry)
    head = reg.head()
    click.echo(render_diff(diff(reg.read(old, head=head).version,
                                reg.read(new, head=head).version), fmt), nl=False)


@cli.command()
@registry_option
@click.option("--as-of", "as_of", callback=_parse_date, metavar="YYYY-MM-DD")
@click.option("--within", "within", type=click.IntRange(0, 3650), default=90, show_default=True,
              metavar="DAYS", help="Also report dates falling within this many days.")
@click.option("--rules", "rules_file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--propose-removals", "proposal", type=click.Path(path_type=Path, dir_okay=False),
              help="Write a removal change file for the entries past their date.")
@list_format
def audit(registry: Path, as_of: dt.date, within: int, rules_file: Path | None,
          proposal: Path | None, fmt: str) -> None:
    """Current entries whose CPA certificate date or maintenance end has passed or is near."""
    from cplkit.core.audit import audit as run_audit
    from cplkit.core.audit import proposed_removals
    from cplkit.io.changefiles import REMOVAL_COLUMNS
    from cplkit.io.listing import render_audit, to_csv
    from cplkit.io.rulesets import load_ruleset

    version = _registry(registry).read().version
    items = run_audit(version, load_ruleset(rules_file), as_of, within)
    click.echo(render_audit(items, fmt, as_of), nl=False)
    if proposal is not None:
        rows = proposed_removals(items)
        if proposal.exists():
            raise UsageError(f"{proposal} exists already; cplkit never overwrites it")
        _emit(to_csv([list(REMOVAL_COLUMNS), *([n, why, ""] for n, why in rows)]), proposal)
        click.echo(f"wrote {len(rows)} proposed removal(s) to {proposal}; the Security "
                   "Sub-Committee fills in the decision column before it is published",
                   err=True)


# -- signing and verification ----------------------------------------------------------------


@cli.command()
@click.option("--out", type=click.Path(path_type=Path, file_okay=False), required=True,
              help="Directory to write key.pem and cert.pem into (created if needed).")
@click.option("--days", type=click.IntRange(1, 3650), default=365, show_default=True)
def keygen(out: Path, days: int) -> None:
    """Make a THROWAWAY P-256 key and self-signed certificate, for trying cplkit out only."""
    from cplkit.io.signing import generate_throwaway

    out.mkdir(parents=True, exist_ok=True)
    key_path, cert_path = out / "key.pem", out / "cert.pem"
    for path in (key_path, cert_path):
        if path.exists():
            raise UsageError(f"{path} exists already; cplkit never overwrites a key")
    key, cert = generate_throwaway(days)
    descriptor = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as stream:
        stream.write(key)
    cert_path.write_bytes(cert)
    click.echo(f"wrote {key_path} and {cert_path}")
    click.echo("THROWAWAY KEY, NOT FOR PRODUCTION: the key is unencrypted and the certificate "
               "self-signed. Sign real CPL versions only with SECAS's organisation key.",
               err=True)


@cli.command()
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--trust", "trust_file", type=click.Path(path_type=Path, dir_okay=False),
              required=True, help="The certificate(s) to trust (PEM bundle); nothing else is.")
@click.option("--previous", type=click.Path(path_type=Path, dir_okay=False),
              help="The previous version's DCC file: FILE must be exactly the next version "
                   "and name this one's SHA-256.")
@click.option("--at", "at", metavar="YYYY-MM-DD", help="Check certificate validity on this day "
              "(default: the file's issue date, or the CMS signing time).")
@click.option("--signature", type=click.Path(path_type=Path, dir_okay=False),
              help="For a CSV extract: its detached CMS signature (default: FILE.p7s).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
def verify(file: Path, trust_file: Path, previous: Path | None, at: str | None,
           signature: Path | None, fmt: str) -> None:
    """Verify a signed DCC file (XML), CSV extract or manifest, trusting only --trust.

    A manifest is checked with every file it lists, found beside it.

    Exit status: 0 valid; 10 not well-formed or a DTD/entities; 11 not a CPL file (schema);
    12 signature missing, repeated, moved or partial; 13 signature does not match (changed);
    14 untrusted signer; 15 algorithm refused (SHA-1...); 16 certificate not valid then;
    17 not the version after --previous; 2 usage; 3 a file cannot be read.
    """
    import json

    from cplkit.errors import InputFileError
    from cplkit.io.signing import load_certificates
    from cplkit.io.verify import check_chain, verify_csv, verify_dcc, verify_manifest

    def read(path: Path) -> bytes:
        try:
            return path.read_bytes()
        except OSError as exc:
            raise InputFileError(f"cannot read {path}: {exc.strerror or exc}") from None

    day = _parse_date(click.get_current_context(), click.Option(["--at"]), at) if at else None
    try:
        trusted = load_certificates(read(trust_file), str(trust_file))
    except CplkitError as exc:  # a --trust file that is not a certificate is a usage error
        raise UsageError(exc.message, hint=exc.hint) from None
    data = read(file)
    is_xml = data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<")
    if is_xml and b"urn:cplkit:manifest:1" in data[:2000]:
        result = verify_manifest(data, file.parent, trusted, at=day)
        summary = {"file": str(file), "kind": "manifest", "valid": True, "label": result.label,
                   "files": result.rows, "signer": result.signer_name, "sha256": result.sha256}
        text = (f"{file}: valid manifest of {result.label}: all {result.rows} files match, "
                f"signed by {result.signer_name}")
    elif is_xml:
        result = verify_dcc(data, trusted, at=day)
        if previous is not None:
            check_chain(result, verify_dcc(read(previous), trusted))
        content = result.content
        assert content is not None
        summary = {"file": str(file), "kind": "dcc-xml", "valid": True,
                   "version": str(content.number), "label": content.label,
                   "issue_date": content.issue_date.isoformat(), "entries": len(content.entries),
                   "previous": content.previous[0] if content.previous else None,
                   "chain_checked": previous is not None, "signer": result.signer_name,
                   "sha256": result.sha256}
        text = (f"{file}: valid, {content.label}, {len(content.entries)} entries, signed by "
                f"{result.signer_name}"
                + (f"; follows {previous}" if previous else ""))
    else:
        signature = signature or file.with_name(file.name + ".p7s")
        result = verify_csv(data, read(signature), trusted, at=day)
        summary = {"file": str(file), "kind": "csv-extract", "valid": True,
                   "label": result.label, "rows": result.rows, "signer": result.signer_name,
                   "sha256": result.sha256}
        text = (f"{file}: valid CSV extract, {result.label}, {result.rows} rows, signed by "
                f"{result.signer_name} ({signature})")
    click.echo(json.dumps(summary, indent=1) if fmt == "json" else text)


@cli.group()
def trust() -> None:
    """The signing certificates a registry trusts (key rotation is an explicit act)."""


@trust.command(name="add")
@click.argument("cert", type=click.Path(path_type=Path, dir_okay=False))
@registry_option
@click.option("--reason", required=True, help="Why: recorded with the certificate.")
def trust_add(cert: Path, registry: Path, reason: str) -> None:
    """Trust CERT to sign the registry's next versions."""
    from cplkit.io.signing import fingerprint, load_certificates
    from cplkit.master import trust_certificate

    certificate = load_certificates(cert.read_bytes(), str(cert))[0]
    added = trust_certificate(_registry(registry), certificate, reason)
    click.echo(("now trusting " if added else "already trusted: ") +
               f"{certificate.subject.rfc4514_string()} (SHA-256 {fingerprint(certificate)})")


@trust.command(name="list")
@registry_option
def trust_list(registry: Path) -> None:
    """The trusted signing certificates, oldest first."""
    for record in _registry(registry).trusted():
        click.echo(f"{record.added}  {record.sha256}  {record.subject}  ({record.reason})")


@cli.command()
@click.option("--out", type=click.Path(path_type=Path, file_okay=False),
              help="Keep everything here (default: a new temporary directory).")
def demo(out: Path | None) -> None:
    """The whole main job on the bundled samples, with a throwaway key: check the submissions,
    publish two signed versions, verify them, and show where everything is."""
    from cplkit.demo import run_demo

    run_demo(out, click.echo)


def main() -> None:
    cli(prog_name="cplkit")
