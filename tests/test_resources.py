"""Bundled data is found from a checkout or editable install, and from an installed wheel."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from cplkit.base import resources
from cplkit.errors import DataFileError
from tests.conftest import ROOT


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    resources.schemas_dir.cache_clear()
    resources.load_json.cache_clear()


def test_checkout_layout(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(resources, "_PACKAGE_DIR", ROOT / "cplkit")
    assert resources.schemas_dir() == ROOT / "schemas"


def test_wheel_layout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    package = tmp_path / "site-packages" / "cplkit"
    shutil.copytree(ROOT / "schemas", package / "_schemas")
    monkeypatch.setattr(resources, "_PACKAGE_DIR", package)
    assert resources.schemas_dir() == package / "_schemas"
    assert resources.load_json("ruleset.json")["id"] == "cpl-rules-2022-09"


def test_missing_data_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(resources, "_PACKAGE_DIR", tmp_path / "cplkit")
    with pytest.raises(DataFileError, match="reinstall"):
        resources.schemas_dir()
