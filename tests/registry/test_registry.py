"""The registry's guarantees, each provoked: issued versions never change and tampering is
caught by every reader; a publish is all or nothing even when killed at any step; two publishes
at once cannot both win; a stale base is refused."""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from cplkit.cli import cli
from cplkit.core import model as m
from cplkit.errors import RegistryBusy, RegistryError
from cplkit.forms.new_entry import write_new_entry_form
from cplkit.intake.rulesets import load_ruleset
from cplkit.registry import Registry
from cplkit.registry.codec import Link, decode_version, encode_version
from cplkit.registry.transaction import exclusive_lock
from tests.conftest import SAMPLES, utc_now
from tests.core.entries import valid_gas

AS_OF = "2026-11-23"


def cplkit(*args: str | Path,
           env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "cplkit", *map(str, args)], capture_output=True,
                          text=True, check=False, env={**os.environ, **(env or {})})


def submission(tmp_path: Path, firmware: str) -> Path:
    path = tmp_path / f"form-{firmware.replace(':', '')}.xlsx"
    write_new_entry_form(path, load_ruleset(), [valid_gas(**{m.FIRMWARE_VERSION: firmware})])
    return path


@pytest.fixture
def registry(tmp_path: Path) -> Path:
    """A registry holding version 1.0: the eight bundled bulk-sample entries."""
    path = tmp_path / "registry"
    assert cplkit("init", "-r", path).returncode == 0
    done = cplkit("publish", "-r", path, "--as-of", AS_OF,
                  SAMPLES / "valid" / "bulk-submission.csv")
    assert done.returncode == 0, done.stdout + done.stderr
    return path


def latest(path: Path) -> str | None:
    head = Registry(path).head()
    return head.latest.version if head.latest else None


def test_a_new_registry_is_never_written_over_something(tmp_path: Path) -> None:
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "notes.txt").write_text("keep me")
    done = cplkit("init", "-r", tmp_path / "full")
    assert done.returncode == 2 and "never overwrites" in done.stderr
    assert (tmp_path / "full" / "notes.txt").read_text() == "keep me"
    assert cplkit("init", "-r", tmp_path / "empty").returncode == 0
    assert Registry(tmp_path / "empty").head().versions == ()


def test_versions_read_back_exactly_as_issued(registry: Path, tmp_path: Path) -> None:
    first = Registry(registry).read("1.0")
    assert len(first.version.entries) == 8
    assert cplkit("publish", "-r", registry, "--as-of", AS_OF,
                  submission(tmp_path, "09:09:09:09")).returncode == 0
    again = Registry(registry).read("1.0")
    assert again == first
    assert Registry(registry).read().previous == Link("1.0", first.sha256)


READERS = [["history"], ["list"], ["show", "000001"], ["diff", "1.0", "1.1"], ["audit"]]


def run(registry: Path, *command: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, [*command, "-r", str(registry)])
    return result.exit_code, result.output


@pytest.fixture
def two_versions(registry: Path, tmp_path: Path) -> Path:
    done = cplkit("publish", "-r", registry, "--as-of", AS_OF, submission(tmp_path, "09:09:09:09"))
    assert done.returncode == 0
    return registry


def test_an_altered_older_version_is_reported_by_every_command_that_reads_it(
        two_versions: Path) -> None:
    old = two_versions / "versions" / "1.0" / "version.json"
    old.write_text(old.read_text().replace("20:02", "20:99", 1))
    for command in (["history"], ["diff", "1.0", "1.1"], ["show", "000001", "--version", "1.0"],
                    ["list", "--version", "1.0"]):
        code, output = run(two_versions, *command)
        assert code == 4, command
        assert "versions/1.0/version.json" in output and "altered by hand" in output
    # the latest version is intact and still chains to the digest recorded for 1.0
    assert run(two_versions, "list")[0] == 0


