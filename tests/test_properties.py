"""Properties that hold for any input, found by generating inputs (hypothesis): whatever a cell
holds, check answers with findings and never raises; whatever bytes a file holds, check reports
on it; and whatever text a check accepts, the signed DCC file can carry."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cplkit.app.check import check_file
from cplkit.base.xmlsafe import xsd_errors
from cplkit.core import model as m
from cplkit.core.findings import CODES
from cplkit.core.validate import Validator
from cplkit.intake.limits import Limits
from cplkit.intake.rulesets import load_ruleset
from cplkit.publications import dccxml
from tests.conftest import examples
from tests.core.entries import valid_gas

RULESET = load_ruleset()
FIELDS = list(RULESET.fields)
AS_OF = dt.date(2026, 11, 23)

cell_values = st.one_of(
    st.none(), st.text(max_size=60), st.integers(-10**20, 10**20),
    st.floats(allow_nan=True, allow_infinity=True), st.booleans(), st.dates(),
    st.datetimes(), st.builds(m.Formula, st.text(max_size=20)),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=30).map(
        lambda t: t.replace("x", "_x000D_")),
    st.sampled_from(["_xD800_", "_x0000_", "_xFFFE_", "\u202e", "\x1b[31m", "106c",
                     "30-08-2030", "Zigbee Smart Energy Standard 1.4", " ", ""]),
)


@settings(max_examples=examples(300), deadline=None)
@given(st.dictionaries(st.sampled_from(FIELDS), cell_values, max_size=len(FIELDS)),
       st.booleans())
def test_any_cell_values_give_findings_never_an_exception(values: dict[str, m.RawValue],
                                                          submission: bool) -> None:
    placement = m.Placement("Sheet", m.Orientation.ROW,
                            {name: i + 1 for i, name in enumerate(FIELDS)}, submission)
    checked = Validator(RULESET, AS_OF, "f.xlsx").check(m.RawEntry(1, placement, 2, values))
    assert all(f.code in CODES and f.cell for f in checked.findings if f.field)


@settings(max_examples=examples(60), deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=4000), st.sampled_from([".xlsx", ".csv", ".xlsm", ""]),
       st.sampled_from([b"", b"PK\x03\x04", b"\xef\xbb\xbf", b"\xff\xfe"]))
def test_any_bytes_give_a_report(tmp_path: Path, data: bytes, suffix: str,
                                 prefix: bytes) -> None:
    path = tmp_path / f"random{suffix}"
    path.write_bytes(prefix + data)
    report = check_file(path, RULESET, AS_OF, limits=Limits(isolate=False))
    assert all(f.code in CODES for f in report.findings)
    assert report.unreadable or report.layout is not None


@settings(max_examples=examples(300), deadline=None)
@given(st.text(min_size=1, max_size=100))
def test_text_a_check_accepts_can_be_signed(creator: str) -> None:
    """Nothing check lets through is something the DCC file cannot hold: control characters,
    surrogates and the like stop at check, never at publish."""
    values = {**valid_gas(), m.IMAGE_CREATOR: creator}
    placement = m.Placement("Sheet", m.Orientation.ROW,
                            {name: i + 1 for i, name in enumerate(values)}, True)
    checked = Validator(RULESET, AS_OF, "f.xlsx").check(m.RawEntry(1, placement, 2, values))
    if any(f.field == m.IMAGE_CREATOR and f.severity.value == "error"
           for f in checked.findings):
        return
    entry = checked.entry.changed({m.ENTRY_NUMBER: "000001", m.ENTRY_STATUS: "Current"})
    version = m.CplVersion(m.VersionNumber(1, 0), AS_OF, (entry,), "First.")
    root = dccxml.build(version, None, dt.datetime(2026, 11, 23, tzinfo=dt.UTC))
    errors = [e for e in xsd_errors("cpl-dcc.xsd", root) if "Signature" not in e
              and "xmldsig" not in e]
    assert not errors


@settings(max_examples=examples(150), deadline=None)
@given(st.lists(cell_values, min_size=1, max_size=8), st.data())
def test_an_entry_is_checked_the_same_alone_or_among_others(pool: list[m.RawValue],
                                                            data: st.DataObject) -> None:
    """A bulk sheet is normalised a column at a time, each distinct value once: an entry's
    values and findings must not depend on which entries share its batch. Values are drawn
    from a small pool, so columns repeat values, mix types and hold empties (1, 1.0 and True
    are equal as dict keys but not as cells)."""
    pool = [*pool, 1, 1.0, True]
    fields = data.draw(st.lists(st.sampled_from(FIELDS), min_size=1, max_size=12, unique=True))
    layouts = [m.Placement("Sheet", m.Orientation.ROW,
                           {name: i + 1 for i, name in enumerate(fields)}, submission)
               for submission in (True, False)]
    rows = data.draw(st.lists(st.tuples(
        st.sampled_from(layouts),
        st.lists(st.one_of(st.none(), st.sampled_from(pool)), min_size=len(fields),
                 max_size=len(fields))), min_size=1, max_size=20))
    raws = [m.RawEntry(i + 1, placement, i + 2,
                       {name: v for name, v in zip(fields, values, strict=True) if v is not None})
            for i, (placement, values) in enumerate(rows)]
    together = Validator(RULESET, AS_OF, "f.xlsx").check_all(raws)
    alone = [Validator(RULESET, AS_OF, "f.xlsx").check(raw) for raw in raws]
    assert [(dict(c.entry.values), c.findings) for c in together] == [
        (dict(c.entry.values), c.findings) for c in alone]
