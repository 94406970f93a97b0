"""The edit transaction's folder of new files: each file is written once as it is made, digested
on its way to the disk and never held; what an edit that is not committed wrote is removed, a
dry run never writes into the versions folder, and a committed version lists exactly the files
written, by the digests taken as they were written."""

from __future__ import annotations

import ast
import datetime as dt
import io
import os
import zipfile
from contextlib import nullcontext
from pathlib import Path

import pytest

from cplkit.base.digest import file_sha256
from cplkit.base.isolation import InChild
from cplkit.core import model as m
from cplkit.errors import RegistryError
from cplkit.registry import AbortEdit, Registry
from cplkit.registry.disk import NewFiles
from tests.conftest import ROOT, utc_now


def _version(number: str) -> m.CplVersion:
    return m.CplVersion(m.VersionNumber.parse(number), dt.date(2026, 11, 23), (), "A version.")


def _leftovers(registry: Registry) -> list[str]:
    return sorted(p.name for p in (registry.path / "versions").iterdir()
                  if p.name.startswith(".tmp-"))


def test_a_file_is_digested_as_it_is_written(tmp_path: Path) -> None:
    files = NewFiles(tmp_path)
    # a zip writer that cannot seek writes its sizes after each member: a valid file
    with files.create("a.zip") as out, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("sheet.xml", "<row/>" * 10_000)
    digest = files.add("b.txt", b"plain")
    assert files.digests == {"a.zip": file_sha256(tmp_path / "a.zip"),
                             "b.txt": file_sha256(tmp_path / "b.txt")}
    assert digest == files.digest("b.txt")
    assert zipfile.ZipFile(tmp_path / "a.zip").read("sheet.xml") == b"<row/>" * 10_000
    assert files.read("b.txt") == b"plain"


def test_a_written_file_cannot_seek_be_written_twice_or_change_unseen(tmp_path: Path) -> None:
    files = NewFiles(tmp_path)
    with files.create("a.bin") as out, pytest.raises(io.UnsupportedOperation):
        out.write(b"12345")
        out.seek(0)  # the digest would no longer be of what the file holds
    files.add("b.bin", b"first")
    with pytest.raises(RegistryError, match=r"written to .* already"):
        files.add("b.bin", b"second")
    with pytest.raises(RegistryError, match="cannot be the name"):
        files.add("../outside", b"x")
    (tmp_path / "b.bin").write_bytes(b"FIRST")
    with pytest.raises(RegistryError, match="changed after it was written"):
        files.read("b.bin")


def test_a_file_a_forked_child_wrote_is_adopted_by_its_digest(tmp_path: Path) -> None:
    files = NewFiles(tmp_path)

    def write() -> str:
        return files.add("workbook.xlsx", b"made on the other core")

    said = InChild(write).result(60)
    assert "workbook.xlsx" not in files  # the child's copy recorded it, not this one
    assert files.unexpected() == ["workbook.xlsx"]
    assert files.adopt("workbook.xlsx") == said == file_sha256(tmp_path / "workbook.xlsx")
    assert files.unexpected() == []
    with pytest.raises(RegistryError, match="is not a file written"):
        files.adopt("never-written.xlsx")


def test_a_version_lists_the_files_written_as_they_were_made(tmp_path: Path) -> None:
    registry = Registry.create(tmp_path / "r", utc_now())
    with registry.edit() as tx:
        files = tx.files(_version("1.0"))
        assert files.folder.parent == registry.path / "versions"
        assert files.folder.name == f".tmp-1.0-{os.getpid()}"
        files.add("cpl-1.0.csv", b"a,b\n")
        files.add("cpl-1.0.json", b"{}")
        tx.issue(_version("1.0"), how="import")
    stored = registry.read()
    assert dict(stored.files) == {"cpl-1.0.csv": file_sha256(registry.path / "versions" / "1.0" /
                                                             "cpl-1.0.csv"),
                                  "cpl-1.0.json": file_sha256(registry.path / "versions" / "1.0" /
                                                              "cpl-1.0.json")}
    assert registry.file(stored, "cpl-1.0.csv") == b"a,b\n"
    assert registry.file_sha256(stored, "cpl-1.0.json") == stored.files["cpl-1.0.json"]
    assert _leftovers(registry) == []


@pytest.mark.parametrize("stop", [AbortEdit, RuntimeError], ids=["aborted", "failed"])
def test_an_edit_that_is_not_committed_leaves_none_of_its_files(tmp_path: Path,
                                                                stop: type[Exception]) -> None:
    registry = Registry.create(tmp_path / "r", utc_now())
    head = (registry.path / "registry.json").read_bytes()
    with pytest.raises(RuntimeError) if stop is RuntimeError else nullcontext(), \
            registry.edit() as tx:
        tx.files(_version("1.0")).add("cpl-1.0.csv", b"a,b\n")
        assert _leftovers(registry) == [f".tmp-1.0-{os.getpid()}"]
        raise stop
    assert _leftovers(registry) == []
    assert (registry.path / "registry.json").read_bytes() == head