def test_an_altered_head_is_reported_by_every_command(two_versions: Path, tmp_path: Path) -> None:
    head = json.loads((two_versions / "registry.json").read_text())
    head["versions"][0]["sha256"] = "0" * 64
    (two_versions / "registry.json").write_text(json.dumps(head))
    publish = ["publish", "--as-of", AS_OF, str(submission(tmp_path, "0A:0A:0A:0A"))]
    for command in [*READERS, publish]:
        code, output = run(two_versions, *command)
        assert code == 4, (command, output)
        assert "backup" in output
    assert latest(two_versions) == "1.1"


def test_a_missing_version_is_reported(two_versions: Path) -> None:
    (two_versions / "versions" / "1.0" / "version.json").unlink()
    code, output = run(two_versions, "history")
    assert code == 4 and "version 1.0 is missing" in output


def test_a_damaged_head_is_reported(registry: Path) -> None:
    (registry / "registry.json").write_text('{"format": "cplkit-registry", "latest": 7}')
    code, output = run(registry, "list")
    assert code == 4 and "registry.json is damaged" in output


def test_the_latest_version_altered_by_hand_stops_every_command(registry: Path,
                                                               tmp_path: Path) -> None:
    version_file = registry / "versions" / "1.0" / "version.json"
    version_file.write_text(version_file.read_text().replace("Current", "Removed", 1))
    for command in [*READERS[:3], ["audit"],
                    ["publish", "--as-of", AS_OF, str(submission(tmp_path, "0B:0B:0B:0B"))]]:
        result = CliRunner().invoke(cli, [*command, "-r", str(registry)])
        assert result.exit_code == 4, (command, result.output)
        assert "altered by hand" in result.output
    assert latest(registry) == "1.0"


STEPS = ["locked", "before-write", "after-write", "before-head", "after-head", "after-rename"]


@pytest.mark.parametrize("step", STEPS)
def test_a_publish_killed_at_any_step_leaves_a_whole_registry(registry: Path, tmp_path: Path,
                                                              step: str) -> None:
    before = Registry(registry).read()
    change = submission(tmp_path, "09:09:09:09")
    died = cplkit("publish", "-r", registry, "--as-of", AS_OF, change,
                  env={"CPLKIT_FAILPOINT": step})
    assert died.returncode == 86
    visible = latest(registry)
    if step in ("after-head", "after-rename"):
        assert visible == "1.1"  # it died after the version became visible: it is issued, whole
        assert len(Registry(registry).read().version.entries) == 9
    else:
        assert visible == "1.0"
        assert Registry(registry).read() == before
        assert [h.version for h in Registry(registry).history()] == ["1.0"]
    again = cplkit("publish", "-r", registry, "--as-of", AS_OF, submission(tmp_path, "0C:0C:0C:0C"))
    assert again.returncode == 0, again.stdout + again.stderr
    versions = [h.version for h in Registry(registry).history()]
    assert versions == (["1.0", "1.1", "1.2"] if step in ("after-head", "after-rename")
                        else ["1.0", "1.1"])
    assert not [p for p in (registry / "versions").iterdir() if p.name.startswith(".tmp-")]


def test_random_kills_never_leave_a_half_version(registry: Path, tmp_path: Path) -> None:
    rng = random.Random(2026)
    for round_ in range(12):
        change = submission(tmp_path, f"0D:00:00:{round_:02X}")
        process = subprocess.Popen([sys.executable, "-m", "cplkit", "publish", "-r", str(registry),
                                    "--as-of", AS_OF, str(change)],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.0, 0.6))
        process.send_signal(signal.SIGKILL)
        process.wait()
        history = Registry(registry).history()  # reads and verifies every version
        assert history[0].version == "1.0"
        for record in Registry(registry).head().versions:
            Registry(registry).read(record.version)
    done = cplkit("publish", "-r", registry, "--as-of", AS_OF, submission(tmp_path, "0E:0E:0E:0E"))
    assert done.returncode == 0, done.stdout + done.stderr


