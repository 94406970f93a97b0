"""No input, registry state or command line makes cplkit print a traceback, clobber an input or
hang: each gets a message naming the path and its own exit status, and nothing is changed.

Each case runs the command line in this process, except where a process of its own is the
point: a file-size or address-space limit on it, or a time limit that kills it if it waits."""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from cplkit.core import model as m
from cplkit.forms.bulk import write_bulk_table
from cplkit.forms.new_entry import write_new_entry_form
from cplkit.intake.rulesets import load_ruleset
from tests.conftest import SAMPLES, Ran
from tests.conftest import run_cli_streams as cplkit
from tests.core.entries import valid_gas

AS_OF = ("--as-of", "2026-11-23")
FORM = SAMPLES / "valid" / "form-gas-smart-meter.xlsx"


def cplkit_process(*args: str | Path, limit_file_bytes: int | None = None,
                   timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """cplkit in a process of its own: under a file-size limit (a full disk, as the writing
    process sees it), and killed if it outlives ``timeout`` (a read that waits for ever)."""
    def limited() -> None:  # a full disk, as the writing process sees it
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        assert limit_file_bytes is not None
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit_file_bytes, limit_file_bytes))

    # with a file-size limit, Python must not cache bytecode: it would write truncated files
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"} if limit_file_bytes else None
    return subprocess.run([sys.executable, "-m", "cplkit", *map(str, args)],
                          capture_output=True, text=True, check=False, timeout=timeout,
                          preexec_fn=limited if limit_file_bytes else None, env=env)


def no_traceback(done: subprocess.CompletedProcess[str] | Ran) -> None:
    assert "Traceback" not in done.stderr + done.stdout, done.stderr
    assert done.returncode >= 0, "killed by a signal"


def test_an_output_never_clobbers_the_submission_it_checked(tmp_path: Path) -> None:
    form = tmp_path / "f.xlsx"
    form.write_bytes(FORM.read_bytes())
    before = form.read_bytes()
    done = cplkit("check", *AS_OF, form, "--format", "html", "-o", form)
    no_traceback(done)
    assert done.returncode == 7 and "one of the files being read" in done.stderr
    assert form.read_bytes() == before
    # through another spelling of the same path too
    done = cplkit("check", *AS_OF, form, "-o", tmp_path / "." / "f.xlsx")
    assert done.returncode == 7 and form.read_bytes() == before


