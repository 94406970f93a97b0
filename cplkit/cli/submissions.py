"""Commands for submissions: ``check``, ``template``, ``rules`` and ``codes``.

Each parses its options, calls one use case, renders the result and picks the exit status
(0 no errors, 1 findings that fail the check, 2 usage or data-file error, 3 a file could not be
read at all). Heavy imports happen inside commands so a one-form check starts fast.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from pathlib import Path

import click

from cplkit.cli.common import emit, parse_date, rules_option
from cplkit.errors import EXIT_FINDINGS, EXIT_OK, EXIT_UNREADABLE, UsageError

#: what a directory given to ``check`` is expanded to (files named directly are read by content)
SUBMISSION_SUFFIXES = (".xlsx", ".xlsm", ".csv")


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


@click.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@rules_option()
@click.option("--as-of", "as_of", callback=parse_date, metavar="YYYY-MM-DD",
              help="Apply date rules as of this day (default: today).")
@click.option("--format", "fmt",
              type=click.Choice(["text", "json", "junit", "html", "github", "sarif"]),
              default="text", show_default=True,
              help="Report format (html: a page with each finding next to its cell; github: "
                   "annotations, plus a summary in $GITHUB_STEP_SUMMARY; sarif: SARIF 2.1.0).")
@click.option("--output", "-o", type=click.Path(path_type=Path, dir_okay=False),
              help="Write the report to this file instead of standard output.")
@click.option("--strict", is_flag=True, help="Fail (exit 1) on warnings too.")
@click.option("--sheet", help="Read this sheet of a workbook instead of picking one by content.")
@click.option("--max-findings", type=click.IntRange(0), metavar="N",
              help="Show at most N findings per file (errors first) and say how many more; "
                   "the counts and the exit status stay whole.")
@click.option("--rules-of", "rules_of", metavar="VERSION",
              help="Check with the rules version VERSION of the registry was issued under "
                   "(and not against its list).")
@click.option("--registry", "-r", "registry", type=click.Path(path_type=Path, file_okay=False),
              envvar="CPLKIT_REGISTRY",
              help="Check as 'publish' would: with the rules of this registry's latest version "
                   "(unless --rules), and against its list (the CPL-M checks).")
def check(files: tuple[Path, ...], rules_file: Path | None, as_of: dt.date, fmt: str,
          output: Path | None, strict: bool, sheet: str | None,
          max_findings: int | None, rules_of: str | None, registry: Path | None) -> None:
    """Check CPL submission files (.xlsx, .xlsm, .csv) and change files (removals,
    reinstatements, corrections, renames, certificate updates) and report every problem at once.

    FILES may name files or directories (every .xlsx, .xlsm and .csv inside). Without a
    registry, a listing submitted twice (in one file or across FILES) is found too; with
    --registry, the files are checked as 'publish --dry-run' checks them: the rules of its
    latest version, then against its list. Exit status: 0 no errors, 1 errors found (or
    warnings with --strict), 2 usage error, 3 a file could not be read at all.
    """
    from cplkit.app.check import check_for_review
    from cplkit.app.ruleset_sources import ruleset_from
    from cplkit.render import reports

    paths = _expand(files)
    show = fmt == "html"
    if rules_of is not None:
        from cplkit.app.ruleset_sources import rules_of as stored

        if rules_file is not None or registry is None:
            raise UsageError("--rules-of needs --registry (or CPLKIT_REGISTRY), and no --rules")
        reviewed = check_for_review(paths, stored(registry, rules_of), as_of, sheet=sheet,
                                    show=show)
        whole, shown = reviewed.report, reviewed.entries
    elif registry is not None:
        from cplkit.app.publish import preflight

        if sheet is not None:
            raise UsageError("--sheet picks a sheet of a submission; with --registry every file "
                             "is read as the publish reads it",
                             hint="leave out --sheet, or check without --registry")
        checked = preflight(registry, paths, ruleset_from(rules_file) if rules_file else None,
                            as_of, show=show)
        whole, shown = checked.outcome.report, checked.shown
    else:
        reviewed = check_for_review(paths, ruleset_from(rules_file), as_of, sheet=sheet,
                                    show=show)
        whole, shown = reviewed.report, reviewed.entries
    report = whole.capped(max_findings)
    if fmt == "json":
        text = reports.render_json(report)
    elif fmt == "junit":
        text = reports.render_junit(report, strict=strict)
    elif fmt in ("github", "sarif"):
        from cplkit.render import ci

        text = ci.render_github(report) if fmt == "github" else ci.render_sarif(report)
        summary = os.environ.get("GITHUB_STEP_SUMMARY")
        if fmt == "github" and summary:
            with Path(summary).open("a", encoding="utf-8") as stream:
                stream.write(ci.render_github_summary(report))
    elif fmt == "html":
        from cplkit.render.html_report import report_page

        text = report_page(report, shown).decode("utf-8")
    else:
        coloured = output is None and sys.stdout.isatty()
        text = reports.render_text(report, click.style if coloured else reports.plain)
    emit(text, output, inputs=tuple(paths))
    if whole.unreadable:
        sys.exit(EXIT_UNREADABLE)
    if whole.errors or (strict and whole.warnings):
        sys.exit(EXIT_FINDINGS)
    sys.exit(EXIT_OK)


@click.command()
@click.option("--check", "check_file", type=click.Path(path_type=Path, dir_okay=False),
              help="Validate this edited ruleset instead of printing the bundled one.")
def rules(check_file: Path | None) -> None:
    """Print the bundled ruleset (JSON), or validate an edited copy with --check."""
    from cplkit.app.ruleset_sources import bundled_ruleset, ruleset_from

    if check_file is None:
        click.echo(bundled_ruleset(), nl=False)
        return
    from cplkit.app.ruleset_sources import edited_keeping_id

    ruleset = ruleset_from(check_file)
    click.echo(f"{check_file}: valid ruleset '{ruleset.id}': {len(ruleset.fields)} fields, "
               f"{len(ruleset.device_types)} device types, "
               f"{len(ruleset.combinations)} Device Level Versioning rows")
    warning = edited_keeping_id(ruleset)
    if warning is not None:
        click.echo(f"warning: {warning}", err=True)


@click.command()
@click.option("--format", "fmt", type=click.Choice(["text", "markdown"]), default="text",
              show_default=True)
def codes(fmt: str) -> None:
    """List every finding code with its severity and meaning."""
    from cplkit.render.catalogue import render_codes

    click.echo(render_codes(fmt), nl=False)


@click.command()
@click.option("--bulk", is_flag=True, help="A one-entry-per-row submission sheet.")
@click.option("--removals", is_flag=True, help="A removals change file (CSV).")
@click.option("--certificate-updates", "updates", is_flag=True,
              help="A certificate updates change file (CSV).")
@click.option("--reinstatements", is_flag=True,
              help="A change file making Removed entries Current again (CSV).")
@click.option("--corrections", is_flag=True,
              help="A change file correcting published fields in place (CSV).")
@click.option("--renames", is_flag=True,
              help="A change file renaming a value on every entry that has it (CSV).")
@click.option("--csv", "as_csv", is_flag=True, help="With --bulk: a CSV file instead of .xlsx.")
@rules_option("Build it from this ruleset instead of the bundled one.")
@click.option("--output", "-o", type=click.Path(path_type=Path, dir_okay=False),
              help="Where to write it (default: cpl-new-entry.xlsx, cpl-bulk.xlsx, "
                   "cpl-removals.csv, cpl-certificate-updates.csv, cpl-reinstatements.csv, "
                   "cpl-corrections.csv, cpl-renames.csv).")
def template(bulk: bool, removals: bool, updates: bool, reinstatements: bool, corrections: bool,
             renames: bool, as_csv: bool, rules_file: Path | None, output: Path | None) -> None:
    """Write a blank file to fill in: the New Entry form (default), a bulk submission sheet, or
    a change file for 'cplkit publish' (removals, certificate updates, reinstatements,
    corrections)."""
    from cplkit.app.blank_files import Template, default_path, write_template
    from cplkit.app.ruleset_sources import ruleset_from

    kinds = [k for k, on in ((Template.BULK, bulk), (Template.REMOVALS, removals),
                             (Template.CERTIFICATE_UPDATES, updates),
                             (Template.REINSTATEMENTS, reinstatements),
                             (Template.CORRECTIONS, corrections),
                             (Template.RENAMES, renames)) if on]
    if len(kinds) > 1:
        raise UsageError("give one kind of template: "
                         + " and ".join(f"--{k.value}" for k in kinds) + " were given")
    chosen = kinds[0] if kinds else Template.FORM
    if as_csv and chosen is not Template.BULK:
        raise UsageError("--csv goes with --bulk")
    path = output or default_path(chosen, as_csv=as_csv)
    write_template(chosen, path, ruleset_from(rules_file))
    then = ("cplkit check" if chosen in (Template.FORM, Template.BULK)
            else "cplkit check -r REGISTRY")
    click.echo(f"wrote {path}; fill it in, then run: {then} {path}")