def test_a_dry_run_writes_outside_the_versions_folder_and_issues_nothing(
        tmp_path: Path) -> None:
    registry = Registry.create(tmp_path / "r", utc_now())
    debris = registry.path / "versions" / ".tmp-1.0-12345"
    debris.mkdir()
    with registry.edit(dry_run=True) as tx:
        files = tx.files(_version("1.0"))
        files.add("cpl-1.0.csv", b"a,b\n")
        scratch = files.folder
        assert registry.path not in scratch.parents
        with pytest.raises(RegistryError, match="a dry run issues nothing"):
            tx.issue(_version("1.0"), how="publish")
        raise AbortEdit
    assert not scratch.exists()
    assert _leftovers(registry) == [".tmp-1.0-12345"]  # set aside only by a commit
    assert registry.head().latest is None


def test_a_dry_run_removes_the_scratch_folders_of_dry_runs_killed_before(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A dry run killed (SIGKILL) cannot remove its scratch folder; the next dry run removes
    it, and nothing else: not a folder whose process runs, nor one whose lock is held (a dry
    run in another container sharing the folder, whose pid this one cannot see), nor a link
    named like one (nor what it points to), nor another name."""
    import fcntl
    import subprocess
    import sys
    import tempfile

    temp = tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()
    dead = temp / f"cplkit-dry-run-1.0-{gone}-abc12345"
    running = temp / f"cplkit-dry-run-1.0-{os.getppid()}-def45678"
    locked = temp / f"cplkit-dry-run-1.0-{gone}-locked00"
    mine = temp / f"cplkit-dry-run-notes-{gone}-01"
    older = temp / "cplkit-dry-run-1.0-xyz78900"  # an older cplkit's name, without a pid
    target = tmp_path / "precious"
    for folder in (dead, running, locked, mine, older, target):
        folder.mkdir()
        (folder / "cpl-1.0.xml").write_bytes(b"x" * 1000)
    link = temp / f"cplkit-dry-run-1.0-{gone}-link0000"
    link.symlink_to(target)
    holder = os.open(locked, os.O_RDONLY | os.O_DIRECTORY)
    fcntl.flock(holder, fcntl.LOCK_EX)
    try:
        registry = Registry.create(tmp_path / "r", utc_now())
        with registry.edit(dry_run=True) as tx:
            scratch = tx.files(_version("1.0")).folder
            assert scratch.parent == temp and f"-{os.getpid()}-" in scratch.name
            raise AbortEdit
    finally:
        os.close(holder)
    assert sorted(p.name for p in temp.iterdir()) == sorted(
        p.name for p in (running, locked, mine, older, link))
    assert (target / "cpl-1.0.xml").is_file()


def test_a_running_dry_runs_scratch_folder_is_locked_until_it_ends(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch
                                                                   ) -> None:
    import fcntl
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    registry = Registry.create(tmp_path / "r", utc_now())
    with registry.edit(dry_run=True) as tx:
        scratch = tx.files(_version("1.0")).folder
        other = os.open(scratch, os.O_RDONLY | os.O_DIRECTORY)
        try:
            with pytest.raises(BlockingIOError):
                fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
        finally:
            os.close(other)
        raise AbortEdit
    assert not scratch.exists()


def test_a_leftover_under_this_very_name_is_never_mixed_in(tmp_path: Path) -> None:
    """A process killed before its commit point left the folder a new one of the same pid (a
    container's first process, say) would write to: the new files go elsewhere, and the commit
    removes the leftover."""
    registry = Registry.create(tmp_path / "r", utc_now())
    debris = registry.path / "versions" / f".tmp-1.0-{os.getpid()}"
    debris.mkdir()
    (debris / "cpl-1.0.csv").write_bytes(b"half")
    with registry.edit() as tx:
        files = tx.files(_version("1.0"))
        assert files.folder != debris
        files.add("cpl-1.0.csv", b"whole")
        tx.issue(_version("1.0"), how="import")
    stored = registry.read()
    assert registry.file(stored, "cpl-1.0.csv") == b"whole"
    assert _leftovers(registry) == []


def test_a_file_in_the_folder_that_was_never_written_for_it_stops_the_commit(
        tmp_path: Path) -> None:
    registry = Registry.create(tmp_path / "r", utc_now())
    with pytest.raises(RegistryError, match=r"stray\.bin, which was not written"), \
            registry.edit() as tx:
        files = tx.files(_version("1.0"))
        (files.folder / "stray.bin").write_bytes(b"?")
        tx.issue(_version("1.0"), how="import")
    assert registry.head().latest is None and _leftovers(registry) == []


def test_a_version_that_does_not_follow_gets_no_folder(tmp_path: Path) -> None:
    registry = Registry.create(tmp_path / "r", utc_now())
    with registry.edit() as tx:
        tx.files(_version("1.0")).add("a.csv", b"a")
        tx.issue(_version("1.0"), how="import")
    with pytest.raises(RegistryError, match="does not follow"), registry.edit() as tx:
        tx.files(_version("1.2"))
    assert _leftovers(registry) == []


def test_the_store_and_the_transaction_import_no_loop() -> None:
    """Counting imports made for type checking only: the transaction names what it needs of
    the store instead of importing it."""
    folder = ROOT / "cplkit" / "registry"
    graph: dict[str, set[str]] = {}
    for path in folder.glob("*.py"):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                names.add(node.module)
            elif isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
        graph[f"cplkit.registry.{path.stem}"] = {
            n for n in names if n.startswith("cplkit.registry.")}

    def reaches(start: str, target: str, seen: set[str]) -> bool:
        for name in graph.get(start, set()) - seen:
            if name == target or reaches(name, target, seen | {name}):
                return True
        return False

    looped = [name for name in graph if name != "cplkit.registry.__init__"
              and reaches(name, name, set())]
    assert looped == []

