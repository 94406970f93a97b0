"""Commands for what SECAS and the Security Sub-Committee report: ``report`` (a regulatory
year's statistics, the list's proliferation) and ``certificates`` (withdrawn certificates).

Each parses its options, calls one use case and renders what it returns. Exit statuses are
the errors' own: 2 a bad option, 4 a missing or damaged registry. No counting happens here.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from cplkit.cli.common import emit, parse_date, registry_option
from cplkit.errors import UsageError


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
