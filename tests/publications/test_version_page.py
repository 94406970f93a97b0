"""The version page's table with values that are markup: every one is shown as the text it is,
in a cell, an attribute the filters read, a row's other fields and the company column, and
none becomes an element or an attribute of the page."""

from __future__ import annotations

import datetime as dt

import lxml.html

from cplkit.core import model as m
from cplkit.publications.signed_by import SignedBy
from cplkit.publications.webpage import version_page
from tests.core.entries import valid_gas

MANUFACTURER = "'><b id=m>10:6C</b>"
HOSTILE = {
    m.ENTRY_NUMBER: '<img src=x onerror="alert(1)">',
    m.ENTRY_STATUS: 'Current" onmouseover="alert(2)',
    m.DEVICE_TYPE: "<script>alert(3)</script>",
    m.MANUFACTURER_ID: MANUFACTURER,
    m.MODEL_ID: "&amp; &#34; &lt;",
    m.IMAGE_HASH: "</dd></dl><script>alert(4)</script>",
    m.IMAGE_DESCRIPTOR: "<!-- --> ]]> {{ 7*7 }} {% raw %}",
}


def test_a_hostile_value_in_a_row_is_shown_as_text_never_as_markup() -> None:
    values = {k: v for k, v in valid_gas().items() if k in m.PUBLISHED_FIELDS and v is not None}
    values.update(HOSTILE)
    version = m.CplVersion(m.VersionNumber.parse("1.1"), dt.date(2026, 11, 23),
                           (m.Entry.of(values),), "One entry.",
                           (m.HistoryLine("1.0", "2026-11-22", "First."),))
    companies = {MANUFACTURER: "<i>Evil</i> & Co"}
    page = version_page(version, [("Workbook", "cpl-1.1.xlsx")], companies,
                        SignedBy.signer("CN=cplkit test", "00" * 32)).decode()
    doc = lxml.html.fromstring(page)
    assert len(doc.xpath("//script")) == 1  # the page's own
    [row] = doc.xpath('//table[@id="entries"]/tbody/tr')
    assert row.xpath(".//b | .//i | .//img | .//script") == []
    assert row.get("data-manufacturer") == MANUFACTURER
    assert row.get("data-type") == HOSTILE[m.DEVICE_TYPE]
    assert row.get("data-status") == HOSTILE[m.ENTRY_STATUS]
    assert row.get("onmouseover") is None
    cells = {td.get("data-label"): td for td in row.xpath("./td")}
    assert cells["Entry"].text_content() == HOSTILE[m.ENTRY_NUMBER]
    assert cells["Status"].get("class") == f"status-{HOSTILE[m.ENTRY_STATUS]}"
    assert cells["Device type"].text_content() == HOSTILE[m.DEVICE_TYPE]
    assert cells["Company"].text_content() == companies[MANUFACTURER]
    assert cells["Model"].text_content() == HOSTILE[m.MODEL_ID]
    assert row.xpath(".//summary/span")[0].text_content() == \
        f" of entry {HOSTILE[m.ENTRY_NUMBER]}"
    fields = dict(zip((dt_.text_content() for dt_ in row.xpath(".//dl/dt")),
                      (dd.text_content() for dd in row.xpath(".//dl/dd")), strict=True))
    assert fields[m.IMAGE_HASH] == HOSTILE[m.IMAGE_HASH]
    assert fields[m.IMAGE_DESCRIPTOR] == HOSTILE[m.IMAGE_DESCRIPTOR]