def test_two_publishes_at_once_only_one_wins(registry: Path, tmp_path: Path) -> None:
    first = subprocess.Popen(
        [sys.executable, "-m", "cplkit", "publish", "-r", str(registry), "--as-of", AS_OF,
         str(submission(tmp_path, "09:09:09:09"))],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "CPLKIT_PAUSE": "locked:3"})
    deadline = time.monotonic() + 20
    holder = [b"pid", str(first.pid).encode()]  # the lock file names its holder
    while (registry / ".lock").read_bytes().split() != holder and time.monotonic() < deadline:
        time.sleep(0.05)
    assert (registry / ".lock").read_bytes().split() == holder, \
        "the first publish never took the lock"
    second_change = submission(tmp_path, "0A:0A:0A:0A")
    second = cplkit("publish", "-r", registry, "--as-of", AS_OF, second_change)
    assert second.returncode == 5
    assert "another cplkit is writing" in second.stderr and "nothing was changed" in second.stderr
    out, err = first.communicate(timeout=60)
    assert first.returncode == 0, out + err
    assert latest(registry) == "1.1"
    retry = cplkit("publish", "-r", registry, "--as-of", AS_OF, second_change)
    assert retry.returncode == 0
    assert latest(registry) == "1.2"


def test_a_stale_base_is_refused(registry: Path, tmp_path: Path) -> None:
    change = submission(tmp_path, "09:09:09:09")
    dry = cplkit("publish", "-r", registry, "--as-of", AS_OF, "--dry-run", change)
    assert dry.returncode == 0 and "after 1.0" in dry.stdout
    assert latest(registry) == "1.0"
    assert cplkit("publish", "-r", registry, "--as-of", AS_OF,
                  submission(tmp_path, "0A:0A:0A:0A")).returncode == 0
    stale = cplkit("publish", "-r", registry, "--as-of", AS_OF, "--base", "1.0", change)
    assert stale.returncode == 5 and "prepared on version 1.0" in stale.stderr
    assert latest(registry) == "1.1"
    assert cplkit("publish", "-r", registry, "--as-of", AS_OF, "--base", "1.1",
                  change).returncode == 0


@pytest.mark.parametrize("empty", [False, True], ids=["stale", "empty-registry"])
def test_a_dry_run_and_a_publish_refuse_a_bad_base_alike(registry: Path, tmp_path: Path,
                                                         empty: bool) -> None:
    """One transaction behind both: the same exit status and message for the same base."""
    if empty:
        registry = tmp_path / "empty"
        assert cplkit("init", "-r", registry).returncode == 0
        base = "2.0"
    else:
        assert cplkit("publish", "-r", registry, "--as-of", AS_OF,
                      submission(tmp_path, "0B:0B:0B:0B")).returncode == 0
        base = "1.0"
    change = submission(tmp_path, "0C:0C:0C:0C")
    before = latest(registry)
    runs = [cplkit("publish", "-r", registry, "--as-of", AS_OF, "--base", base, *dry, change)
            for dry in (["--dry-run"], [])]
    assert [r.returncode for r in runs] == [5, 5]
    assert runs[0].stderr == runs[1].stderr
    assert f"prepared on version {base}" in runs[0].stderr
    assert latest(registry) == before


def test_a_dry_run_writes_nothing_not_even_leftovers(registry: Path, tmp_path: Path) -> None:
    """A dry run on a registry an interrupted publish left debris in removes nothing."""
    debris = registry / "versions" / ".tmp-1.1-12345"
    debris.mkdir()
    dry = cplkit("publish", "-r", registry, "--as-of", AS_OF, "--dry-run",
                 submission(tmp_path, "0D:0D:0D:0D"))
    assert dry.returncode == 0, dry.stdout + dry.stderr
    assert debris.is_dir()


