"""The ``cplkit`` command line: a thin click layer over the library.

Each command parses its options, calls one library function, renders the result and picks the
exit status (0 no errors, 1 findings that fail the check, 2 usage or data-file error, 3 a file
could not be read at all). Heavy imports happen inside commands so ``cplkit --help`` and a
one-form check start fast. No validation logic lives here.
"""

from __future__ import annotations

import datetime as dt
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
@click.option("--format", "fmt", type=click.Choice(["text", "json", "junit"]), default="text",
              show_default=True, help="Report format.")
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


@cli.command()
@click.option("--bulk", is_flag=True, help="A one-entry-per-row sheet instead of the form.")
@click.option("--csv", "as_csv", is_flag=True, help="With --bulk: a CSV file instead of .xlsx.")
@click.option("--rules", "rules_file", type=click.Path(path_type=Path, dir_okay=False),
              help="Build it from this ruleset instead of the bundled one.")
@click.option("--output", "-o", type=click.Path(path_type=Path, dir_okay=False),
              help="Where to write it (default: cpl-new-entry.xlsx or cpl-bulk.xlsx/.csv).")
def template(bulk: bool, as_csv: bool, rules_file: Path | None, output: Path | None) -> None:
    """Write a blank New Entry form (or, with --bulk, a bulk sheet) to fill in."""
    from cplkit.io.rulesets import load_ruleset
    from cplkit.io.xlsx_write import write_bulk_table, write_new_entry_form

    if as_csv and not bulk:
        raise UsageError("--csv goes with --bulk: the New Entry form is a workbook")
    ruleset = load_ruleset(rules_file)
    suffix = ".csv" if as_csv else ".xlsx"
    path = output or Path(("cpl-bulk" if bulk else "cpl-new-entry") + suffix)
    if path.exists():
        raise UsageError(f"{path} exists already; cplkit never overwrites it",
                         hint="name another file with --output")
    try:
        if bulk:
            write_bulk_table(path, ruleset, [])
        else:
            write_new_entry_form(path, ruleset)
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from exc
    click.echo(f"wrote {path}; fill it in, then run: cplkit check {path}")


def main() -> None:
    cli(prog_name="cplkit")