@pytest.mark.slow  # a process of its own, killed if it waits; tests/base reads a FIFO in the loop
def test_a_fifo_is_refused_not_waited_on(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.xlsx"
    os.mkfifo(fifo)
    done = cplkit_process("check", *AS_OF, fifo, FORM, timeout=60)
    no_traceback(done)
    assert done.returncode == 3 and "not a regular file" in done.stdout
    assert "1 entry" in done.stdout  # the other file was still checked
    registry = tmp_path / "registry"
    assert cplkit("init", "-r", registry).returncode == 0
    done = cplkit_process("publish", "-r", registry, *AS_OF, "--dry-run", fifo, timeout=60)
    no_traceback(done)
    assert done.returncode == 3


@pytest.mark.parametrize("command", [
    ["init", "-r", "{notes}/registry"],
    ["keygen", "--out", "{notes}/keys"],
    ["demo", "--out", "{notes}/demo"],
    ["check", "--as-of", "2026-11-23", str(FORM), "-o", "{notes}/report.txt"],
    ["init", "-r", "/proc/cplkit-registry"],
], ids=["init", "keygen", "demo", "check", "proc"])
def test_outputs_under_a_regular_file_or_proc(tmp_path: Path, command: list[str]) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("a file, not a folder")
    done = cplkit(*(c.replace("{notes}", str(notes)) for c in command))
    no_traceback(done)
    assert done.returncode in (2, 4, 7) and done.stderr.startswith("cplkit:")
    assert notes.read_text() == "a file, not a folder"


@pytest.mark.slow  # a process under a file-size limit; cli/test_exit_codes has it in the loop
def test_a_full_disk_during_a_publish_leaves_the_registry_as_it_was(tmp_path: Path) -> None:
    registry = tmp_path / "registry"
    assert cplkit("init", "-r", registry).returncode == 0
    assert cplkit("publish", "-r", registry, *AS_OF, SAMPLES / "valid" / "bulk-submission.csv"
                  ).returncode == 0
    head = (registry / "registry.json").read_bytes()
    form = tmp_path / "new.xlsx"
    write_new_entry_form(form, load_ruleset(), [valid_gas(**{m.FIRMWARE_VERSION: "0A:0B:0C:0D"})])
    done = cplkit_process("publish", "-r", registry, *AS_OF, form, limit_file_bytes=4096)
    no_traceback(done)
    assert done.returncode == 7 and ("File too large" in done.stderr or "EFBIG" in done.stderr)
    assert (registry / "registry.json").read_bytes() == head
    assert cplkit("history", "-r", registry).returncode == 0
    assert cplkit("publish", "-r", registry, *AS_OF, form).returncode == 0  # space again


def test_a_lock_that_is_a_directory_a_link_or_an_unlisted_version(tmp_path: Path) -> None:
    """The registry is damaged (exit 4), not the disk full (7); and a .lock linked to another
    file (the signing service's key, say) is never truncated through."""
    registry = tmp_path / "registry"
    assert cplkit("init", "-r", registry).returncode == 0
    bulk = SAMPLES / "valid" / "bulk-submission.csv"
    (registry / ".lock").unlink(missing_ok=True)
    (registry / ".lock").mkdir()
    for command in (["publish", "-r", registry, *AS_OF, bulk],
                    ["names", "set", "10:6C", "Acme", "-r", registry, "--reason", "x"]):
        done = cplkit(*command)
        no_traceback(done)
        assert done.returncode == 4 and ".lock" in done.stderr, done.stderr
    (registry / ".lock").rmdir()
    precious = tmp_path / "key.pem"
    precious.write_text("the signing service's key")
    (registry / ".lock").symlink_to(precious)
    done = cplkit("publish", "-r", registry, *AS_OF, bulk)
    assert done.returncode == 4 and ".lock" in done.stderr, done.stderr
    assert precious.read_text() == "the signing service's key"
    (registry / ".lock").unlink()
    (registry / "versions" / "1.0").mkdir()  # a version the head does not list
    done = cplkit("publish", "-r", registry, *AS_OF, bulk)
    no_traceback(done)
    assert done.returncode == 4 and "does not list" in done.stderr
    assert json.loads((registry / "registry.json").read_text())["versions"] == []


def test_a_missing_certificate_file(tmp_path: Path) -> None:
    for command in (["init", "-r", tmp_path / "r", "--cert", tmp_path / "none.pem"],
                    ["trust", "add", tmp_path / "none.pem", "-r", tmp_path / "r",
                     "--reason", "x"]):
        done = cplkit(*command)
        no_traceback(done)
        assert done.returncode in (4, 6) and "none.pem" in done.stderr


def test_importing_into_a_link_to_an_empty_folder(tmp_path: Path) -> None:
    from tests.registry.test_registry import _workbook

    target = tmp_path / "empty"
    target.mkdir()
    link = tmp_path / "link"
    link.symlink_to(target)
    done = cplkit("import", _workbook(tmp_path / "cpl.xlsx", "2.051"), "-r", link)
    no_traceback(done)
    assert done.returncode == 0, done.stderr
    assert (target / "registry.json").is_file() and link.is_symlink()


def test_terminal_and_junit_reports_are_safe_from_what_a_submission_holds(
        tmp_path: Path) -> None:
    path = tmp_path / "evil.csv"
    header = ["Device_Type.name", "Device_Model.manufacturer_identifier",
              "Device_Model.model_identifier", "Col\x01\x1b]0;pwned\x07"]
    path.write_text(",".join(header) + "\nGas Smart Meter\x1b[31m,12:3E,20:01,x\n")
    done = cplkit("check", *AS_OF, path)
    no_traceback(done)
    assert "\x1b" not in done.stdout and "\x07" not in done.stdout and "\\u001b" in done.stdout
    junit = cplkit("check", *AS_OF, path, "--format", "junit")
    ET.fromstring(junit.stdout)  # well-formed


def test_a_utf16_copy_of_a_dcc_file_is_verified_as_xml(tmp_path: Path) -> None:
    keys = tmp_path / "keys"
    assert cplkit("keygen", "--out", keys).returncode == 0
    registry = tmp_path / "registry"
    assert cplkit("init", "-r", registry, "--key", keys / "key.pem", "--cert",
                  keys / "cert.pem").returncode == 0
    assert cplkit("publish", "-r", registry, *AS_OF, "--key", keys / "key.pem", "--cert",
                  keys / "cert.pem", SAMPLES / "valid" / "bulk-submission.csv").returncode == 0
    original = registry / "versions" / "1.0" / "cpl-1.0.xml"
    copy = tmp_path / "copy.xml"
    copy.write_bytes(original.read_text(encoding="utf-8").replace(
        "encoding='UTF-8'", "encoding='UTF-16'").encode("utf-16"))
    done = cplkit("verify", copy, "--trust", keys / "cert.pem")
    no_traceback(done)
    # canonical XML does not depend on the encoding: the same content, the same signature
    assert done.returncode == 0 and ".p7s" not in done.stderr, done.stderr
    manifest = registry / "versions" / "1.0" / "manifest-1.0.xml"
    done = cplkit("verify", original, "--trust", keys / "cert.pem", "--previous", manifest)
    assert done.returncode == 2 and "--previous" in done.stderr


def test_bulk_files_keep_every_column_and_the_sheet_is_read(tmp_path: Path) -> None:
    path = tmp_path / "bulk.xlsx"
    write_bulk_table(path, load_ruleset(), [valid_gas()])
    done = cplkit("check", *AS_OF, path)
    assert done.returncode == 0, done.stdout


def test_verify_refuses_a_huge_file_before_reading_it(tmp_path: Path) -> None:
    huge = tmp_path / "huge.xml"
    with huge.open("wb") as stream:  # sparse: 600 MiB that take no disk
        stream.truncate(600 * 2**20)
    keys = tmp_path / "keys"
    assert cplkit("keygen", "--out", keys).returncode == 0
    done = cplkit("verify", huge, "--trust", keys / "cert.pem")
    no_traceback(done)
    assert done.returncode == 3 and "600 MiB" in done.stderr


@pytest.mark.slow  # a process under ulimit -v; test_environments runs every command so in CI
def test_under_an_inherited_address_space_limit_files_are_still_read() -> None:
    """A process started under ``ulimit -v`` (systemd's LimitAS=, many CI runners) cannot raise
    its hard limit: the reading child must stay within it, not be refused and read nothing."""
    gib = 1024 * 1024 * 1024

    def limited() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (gib, gib))

    forms = sorted((SAMPLES / "valid").glob("*.xlsx"))
    done = subprocess.run([sys.executable, "-m", "cplkit", "check", *AS_OF, *map(str, forms)],
                          capture_output=True, text=True, check=False, timeout=300,
                          preexec_fn=limited)
    no_traceback(done)
    assert "CPL-F02" not in done.stdout, done.stdout
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"{len(forms)} files" in done.stdout