@pytest.mark.tampered
def test_a_head_shortened_by_hand_is_refused_before_anything_is_signed(
        registry: Path, tmp_path: Path) -> None:
    """Dropping the last record from registry.json must not make 'refresh' sign that the
    version before is current, nor 'publish' sign a second, different version of that number."""
    assert cplkit("publish", "-r", registry, "--as-of", AS_OF,
                  submission(tmp_path, "0E:0E:0E:0E")).returncode == 0
    statement = (registry / "latest.xml").read_bytes()
    head = registry / "registry.json"
    doc = json.loads(head.read_text())
    doc["versions"] = doc["versions"][:-1]
    doc["latest"] = doc["versions"][-1]["version"]
    head.write_text(json.dumps(doc))
    for command in (["refresh", "-r", registry],
                    ["publish", "-r", registry, "--as-of", AS_OF,
                     submission(tmp_path, "0F:0F:0F:0F")],
                    ["publish", "-r", registry, "--as-of", AS_OF, "--dry-run",
                     submission(tmp_path, "0F:0F:0F:0F")]):
        done = cplkit(*command)
        assert done.returncode == 4, done.stdout + done.stderr
        assert "does not list" in done.stderr and "by hand" in done.stderr
    assert (registry / "latest.xml").read_bytes() == statement
    assert sorted(p.name for p in (registry / "versions").iterdir()) == ["1.0", "1.1"]


@pytest.mark.tampered
def test_a_head_rolled_back_with_its_folder_is_caught_by_the_signed_statement(
        registry: Path, tmp_path: Path) -> None:
    """The last record dropped from registry.json and its version folder removed too: the
    signed latest.xml still names that version, so nothing is signed against the older head."""
    assert cplkit("publish", "-r", registry, "--as-of", AS_OF,
                  submission(tmp_path, "0E:0E:0E:0E")).returncode == 0
    head = registry / "registry.json"
    doc = json.loads(head.read_text())
    doc["versions"] = doc["versions"][:-1]
    doc["latest"] = doc["versions"][-1]["version"]
    head.write_text(json.dumps(doc))
    shutil.rmtree(registry / "versions" / "1.1")
    for command in (["refresh", "-r", registry],
                    ["publish", "-r", registry, "--as-of", AS_OF,
                     submission(tmp_path, "0F:0F:0F:0F")]):
        done = cplkit(*command)
        assert done.returncode == 4, done.stdout + done.stderr
        assert "names version 1.1 as current" in done.stderr and "rolled back" in done.stderr
    assert sorted(p.name for p in (registry / "versions").iterdir()) == ["1.0"]


def test_library_errors(tmp_path: Path) -> None:
    with pytest.raises(RegistryError, match="not a cplkit registry"):
        Registry(tmp_path).head()
    registry = Registry.create(tmp_path / "r", utc_now())
    with pytest.raises(RegistryError, match="no version yet"):
        registry.read()
    with exclusive_lock(registry.path), pytest.raises(RegistryBusy), registry.edit():
        pass


@pytest.mark.tampered
def test_a_hand_edited_trust_record_authorises_nothing(registry: Path, tmp_path: Path) -> None:
    """A signer appended to the policy by hand (its certificate genuine, its fingerprint right)
    breaks the record's signature: damage (exit 4), found before it could authorise anything."""
    from cplkit.signing.signers import generate_throwaway

    _, pem = generate_throwaway(now=utc_now())
    record = registry / "policy" / "1.json"
    document = json.loads(record.read_text())
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes

    certificate = x509.load_pem_x509_certificate(pem)
    document["signers"].append({**document["signers"][0], "pem": pem.decode(),
                                "sha256": certificate.fingerprint(hashes.SHA256()).hex(),
                                "subject": "CN=someone else"})
    record.write_text(json.dumps(document))
    before = (registry / "registry.json").read_bytes()
    done = cplkit("publish", "-r", registry, "--as-of", AS_OF, submission(tmp_path, "0E:0E:0E:0E"))
    assert done.returncode == 4, done.stderr
    assert "policy record 1" in done.stderr and "by hand" in done.stderr
    assert "Traceback" not in done.stderr
    assert (registry / "registry.json").read_bytes() == before


