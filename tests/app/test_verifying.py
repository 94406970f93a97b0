"""Verify, called directly (``cplkit.app.verifying``): what a file is, told by its content,
and the verification record each kind gives, trusting only the certificates given."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from cplkit.app.verifying import verify_file
from cplkit.errors import InputFileError, UsageError, VerificationError
from cplkit.publications.verify_issued import VerifiedCsv, VerifiedDcc, VerifiedManifest
from tests.conftest import utc_now


@pytest.fixture
def issued(published_registry: Path) -> Path:
    return published_registry / "versions" / "1.0"


def test_a_dcc_file_gives_what_it_says(issued: Path, signing_keys: tuple[Path, Path],
                                       identity: object) -> None:
    done = verify_file(issued / "cpl-1.0.xml", signing_keys[1], now=utc_now())
    assert isinstance(done.result, VerifiedDcc) and done.previous is None
    content = done.result.content
    assert (str(content.number), content.entry_count) == ("1.0", 8)
    assert [e.number for e in content.entries()] == [f"{n:06}" for n in range(1, 9)]
    assert done.result.signer_name == identity.subject  # type: ignore[attr-defined]


def test_a_csv_extract_and_a_manifest(issued: Path, signing_keys: tuple[Path, Path]) -> None:
    done = verify_file(issued / "cpl-1.0.csv", signing_keys[1], now=utc_now())
    assert isinstance(done.result, VerifiedCsv) and done.result.rows == 8
    assert done.signature == issued / "cpl-1.0.csv.p7s"
    done = verify_file(issued / "manifest-1.0.xml", signing_keys[1], now=utc_now())
    assert isinstance(done.result, VerifiedManifest)
    assert done.result.content.version == "1.0"
    assert {"cpl-1.0.xml", "cpl-1.0.csv", "cpl-1.0.xlsx"} <= set(done.result.content.files)


def test_a_file_without_a_signature_of_its_own_points_to_the_manifest(
        issued: Path, signing_keys: tuple[Path, Path]) -> None:
    with pytest.raises(UsageError, match="manifest"):
        verify_file(issued / "cpl-1.0.xlsx", signing_keys[1], now=utc_now())


def test_an_altered_file_and_an_untrusted_signer_fail(issued: Path, tmp_path: Path,
                                                      signing_keys: tuple[Path, Path]) -> None:
    altered = tmp_path / "cpl-1.0.xml"
    altered.write_bytes((issued / "cpl-1.0.xml").read_bytes().replace(
        b"Example Meters", b"Exemple Meters", 1))
    with pytest.raises(VerificationError) as failed:
        verify_file(altered, signing_keys[1], now=utc_now())
    assert failed.value.exit_code == 13
    from cplkit.app.key_files import make_throwaway_keys

    _, other = make_throwaway_keys(tmp_path / "other", 30, now=utc_now())
    with pytest.raises(VerificationError) as failed:
        verify_file(issued / "cpl-1.0.xml", other, now=utc_now())
    assert failed.value.exit_code == 14


def test_the_files_given_are_checked_before_they_are_read(
        issued: Path, tmp_path: Path, signing_keys: tuple[Path, Path]) -> None:
    with pytest.raises(InputFileError, match="does not exist"):
        verify_file(tmp_path / "none.xml", signing_keys[1], now=utc_now())
    with pytest.raises(UsageError, match=r"holds no readable X\.509 certificate"):
        verify_file(issued / "cpl-1.0.xml", issued / "cpl-1.0.csv", now=utc_now())
    copy = tmp_path / "copy.xml"
    shutil.copyfile(issued / "cpl-1.0.xml", copy)
    with pytest.raises(UsageError, match="--previous"):
        verify_file(copy, signing_keys[1], previous=issued / "manifest-1.0.xml", now=utc_now())
