"""cplkit held to SECAS's own check, systematically: the macro's validators, ported as an oracle
(tests/macro_oracle.py), judge every device type x SMETS/CHTS version x GBCS version (each list
and empty: 7 x 14 x 8 = 784 forms) and every field filled or emptied on a valid form of each
device type and generation (the requirement matrix). For each form, cplkit refuses exactly when
the macro does, and has an error at every cell the macro marks (a row whose message is its own;
the GBCS row repeating the SMETS/CHTS row's message is not counted, cplkit does not repeat it).

cplkit's date rules (R05-R08, R10: the Technical Specification Applicability Tables' dates and the
CPA certificate's window, which the macro has no data for) are left out of the comparison; they
are its documented stricter checks (docs/findings.md)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping

import pytest

from cplkit.core import model as m
from cplkit.core.findings import Severity
from cplkit.core.ruleset import Ruleset
from cplkit.core.validate import Checked
from tests import macro_oracle as macro
from tests.conftest import REAL_WORKBOOK
from tests.core.entries import CPA_CONTACT, FIR, valid_gas

Check = Callable[..., Checked]

#: the date rules, which the macro has no data for
DATED = frozenset({"CPL-R05", "CPL-R06", "CPL-R07", "CPL-R08", "CPL-R10"})
ELECTRICITY = frozenset(name for name, *_, dlms, _fir, _id in macro.DEVICE_TYPES if dlms)
DLMS = {m.DLMS_ID: "DLMS-2721", m.DLMS_VERSION: "CTT 4.2"}


def valid_form(device_type: str, spec: str, gbcs: str) -> dict[str, str]:
    """A form of ``device_type`` filled as its requirements ask for a form with ``spec`` (SMETS1
    or not): every value valid, the versions as given."""
    _, _, cpa, dlms, fir, _ = next(r for r in macro.DEVICE_TYPES if r[0] == device_type)
    entry = {k: v for k, v in valid_gas(spec, gbcs).items() if isinstance(v, str)}
    entry[m.DEVICE_TYPE] = device_type
    if dlms:
        entry.update(DLMS)
    if not fir:
        entry = {k: v for k, v in entry.items() if k not in FIR}
    if not cpa:
        entry = {k: v for k, v in entry.items()
                 if not k.startswith("CPA_") and k not in CPA_CONTACT}
        entry[m.CPA_SECURITY_CHARACTERISTICS] = "Not Relevant"
    if spec == "SMETS V1.2":
        entry = {k: v for k, v in entry.items()
                 if not k.startswith(("CPA_", "ZSE_", "DLMS_")) and k not in CPA_CONTACT}
    return entry


def cplkit_cells(checked: Checked) -> frozenset[str]:
    return frozenset(f.cell or "" for f in checked.findings
                     if f.severity is Severity.ERROR and f.code not in DATED)


def compare(check_form: Check, forms: Mapping[str, dict[str, str]]
            ) -> tuple[list[str], int]:
    """Each form's disagreements with the macro (verdict, or a cell the macro marks that cplkit
    does not), and how many forms agree exactly (the same verdict and the same cells)."""
    problems, exact = [], 0
    for label, form in forms.items():
        want = macro.check(form)
        got = cplkit_cells(check_form(form))
        if want.refused != bool(got):
            problems.append(f"{label}: macro {'refuses' if want.refused else 'accepts'} "
                            f"{sorted(want.cells)}, cplkit errors at {sorted(got)}")
        elif not want.cells <= got:
            problems.append(f"{label}: macro marks {sorted(want.cells)}, cplkit {sorted(got)}")
        exact += want.cells == got
    return problems, exact


def _grid() -> Iterator[tuple[str, dict[str, str]]]:
    specs = [s for s, _, _ in macro.SPEC_VERSIONS] + [""]
    gbcs_versions = [g for g, _, _ in macro.GBCS_VERSIONS] + [""]
    for device_type, *_ in macro.DEVICE_TYPES:
        for spec in specs:
            for gbcs in gbcs_versions:
                form = valid_form(device_type, spec, gbcs)
                for field, value in ((m.SPEC_VERSION, spec), (m.GBCS_VERSION, gbcs)):
                    if not value:
                        form.pop(field)
                yield f"{device_type} / {spec or '(empty)'} / {gbcs or '(empty)'}", form


GRID = dict(_grid())


def test_every_device_type_and_version_combination_gets_the_macros_verdict_and_cell(
        check_form: Check) -> None:
    assert len(GRID) == 7 * 14 * 8 == 784
    problems, exact = compare(check_form, GRID)
    assert problems == [], f"{len(problems)} of {len(GRID)} disagree:\n" + "\n".join(problems)
    # 14 forms where cplkit names more cells, both refusing: a hub with a SMETS2+ version and
    # GBCS Version 0.0 (7; the macro writes the SMETS/CHTS message on the GBCS row, cplkit its
    # generation finding there), and no SMETS/CHTS version beside GBCS Version 0.0 on a form
    # filled for SMETS2+ (7; cplkit reads SMETS1 from the GBCS version and refuses the
    # certificates, the macro only the missing version)
    assert exact == len(GRID) - 14


#: a valid combination of each device type, SMETS2+ and (where it exists) SMETS1
VALID_COMBINATIONS = [
    ("Communications Hub", "CHTS V1.5", "GBCS Version 4.1"),
    ("Communications Hub", "SMETS V1.2", "GBCS Version 0.0"),
    ("Gas Smart Meter", "SMETS V4.3", "GBCS Version 4.1"),
    ("Gas Smart Meter", "SMETS V1.2", "GBCS Version 0.0"),
    ("HAN Connected Auxiliary Load Control Switch", "SMETS V5.1", "GBCS Version 4.1"),
    ("Polyphase Electricity Metering Equipment", "SMETS V5.1", "GBCS Version 4.1"),
    ("Pre-Payment Interface Device", "SMETS V4.4", "GBCS Version 4.1"),
    ("Pre-Payment Interface Device", "SMETS V1.2", "GBCS Version 0.0"),
    ("Single Element Electricity Metering Equipment", "SMETS V5.1", "GBCS Version 4.1"),
    ("Single Element Electricity Metering Equipment", "SMETS V1.2", "GBCS Version 0.0"),
    ("Twin Element Electricity Metering Equipment", "SMETS V5.0", "GBCS Version 4.0"),
    ("Twin Element Electricity Metering Equipment", "SMETS V1.2", "GBCS Version 0.0"),
]
#: a valid value for every field a form may lack
FILLERS = {**valid_gas(), **DLMS, m.CPA_SECURITY_CHARACTERISTICS: "Not Relevant"}


def _matrix() -> Iterator[tuple[str, dict[str, str]]]:
    for device_type, spec, gbcs in VALID_COMBINATIONS:
        base = valid_form(device_type, spec, gbcs)
        yield f"{device_type} / {spec}: as valid", base
        for field in macro.ROWS:
            if field in (m.DEVICE_TYPE,):
                continue
            form = dict(base)
            if field in form:
                del form[field]
                what = "emptied"
            else:
                filler = FILLERS[field]
                assert isinstance(filler, str)
                form[field] = filler
                what = "filled"
            yield f"{device_type} / {spec}: {field} {what}", form


MATRIX = dict(_matrix())


#: where cplkit names fewer cells than the macro, on purpose: with the SMETS/CHTS version of a
#: SMETS1 form emptied, the macro (which tells SMETS1 from that version alone, e.g. lines
#: 1011-1021) asks for every SMETS2 certificate and contact; cplkit reads the generation from
#: GBCS Version 0.0 and reports the missing version (on its row and the device type's) only.
#: Both refuse the form.
FEWER_CELLS = frozenset(
    f"{device_type} / SMETS V1.2: {m.SPEC_VERSION} emptied"
    for device_type, spec, _ in VALID_COMBINATIONS if spec == "SMETS V1.2")


def test_every_field_required_or_refused_as_the_macro_requires_or_refuses_it(
        check_form: Check) -> None:
    problems, exact = compare(check_form, {k: v for k, v in MATRIX.items()
                                           if k not in FEWER_CELLS})
    assert problems == [], f"{len(problems)} of {len(MATRIX)} disagree:\n" + "\n".join(problems)
    assert exact == len(MATRIX) - len(FEWER_CELLS)
    for label in FEWER_CELLS:
        got = cplkit_cells(check_form(MATRIX[label]))
        assert macro.check(MATRIX[label]).refused and {"G9", "G15"} <= got, label


def test_every_valid_combination_is_valid_to_both(check_form: Check) -> None:
    for device_type, spec, gbcs in VALID_COMBINATIONS:
        form = valid_form(device_type, spec, gbcs)
        assert not macro.check(form).refused, (device_type, spec)
        assert cplkit_cells(check_form(form)) == frozenset(), (device_type, spec)


@pytest.mark.parametrize(("field", "value", "cells"), [
    (m.DEVICE_TYPE, "gas smart meter", frozenset()),
    (m.SPEC_VERSION, "smets v4.3", frozenset()),
    ("ZSE_Certificate.ZSE_version", "Zigbee Smart Energy Standard 1.4", frozenset()),
    (m.DEVICE_TYPE, "Gas Smart Meter ", frozenset({"G9"})),  # stops with a type mismatch
    (m.SPEC_VERSION, " SMETS V4.3", frozenset({"G9", "G15"})),
    (m.CPA_ID, "[E]  NCSC-1500000000-40", frozenset()),
    (m.CPA_ID, "[e] NCSC-1500000000-40", frozenset({"G17"})),
    (m.CPA_EXPIRY, "30/06/2029 13:45:00", frozenset({"G19"})),
    ("Contact-CPA.Contact.contact email", "sean.o'brien@example.co.uk", frozenset({"G29"})),
    ("Contact-CPA.Contact.contact email", "a@x.com; b@y.com ", frozenset()),
    ("Contact-CPA.Contact.contact email", "jane@example.c", frozenset()),
    ("Manufacturer Contact FIR.House Number", "01/02/2022", frozenset()),
    ("Manufacturer Contact FIR.Street", "\u200eMeter Street", frozenset()),
    (m.IMAGE_CREATOR, "", frozenset({"G25"})),
])
def test_hand_made_forms_of_issue_25(check_form: Check, field: str, value: str,
                                     cells: frozenset[str]) -> None:
    form = {**valid_gas(), field: value}
    form = {k: v for k, v in form.items() if isinstance(v, str) and v != ""}
    assert macro.check(form).cells == cells
    assert cplkit_cells(check_form(form)) == cells


def test_the_oracles_tables_are_the_rulesets(ruleset: Ruleset) -> None:
    """The port's lists and Device Level Versioning table are the bundled ruleset's accepted
    values and combinations, so the oracle judges the rules cplkit holds."""
    assert {r[0] for r in macro.DEVICE_TYPES} == set(ruleset.device_types)
    for name, family, cpa, dlms, fir, _ in macro.DEVICE_TYPES:
        device_type = ruleset.device_types[name]
        assert device_type.spec_family == family
        requirements = device_type.requirements
        assert (requirements["CPA certificate"] == "required") == cpa
        assert (requirements["DLMS certificate"] == "required") == dlms
        assert (requirements["FIR contact"] == "required") == fir
    accepted = {name: {v.value for v in ruleset.members(name).values() if v.accepted}
                for name in ("spec_versions", "gbcs_versions", "zse_versions", "dlms_versions",
                             "security_characteristics")}
    assert accepted["spec_versions"] == {s for s, _, _ in macro.SPEC_VERSIONS}
    assert accepted["gbcs_versions"] == {g for g, _, _ in macro.GBCS_VERSIONS}
    assert accepted["zse_versions"] == set(macro.ZSE_VERSIONS)
    assert accepted["dlms_versions"] == set(macro.DLMS_VERSIONS)
    assert accepted["security_characteristics"] == set(macro.SECURITY_CHARACTERISTICS)
    ids = {r[5]: r[0] for r in macro.DEVICE_TYPES}
    specs = {r[2]: r[0] for r in macro.SPEC_VERSIONS}
    gbcs = {r[2]: r[0] for r in macro.GBCS_VERSIONS}
    ported = {(ids[d], specs[s], gbcs[g]) for d, s, g in macro.DEVICE_LEVEL_VERSIONS}
    ours = {(d, c.spec_version, g) for c in ruleset.combinations for d in c.device_types
            for g in c.gbcs_versions}
    assert ported == ours


@pytest.mark.realdata
@pytest.mark.skipif(not REAL_WORKBOOK.is_file(),
                    reason=f"the real SECAS workbook is not at {REAL_WORKBOOK} (set "
                    "CPLKIT_REAL_WORKBOOK to its path)")
def test_the_oracles_lists_are_the_workbooks_drop_downs() -> None:
    """The New Entry form's drop-down lists (Excel data validation on G9, G15, G16, G18, G21 and
    G23) hold what the oracle's tables hold, in the macro's order."""
    import openpyxl

    book = openpyxl.load_workbook(REAL_WORKBOOK, read_only=False, keep_vba=False)
    try:
        lists = {str(v.sqref): v.formula1.strip('"').split(",")
                 for v in book["CPL - New Entry"].data_validations.dataValidation}
    finally:
        book.close()
    assert lists == {
        "G9": [r[0] for r in macro.DEVICE_TYPES],
        "G15": [r[0] for r in macro.SPEC_VERSIONS],
        "G16": [r[0] for r in macro.GBCS_VERSIONS],
        "G18": list(macro.SECURITY_CHARACTERISTICS),
        "G21": list(macro.DLMS_VERSIONS),
        "G23": list(macro.ZSE_VERSIONS),
    }


@pytest.mark.parametrize("written", ["Not Relevant", "not relevant", "NOT RELEVANT"])
def test_not_relevant_as_a_ppmids_cpa_id_passes_as_the_macro_passes_it(
        check_form: Check, written: str) -> None:
    """Lines 1037-1040: a device type without a CPA certificate may write 'Not Relevant' (any
    case, Option Compare Text) as its id. cplkit reads it as empty, which is what the published
    list holds for every PPMID, with a warning."""
    form = {**valid_form("Pre-Payment Interface Device", "SMETS V4.4", "GBCS Version 4.1"),
            m.CPA_ID: written}
    assert not macro.check(form).refused
    checked = check_form(form)
    assert cplkit_cells(checked) == frozenset()
    assert [(f.code, f.cell) for f in checked.findings] == [("CPL-V15", "G17")]
    assert m.CPA_ID not in checked.entry.values


def test_not_relevant_as_a_smets1_cpa_id_is_refused_at_its_row(check_form: Check) -> None:
    """Lines 990-1000: on a SMETS1 form the macro wants the CPA id empty and refuses 'Not
    Relevant'; so does cplkit, at the same cell."""
    form = {**valid_form("Gas Smart Meter", "SMETS V1.2", "GBCS Version 0.0"),
            m.CPA_ID: "Not Relevant"}
    assert macro.check(form).cells == {"G17"}
    checked = check_form(form)
    assert cplkit_cells(checked) == {"G17"}
    assert ("CPL-V02", "G17") in [(f.code, f.cell) for f in checked.findings]


def test_not_relevant_as_a_cpa_id_where_a_certificate_is_needed_is_refused_at_its_row(
        check_form: Check) -> None:
    form = {**valid_gas(), m.CPA_ID: "not relevant"}
    form = {k: v for k, v in form.items() if isinstance(v, str)}
    assert macro.check(form).cells == {"G17"}
    assert cplkit_cells(check_form(form)) == {"G17"}