def _workbook(path: Path, number: str, label: str | None = None) -> Path:
    """A SECAS-layout workbook issuing version ``number`` with one entry."""
    import datetime as dt

    from cplkit.publications.workbook import workbook_bytes

    entry = m.Entry.of({m.ENTRY_NUMBER: "000001", m.ENTRY_STATUS: "Current",
                        **{k: v for k, v in valid_gas().items()
                           if k in m.PUBLISHED_FIELDS and isinstance(v, str)}})
    version = m.CplVersion(m.VersionNumber.parse(number), dt.date(2026, 11, 20), (entry,),
                           "Imported.")
    path.write_bytes(workbook_bytes(version, load_ruleset()))
    if label is not None:
        from openpyxl import load_workbook

        wb = load_workbook(path)
        assert wb["Version Control"]["A3"].value == version.label
        wb["Version Control"]["A3"].value = label
        wb.save(path)
    return path


def test_a_version_number_the_registry_cannot_hold_is_never_written(tmp_path: Path) -> None:
    """1.99999999999999 is a version; the one after it would not fit the registry's format, so
    the publish is refused before anything is written, and the registry stays readable."""
    registry = tmp_path / "registry"
    workbook = _workbook(tmp_path / "cpl.xlsx", "1.99999999999999")
    done = cplkit("import", workbook, "-r", registry)
    assert done.returncode == 0, done.stderr
    before = sorted(p.name for p in (registry / "versions").iterdir())
    done = cplkit("publish", "-r", registry, "--as-of", AS_OF, submission(tmp_path, "0F:0F:0F:0F"))
    assert done.returncode == 2 and "cannot be issued" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr
    assert sorted(p.name for p in (registry / "versions").iterdir()) == before
    assert cplkit("history", "-r", registry).returncode == 0


@pytest.mark.tampered
def test_a_failing_command_never_moves_anything_in_a_damaged_registry(
        registry: Path, tmp_path: Path) -> None:
    leftover = registry / "versions" / ".tmp-1.1-12345"
    leftover.mkdir()
    (leftover / "version.json").write_text("{}")
    head = registry / "registry.json"
    head.write_text(head.read_text().replace('"latest": "1.0"', '"latest": "9.9"'))
    done = cplkit("publish", "-r", registry, "--as-of", AS_OF, submission(tmp_path, "10:10:10:10"))
    assert done.returncode == 4
    assert leftover.is_dir() and not (registry / ".abandoned").exists()


def test_entry_numbers_never_pass_999999(tmp_path: Path) -> None:
    registry = tmp_path / "registry"
    workbook = _workbook(tmp_path / "cpl.xlsx", "2.051")
    from openpyxl import load_workbook

    wb = load_workbook(workbook)
    wb["Central Products List"]["B8"].value = "999999"
    wb.save(workbook)
    assert cplkit("import", workbook, "-r", registry).returncode == 0
    for dry in (["--dry-run"], []):
        done = cplkit("publish", "-r", registry, "--as-of", AS_OF, *dry,
                      submission(tmp_path, "11:11:11:11"))
        assert done.returncode == 2 and "would pass 999999" in done.stderr, done.stderr
        assert "Traceback" not in done.stderr


def test_an_entry_number_of_eleven_digits_is_refused_quickly(tmp_path: Path) -> None:
    workbook = _workbook(tmp_path / "cpl.xlsx", "2.051")
    from openpyxl import load_workbook

    wb = load_workbook(workbook)
    wb["Central Products List"]["B8"].value = "12345678901"
    wb.save(workbook)
    done = cplkit("import", workbook, "-r", tmp_path / "registry")
    assert done.returncode == 3 and "no usable entry number" in done.stderr
    assert not (tmp_path / "registry").exists()


def test_a_label_the_registry_cannot_hold_is_never_imported(tmp_path: Path) -> None:
    workbook = _workbook(tmp_path / "cpl.xlsx", "2.051",
                         label="Version 123456789012345678.1 Issued on 20-11-2026")
    done = cplkit("import", workbook, "-r", tmp_path / "registry")
    assert done.returncode == 2 and "cannot be issued" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "registry").exists()
    assert not list(tmp_path.glob(".registry.importing-*"))