@pytest.mark.slow  # hundreds of MiB unpacked; tests/intake/test_hostile has each in the loop
def test_hostile_submissions_end_in_a_finding_never_an_internal_error(tmp_path: Path) -> None:
    """The files of issue 24's hostile submitter, through the command line: each is a finding
    with the documented exit status (3: a file could not be read), quickly, and never 70."""
    from tests.intake.workbooks import shared_strings, table_sheet, workbook_parts, write_parts

    header = ["Device_Type.name", "Device_Model.manufacturer_identifier",
              "Device_Model.model_identifier"]
    strings = shared_strings([*header, "x" * 32_000])
    cells = "".join(f'<c r="{chr(65 + c)}{r}" t="s"><v>3</v></c>' for r in range(2, 12_002)
                    for c in range(26))
    parts = workbook_parts([("Sheet1", "visible", "worksheets/sheet1.xml")], strings=strings)
    parts["xl/worksheets/sheet1.xml"] = table_sheet([header]).replace(
        b"</sheetData>", f'<row r="2">{cells}</row></sheetData>'.encode())
    expanding = write_parts(tmp_path / "expanding.xlsx", parts)
    wide = tmp_path / "wide.csv"
    wide.write_text(",".join(f"x{i}" for i in range(1_000_000)) + "\n")
    many = workbook_parts([(f"S{i}", "visible", "worksheets/sheet1.xml") for i in range(1_500)])
    many["xl/worksheets/sheet1.xml"] = table_sheet([header, ["Gas Smart Meter", "12:3E", "20:01"]])
    aliases = write_parts(tmp_path / "aliases.xlsx", many)
    done = cplkit("check", *AS_OF, expanding, wide, aliases, "/dev/null")
    no_traceback(done)
    assert done.returncode == 3, done.stdout + done.stderr
    assert "512 MiB of text" in done.stdout and "1,000,000 fields" in done.stdout
    assert f"{aliases} (table on sheet 'S0', 1 entry)" in done.stdout
    assert "/dev/null (not read): unreadable" in done.stdout
