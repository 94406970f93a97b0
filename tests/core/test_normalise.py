"""Normalisation, driven by normalise_cases.json: lenient about form, strict about content."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cplkit.core.model import Formula, RawValue, as_text
from cplkit.core.normalise import compile_normalisers
from cplkit.core.ruleset import FieldKind, Ruleset
from cplkit.intake.rulesets import load_ruleset

CASES = json.loads((Path(__file__).parent / "normalise_cases.json").read_text())["cases"]


def _decode(value: Any) -> Any:
    if isinstance(value, dict) and "datetime" in value:
        return dt.datetime.fromisoformat(value["datetime"])
    if isinstance(value, dict) and "date" in value:
        return dt.date.fromisoformat(value["date"])
    if isinstance(value, dict) and "formula" in value:
        return Formula(value["formula"])
    return value


@pytest.mark.parametrize("case", CASES, ids=[f"{c['field']}={c['raw']!r}" for c in CASES])
def test_normalise(case: dict[str, Any], ruleset: Ruleset) -> None:
    normalise = compile_normalisers(ruleset)[case["field"]]
    result = normalise(_decode(case["raw"]))
    assert result.value == _decode(case["value"])
    assert sorted(p.code for p in result.problems) == sorted(case["codes"])
    assert result.usable == all(c in ("CPL-V09", "CPL-V11", "CPL-V13") for c in case["codes"])
    if "refused" in case:
        # SECAS's own check refuses it as written (CPL-V12 on a submission), or lets it pass
        assert any(p.refused_as_written for p in result.problems) == case["refused"]


def test_every_problem_says_what_to_do(ruleset: Ruleset) -> None:
    normalisers = compile_normalisers(ruleset)
    for case in CASES:
        for problem in normalisers[case["field"]](_decode(case["raw"])).problems:
            assert problem.message
            assert problem.hint is None or len(problem.hint) > 10


@pytest.mark.parametrize(("raw", "shown"), [
    (12.0, "12"), (1e10, "10000000000"), (0.5, "0.5"), (True, "TRUE"),
    (dt.date(2023, 8, 30), "30/08/2023"), (Formula("=A1"), "=A1"), (None, None), ("x", "x"),
])
def test_values_are_shown_as_excel_shows_them(raw: RawValue, shown: str | None) -> None:
    assert as_text(raw) == shown


def test_a_number_in_a_hex_field_hints_at_the_lost_zeros(ruleset: Ruleset) -> None:
    result = compile_normalisers(ruleset)["Device_Model.model_identifier"](12.0)
    assert "leading zeros" in (result.problems[0].hint or "")
    scientific = compile_normalisers(ruleset)["Device_Model.model_identifier"](1e10)
    assert "1E+10" in (scientific.problems[0].hint or "")


class _Typed(str):
    """Text that is not exactly ``str``: it takes the long way through a normaliser."""


@pytest.mark.slow
@settings(max_examples=100, deadline=None)
@given(st.data())
def test_hex_already_in_canonical_form_reads_as_the_long_way_reads_it(
        data: st.DataObject) -> None:
    """Bulk sheets' firmware versions and image hashes are distinct on every row and mostly
    written canonically: those are answered without the long way, and must be answered the
    same (reserved values above a field's maximum included)."""
    ruleset = load_ruleset()
    normalisers = compile_normalisers(ruleset)
    for name, spec in ruleset.fields.items():
        if spec.kind is not FieldKind.HEX:
            continue
        octets = spec.octets or 1
        text = data.draw(st.from_regex(rf"[0-9A-F]{{2}}(:[0-9A-F]{{2}}){{{octets - 1}}}",
                                       fullmatch=True)
                         | st.sampled_from([spec.max_value or "00", ":".join(["FF"] * octets)]))
        assert normalisers[name](text) == normalisers[name](_Typed(text)), name