def test_a_forked_child_does_not_keep_the_registry_locked(tmp_path: Path) -> None:
    """The workbook and the readers run in forked children while a publish holds the lock;
    they close their copy of it, so a killed publish never leaves the registry busy."""
    from cplkit.base.isolation import InChild

    def open_files() -> list[str]:
        found = []
        for fd in Path("/proc/self/fd").iterdir():
            try:
                found.append(str(fd.readlink()))
            except OSError:
                continue  # the descriptor the listing itself used
        return found

    registry = Registry.create(tmp_path / "r", utc_now())
    lock = str((tmp_path / "r" / ".lock").resolve())
    with registry.edit():
        assert lock in open_files()  # held here
        assert lock not in InChild(open_files).result(30)
    assert lock not in open_files()


@pytest.mark.tampered
def test_registry_files_swapped_for_a_pipe_are_refused_at_once(registry: Path) -> None:
    """Read as they come, a FIFO in place of the head or a version file would hang every
    command for ever: each is refused (exit 4) in bounded time."""
    for path in (registry / "registry.json", registry / "versions" / "1.0" / "version.json",
                 registry / "policy" / "1.json"):
        saved = path.read_bytes()
        path.unlink()
        os.mkfifo(path)
        done = subprocess.run(
            [sys.executable, "-m", "cplkit", "trust", "list", "-r", str(registry)],
            capture_output=True, text=True, timeout=30, check=False)
        assert done.returncode == 4, done.stderr
        assert "pipe" in done.stderr and "Traceback" not in done.stderr
        path.unlink()
        path.write_bytes(saved)


@pytest.mark.tampered
def test_a_company_name_that_breaks_a_line_is_never_read_from_the_policy(
        registry: Path) -> None:
    """A name in the register becomes part of the history's item lines: one holding a line
    break and a forged entry is damage (exit 4), never a line of an issued file."""
    assert cplkit("names", "set", "12:3E", "Example Meters Ltd", "-r", registry,
                  "--reason", "the maker's letter").returncode == 0
    record = registry / "policy" / "2.json"
    record.write_text(record.read_text().replace(
        "Example Meters Ltd", "Example Meters Ltd\\r\\n000999 - Forged Meters Ltd"))
    for command in (["names", "list"], ["publish", "--dry-run", "--as-of", AS_OF,
                                        str(SAMPLES / "valid" / "form-ppmid.xlsx")]):
        done = cplkit(*command, "-r", registry)
        assert done.returncode == 4, done.stdout + done.stderr
        assert "line break" in done.stderr and "Forged" not in done.stdout


@pytest.mark.tampered
def test_a_statement_swapped_for_a_folder_is_damage(registry: Path) -> None:
    """Found by the random damage test: refresh tried to write its new statement over the
    folder, and reported a full disk (7) for what is a damaged registry (4)."""
    (registry / "latest.xml").unlink()
    (registry / "latest.xml").mkdir()
    done = cplkit("refresh", "-r", registry)
    assert done.returncode == 4 and "latest.xml" in done.stderr, done.stderr


MADE_BY = {"tool": "cplkit", "tool_version": "0", "how": "publish", "ruleset": None,
           "sources": []}


def _version_with(*entries: m.Entry) -> m.CplVersion:
    return m.CplVersion(m.VersionNumber.parse("1.0"), dt.date(2026, 11, 23), entries,
                        "One new SMETS2 device model added:")


