"""The ruleset is data: the bundled one loads, a broken one is one clear error naming the bad
part, and an edited one changes what is valid without a code change."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from cplkit.core.ruleset import Ruleset
from cplkit.errors import DataFileError
from tests.conftest import codes, edited
from tests.core.entries import valid_gas


def test_bundled_ruleset_holds_the_domain_tables(ruleset: Ruleset) -> None:
    assert len(ruleset.device_types) == 7
    hub = ruleset.device_types["Communications Hub"]
    assert hub.spec_family == "CHTS" and hub.smets1_allowed
    assert hub.requirements["FIR contact"] == "empty"
    assert not ruleset.device_types["Polyphase Electricity Metering Equipment"].smets1_allowed
    ppmid = ruleset.device_types["Pre-Payment Interface Device"]
    assert ppmid.requirements["CPA certificate"] == "empty"
    legacy = ruleset.member("gbcs_versions", "GBCS Version 1.0")
    assert legacy is not None and not legacy.accepted
    gas_43 = ruleset.combinations_for("Gas Smart Meter", "SMETS V4.3")
    assert {g for c in gas_43 for g in c.gbcs_versions} == {
        "GBCS Version 3.2", "GBCS Version 4.0", "GBCS Version 4.1"}
    assert ruleset.cpa_expiring_certificate_years == 6


def test_the_bundled_ruleset_is_the_one_its_schema_check_makes(ruleset: Ruleset) -> None:
    """Loaded without the schema check (the tests hold the file to its schema), the bundled
    ruleset is the ruleset the full check makes of it: same digest, same canonical text."""
    from cplkit.base import resources
    from cplkit.intake.rulesets import BUNDLED, validate_ruleset_data

    checked = validate_ruleset_data(resources.load_json(BUNDLED), "the bundled ruleset")
    assert (ruleset.digest, ruleset.canonical) == (checked.digest, checked.canonical)
    assert ruleset == checked


def test_every_filled_date_has_a_source(ruleset: Ruleset) -> None:
    for combination in ruleset.combinations:
        if combination.installation_from or combination.installation_until or \
                combination.maintenance_until:
            assert "installation" in combination.source or "maintenance" in combination.source


@pytest.mark.parametrize(
    ("edit", "named"),
    [
        (lambda d: d["device_types"][0].pop("spec_family"), "/device_types/0"),
        (lambda d: d["combinations"][3].update(maintenance_until="2025-13-40"),
         "combinations/3"),
        (lambda d: d["combinations"][1]["device_types"].append("Smart Kettle"),
         "unknown device type 'Smart Kettle'"),
        (lambda d: d["field_groups"]["CPA certificate"]["fields"].append("CPA.colour"),
         "unknown field 'CPA.colour'"),
        (lambda d: d["combinations"][2].update(gbcs_versions=["GBCS Version 9.9"]),
         "unknown GBCS version 'GBCS Version 9.9'"),
        (lambda d: d["limits"].update(cpa_expiring_certificate_years="six"),
         "/limits/cpa_expiring_certificate_years"),
        (lambda d: d["combinations"][0].update(installation_until="2018-12-05\n"),
         "/combinations/0/installation_until"),
    ],
)
def test_a_broken_ruleset_is_one_error_naming_the_bad_part(
        ruleset_data: dict[str, Any], edit: Callable[[dict[str, Any]], object],
        named: str) -> None:
    edit(ruleset_data)
    with pytest.raises(DataFileError) as caught:
        edited(ruleset_data)
    assert named in str(caught.value)
    assert "edited ruleset" in str(caught.value)


def test_a_new_release_is_an_edit_to_the_ruleset_not_to_code(
        ruleset_data: dict[str, Any], check_form: Callable[..., Any]) -> None:
    entry = valid_gas(spec="SMETS V4.3", gbcs="GBCS Version 4.2")
    before = check_form(entry)
    assert ("CPL-V05", "G16") in codes(before)

    ruleset_data["gbcs_versions"].append(
        {"value": "GBCS Version 4.2", "generation": "SMETS2+", "accepted": True})
    ruleset_data["combinations"].append({
        "device_types": ["Gas Smart Meter"], "spec_version": "SMETS V4.3",
        "gbcs_versions": ["GBCS Version 4.2"], "source": "test: a later SEC release"})
    after = check_form(entry, rules=edited(ruleset_data))
    assert codes(after) == []
