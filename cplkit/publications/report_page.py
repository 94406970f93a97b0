"""The site's report page (``report.html``): a regulatory year's Central Products List
statistics and the list's proliferation, as SECAS reports them to the SEC Panel.

Built from the records ``cplkit.app.figures`` returns (``cplkit.core.tallies``'s year figures
and proliferation), through the Jinja2 template ``site-report.html.j2`` with the site's style
sheet: the year's figures with the versions that made each change, then the Current entries per
manufacturer (named by the names register), per device type and per Device Model with its
firmware versions. Every text from the registry is shown with its control characters visible
(``core.text.visible``). It counts nothing and reads no file; where the page goes is the
caller's job.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from cplkit.base.templates import render
from cplkit.core import tallies as t
from cplkit.core.text import company_label, plural, visible

#: the page's file name on the site, beside index.html
REPORT_PAGE = "report.html"


@dataclass(frozen=True, slots=True)
class _Model:
    company: str
    model: str
    hardware: str
    device_types: str
    firmware: int
    entries: int


def report_page(figures: t.YearFigures, latest: str, counted: t.Proliferation,
                companies: Mapping[str, str]) -> bytes:
    """The page: ``figures`` (read up to version ``latest``) and the proliferation of the
    version ``counted`` is of, each manufacturer named by ``companies``."""
    made = [(label, [(visible(r.entry), visible(r.version)) for r in rows])
            for label, rows in (("Removed", figures.removed),
                                ("Reinstated", figures.reinstated),
                                ("Corrected", figures.corrected)) if rows]
    models = [_Model(visible(company_label(c.manufacturer, companies)), visible(c.model),
                     visible(c.hardware), visible("; ".join(c.device_types)), len(c.firmware),
                     len(c.entries)) for c in counted.models]
    return render(
        "site-report.html.j2",
        title=f"Central Products List statistics {figures.year}",
        year=str(figures.year), first_day=figures.year.first_day,
        last_day=figures.year.last_day, latest=visible(latest),
        rows=[t.Figure(r.what, r.count, visible(r.versions)) for r in t.year_rows(figures)],
        made=made, from_history=len(figures.from_history),
        unattributed=len(figures.unattributed), version=visible(counted.version),
        current=counted.current,
        by_manufacturer=[(visible(company_label(k, companies)), n)
                         for k, n in counted.by_manufacturer.items()],
        by_device_type=[(visible(k), n) for k, n in counted.by_device_type.items()],
        models=models, plural=plural).encode()