def test_a_product_name_is_a_note_of_the_entry_row_old_rows_read_as_before() -> None:
    """The codec writes a product name as a third part of the entry's row, after the values as
    issued (an empty object when there are none); rows without it, as every version before,
    read as ever; the whole file, entries included, follows version.schema.json."""
    from jsonschema import Draft202012Validator

    from cplkit.base import resources

    plain = m.Entry.of({m.ENTRY_NUMBER: "000001", m.ENTRY_STATUS: "Current"})
    named = m.Entry.of({m.ENTRY_NUMBER: "000002", m.ENTRY_STATUS: "Current"},
                       product_name="SGM1422B Twin")
    imported = m.Entry.of({m.ENTRY_NUMBER: "000003", m.ENTRY_STATUS: "Current"},
                          {m.SPEC_VERSION: "CHTS V1.0 "}, "ES-10B")
    data = encode_version(_version_with(plain, named, imported), None, MADE_BY)
    rows = [json.loads(line.rstrip(",")) for line in data.decode().splitlines()
            if line.startswith("[")]
    assert [r[20:] for r in rows] == [
        [], [{}, {"product_name": "SGM1422B Twin"}],
        [{m.SPEC_VERSION: "CHTS V1.0 "}, {"product_name": "ES-10B"}]]
    assert [e.product_name for e in decode_version(data, "v").version.entries] == [
        None, "SGM1422B Twin", "ES-10B"]
    assert decode_version(data, "v").version.entries[2].issued == {m.SPEC_VERSION: "CHTS V1.0 "}
    errors = Draft202012Validator(resources.load_json("version.schema.json")).iter_errors(
        json.loads(data))
    assert [e.message for e in errors] == []
    # a version written before product names were kept: 20 values, or 21 with the issued ones
    old = encode_version(_version_with(plain, replace(imported, product_name=None)), None, MADE_BY)
    assert b"product_name" not in old
    assert [e.product_name for e in decode_version(old, "v").version.entries] == [None, None]


@pytest.mark.parametrize(("notes", "said"), [
    ({"product_name": "FVI\r\n000999 - Forged Meters Ltd"}, "line break"),
    ({"product_name": "F" * 101}, "at most 100"),
    ({"product_name": " "}, "is empty"),
    ({"product_name": 7}, "notes are not"),
    ({"product_name": "FVI", "colour": "blue"}, "notes are not"),
    ("FVI", "notes are not"),
])
def test_a_product_name_that_is_not_one_short_line_is_damage(notes: object, said: str) -> None:
    """A product name reaches history lines and the Plain English Mapping: a note holding a
    line break, an overlong or empty name, or anything but the name is a damaged file."""
    data = encode_version(_version_with(m.Entry.of({m.ENTRY_NUMBER: "000001"},
                                                   product_name="FVI")), None, MADE_BY)
    damaged = data.replace(b'{"product_name": "FVI"}', json.dumps(notes).encode())
    assert damaged != data
    with pytest.raises(RegistryError, match=said):
        decode_version(damaged, "versions/1.0/version.json")


def test_a_product_name_is_kept_with_its_entry_and_covered_by_the_version_digest(
        tmp_path: Path) -> None:
    """A form's Product.name is kept with the entry in version.json, never in the DCC file or
    the CSV extract; a later removal's history line names it; a hand edit of it is an altered
    version (exit 4), like any other byte of the file."""
    registry = tmp_path / "registry"
    assert run(registry, "init")[0] == 0
    form = tmp_path / "form.xlsx"
    write_new_entry_form(form, load_ruleset(), [valid_gas(**{"Product.name": "G4SZV-1"})])
    code, output = run(registry, "publish", "--as-of", AS_OF, str(form))
    assert code == 0, output
    folder = registry / "versions" / "1.0"
    assert '{"product_name": "G4SZV-1"}]' in (folder / "version.json").read_text()
    for issued in ("cpl-1.0.xml", "cpl-1.0.csv"):
        assert b"G4SZV-1" not in (folder / issued).read_bytes()
    assert "G4SZV-1" in (folder / "plain-english-1.0.csv").read_text()
    removals = tmp_path / "removals.csv"
    removals.write_text("Entry.number,reason,decision\r\n000001,CPA withdrawn,SSC 2026-11-24\r\n")
    code, output = run(registry, "publish", "--as-of", AS_OF, str(removals))
    assert code == 0, output
    later = Registry(registry).read("1.1").version
    assert later.by_number()["000001"].product_name == "G4SZV-1"
    assert " G4SZV-1 " in later.changes.split("\r\n")[1]  # the removal's item line
    stored = registry / "versions" / "1.1" / "version.json"
    stored.write_text(stored.read_text().replace('"G4SZV-1"', '"G4SZV-9"'))
    code, output = run(registry, "list")
    assert code == 4 and "altered by hand" in output
