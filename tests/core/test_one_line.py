"""Free text that reaches an issued file as one line: the one rule (``core.text.not_one_line``)
and the submitted fields a history item line carries (product name, FIR company, image
creator), which a submission must give as one line each.

Before, a product name holding CR/LF and ``000999 - Forged Meters Ltd ...`` passed every check
and became an item line of the issued history of its own."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from cplkit.core import model as m
from cplkit.core.text import not_one_line
from cplkit.core.validate import Checked, Validator
from cplkit.core.wording import FIR_COMPANY, PRODUCT_NAME
from cplkit.intake.rulesets import load_ruleset
from tests.conftest import AS_OF, list_entry
from tests.core.entries import valid_gas

FORGED = "\r\n000999 - Forged Meters Ltd GSME 01:02:03:04"


@pytest.mark.parametrize(("text", "said"), [
    ("FVI\n000999", "a line break (U+000A) at position 4"),
    ("FVI\r", "a line break (U+000D) at position 4"),
    ("FVI\u2028x", "a line break (U+2028)"),
    ("FVI\x85x", "a line break (U+0085)"),
    ("F\tVI", "a tab (U+0009) at position 2"),
    ("F\x1b[31mVI", "the invisible character (U+001B)"),
    ("abc\u202efdp.exe", "the invisible character (U+202E)"),
    ("FVI_x000a_000999", "'_x000a_' at position 4, which Excel reads as the character U+000A"),
])
def test_what_cannot_be_one_line(text: str, said: str) -> None:
    why = not_one_line(text)
    assert why is not None and said in why


@pytest.mark.parametrize("text", ["Trio II Touch Button", "Zähler \u2013 “Büro”", "x_y", "_x00G_",
                                  "Meters Ltd (UK)"])
def test_plain_text_is_one_line(text: str) -> None:
    assert not_one_line(text) is None


@pytest.mark.parametrize("field", [PRODUCT_NAME, FIR_COMPANY, m.IMAGE_CREATOR])
def test_a_submitted_item_line_field_must_be_one_line(
        check_form: Callable[..., Checked], field: str) -> None:
    # short enough for the FIR company's 45 octets: only the line break is wrong
    checked = check_form(valid_gas(**{field: "Ex\r\n000999 - Forged Ltd GSME 01:02"}))
    refused = [f for f in checked.findings if f.code == "CPL-V03"]
    assert [f.field for f in refused] == [field], checked.findings
    assert refused[0].cell is not None
    assert "a line break (U+000D) at position 3" in refused[0].message
    assert field not in checked.entry.values
    # the same field on one line is kept as given
    kept = check_form(valid_gas(**{field: "Zähler \u2013 “Büro” Ltd"}))
    assert kept.entry.text(field) == "Zähler \u2013 “Büro” Ltd"
    assert not [f for f in kept.findings if f.field == field]
    # a list as SECAS issued it is read as issued (an import keeps what SECAS published)
    values = {**valid_gas(**{field: "Example\nMeters"}), m.ENTRY_NUMBER: "000001",
              m.ENTRY_STATUS: "Current"}
    listed = Validator(load_ruleset(), AS_OF, "list.xlsx").check(list_entry(values))
    assert listed.entry.text(field) in ("Example\nMeters", None)  # unpublished: not on a list
    if field == m.IMAGE_CREATOR:
        assert listed.entry.text(field) == "Example\nMeters"


def test_an_excel_escaped_line_break_in_a_product_name_is_refused(
        check_form: Callable[..., Checked]) -> None:
    """Excel stores a typed CR as _x000D_: read back, it is the line break it stands for."""
    checked = check_form(valid_gas(**{PRODUCT_NAME: "FVI_x000D_000999 - Forged"}))
    assert "CPL-V03" in {f.code for f in checked.findings}
    assert PRODUCT_NAME not in checked.entry.values
