"""One clock: only the command line reads the wall clock, once per command, and hands that time
down; so one publish judges its signing certificate at one instant and every file it signs
says the same time.

A scan of every module's syntax finds the ways Python reads the wall clock (``datetime.now``,
``date.today``, ``time.time``, ``gmtime()`` without a time, ``formatdate()`` without one...).
A timeout or a duration (``time.monotonic``) is not the wall clock and is not looked for.
"""

from __future__ import annotations

import ast
import datetime as dt
import os
import re
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT, SAMPLES, run_cli, utc_now

PACKAGE = ROOT / "cplkit"
COMMANDS = PACKAGE / "cli"
BELOW_THE_COMMANDS = sorted(p for p in PACKAGE.rglob("*.py") if COMMANDS not in p.parents)

#: attributes that read the clock whatever they are called on: datetime.now, utcnow, today
_READERS = {"now", "utcnow", "today"}
#: functions of ``time`` that read the clock: always, or when given no time of their own
_TIME_ALWAYS = {"time", "time_ns"}
_TIME_WITHOUT_ARGUMENT = {"gmtime", "localtime", "ctime", "asctime"}


def clock_reads(tree: ast.AST) -> list[str]:
    """Each read of the wall clock in ``tree``, as 'line N: what'."""
    # 'from time import time as clock': each name a function of ``time`` goes by here
    from_time = {alias.asname or alias.name: alias.name for node in ast.walk(tree)
                 if isinstance(node, ast.ImportFrom) and node.module == "time"
                 for alias in node.names}
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        function = node.func
        if isinstance(function, ast.Attribute):
            name = function.attr
            on_time = isinstance(function.value, ast.Name) and function.value.id == "time"
        elif isinstance(function, ast.Name):
            name = from_time.get(function.id, function.id)
            on_time = function.id in from_time
        else:
            continue
        given = len(node.args) + len(node.keywords)
        if (isinstance(function, ast.Attribute) and name in _READERS) or \
                (on_time and name in _TIME_ALWAYS) or \
                (on_time and name in _TIME_WITHOUT_ARGUMENT and not given) or \
                (on_time and name == "strftime" and len(node.args) < 2) or \
                (name == "formatdate" and not node.args and
                 "timeval" not in {k.arg for k in node.keywords}):
            found.append(f"line {node.lineno}: {ast.unparse(node)}")
    return found


@pytest.mark.parametrize("path", BELOW_THE_COMMANDS,
                         ids=[str(p.relative_to(ROOT)) for p in BELOW_THE_COMMANDS])
def test_no_module_below_the_commands_reads_the_clock(path: Path) -> None:
    found = clock_reads(ast.parse(path.read_text()))
    assert not found, (f"{path.relative_to(ROOT)} reads the clock ({'; '.join(found)}): take "
                       "the time as a parameter; the command passes cli.common.reference_time()")


def test_the_commands_read_it_in_one_place() -> None:
    """Every command takes its time from ``cli.common.reference_time``, the one reading."""
    reads = {path.name: clock_reads(ast.parse(path.read_text()))
             for path in sorted(COMMANDS.rglob("*.py"))}
    assert {name: found for name, found in reads.items() if found}.keys() == {"common.py"}
    tree = ast.parse((COMMANDS / "common.py").read_text())
    (reading,) = (node for node in tree.body
                  if isinstance(node, ast.FunctionDef) and node.name == "reference_time")
    assert len(reads["common.py"]) == 1 and clock_reads(reading) == reads["common.py"]


@pytest.mark.parametrize("source", [
    "import datetime as dt\ndt.datetime.now(dt.UTC)",
    "from datetime import datetime\ndatetime.now()",
    "import datetime\ndatetime.datetime.utcnow()",
    "import datetime as dt\ndt.date.today()",
    "import time\ntime.time()",
    "import time\ntime.time_ns()",
    "from time import time as clock\nclock()",
    "import time\ntime.gmtime()",
    "import time\ntime.localtime()",
    "import time\ntime.strftime('%Y')",
    "from email.utils import formatdate\nformatdate(localtime=False, usegmt=True)",
])
def test_the_scan_catches_each_way_of_reading_the_clock(source: str) -> None:
    assert len(clock_reads(ast.parse(source))) == 1


@pytest.mark.parametrize("source", [
    "import time\ntime.monotonic()",
    "import time\ntime.perf_counter()",
    "import time\ntime.sleep(1)",
    "import time\ntime.gmtime(0)",
    "import time\ntime.strftime('%Y', moment)",
    "import datetime as dt\ndt.datetime.fromtimestamp(stamp, dt.UTC)",
    "from email.utils import format_datetime\nformat_datetime(now, usegmt=True)",
    "from email.utils import formatdate\nformatdate(stamp)",
])
def test_the_scan_lets_a_given_time_through(source: str) -> None:
    assert clock_reads(ast.parse(source)) == []


def _signed_at(xml: bytes) -> dt.datetime:
    found = re.search(rb'signedAt="([^"]+)"', xml)
    assert found is not None
    return dt.datetime.fromisoformat(found.group(1).decode().replace("Z", "+00:00"))


def _cms_signing_time(signature: bytes) -> dt.datetime:
    from asn1crypto import cms

    attributes = cms.ContentInfo.load(signature)["content"]["signer_infos"][0]["signed_attrs"]
    times = [a["values"][0].native for a in attributes if a["type"].native == "signing_time"]
    assert len(times) == 1
    moment: dt.datetime = times[0]
    return moment


def _times_of(registry: Path, number: str) -> set[dt.datetime]:
    """When each signed file of version ``number`` says it was signed."""
    from cplkit.publications.filenames import IssuedFiles

    names = IssuedFiles(number)
    folder = registry / "versions" / number
    return {_signed_at((folder / names.dcc_xml).read_bytes()),
            _signed_at((folder / names.manifest).read_bytes()),
            _signed_at((registry / "latest.xml").read_bytes()),
            _cms_signing_time((folder / names.csv_signature).read_bytes()),
            _cms_signing_time((folder / names.fir_signature).read_bytes())}


def test_one_publish_judges_its_certificate_at_the_time_it_is_given(
        tmp_path: Path, identity: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The time handed to the publish, not the clock: an hour ago, to tell the two apart."""
    from cplkit.app.publish import publish
    from cplkit.app.trust import init_registry

    given = utc_now() - dt.timedelta(hours=1)
    registry = tmp_path / "registry"
    init_registry(registry, identity, now=given)
    judged: list[dt.datetime] = []
    check = type(identity).check_valid

    def recorded(signer: Any, at: dt.datetime) -> None:
        judged.append(at)
        check(signer, at)

    monkeypatch.setattr(type(identity), "check_valid", recorded)
    outcome = publish(registry, [SAMPLES / "valid" / "bulk-submission.csv"], None,
                      dt.date(2026, 11, 23), identity, now=given)
    assert outcome.issued is not None
    assert judged and set(judged) == {given}
    assert _times_of(registry, str(outcome.issued.version.number)) == {given}


def test_a_command_signs_every_file_of_a_version_at_one_time(tmp_path: Path,
                                                            signing_keys: tuple[Path, Path]
                                                            ) -> None:
    """``cplkit publish`` reads the clock once: the DCC file, the manifest, latest.xml and both
    CMS signatures all say the same time, between the command's start and its end."""
    registry = tmp_path / "registry"
    keys = ("--key", signing_keys[0], "--cert", signing_keys[1])
    assert run_cli("init", "-r", registry, *keys)[0] == 0
    before = utc_now()
    code, out = run_cli("publish", "-r", registry, "--as-of", "2026-11-23", *keys,
                        SAMPLES / "valid" / "bulk-submission.csv")
    after = utc_now()
    assert code == 0, out
    (signed,) = _times_of(registry, "1.0")
    assert before <= signed <= after


def test_a_cms_signature_without_a_signing_time_needs_a_time_to_be_judged_at(
        identity: Any) -> None:
    """cplkit's signatures carry their signing time; one without is refused (no clock to fall
    back on below the commands), unless the caller says when to judge it."""
    from asn1crypto import cms

    from cplkit.errors import VerificationError
    from cplkit.signing.cms import sign_cms, verify_cms

    data = b"Version,Entry.number\r\n"
    info = cms.ContentInfo.load(sign_cms(data, identity, now=utc_now()))
    signer_info = info["content"]["signer_infos"][0]
    signer_info["signed_attrs"] = cms.CMSAttributes(
        [a for a in signer_info["signed_attrs"] if a["type"].native != "signing_time"])
    stripped = info.dump(force=True)
    with pytest.raises(VerificationError, match="carries no signing time") as refused:
        verify_cms(data, stripped, [identity.certificate])
    assert refused.value.exit_code == 12
    # given a time, it is judged then, and fails only as what it is: a changed signature
    with pytest.raises(VerificationError) as changed:
        verify_cms(data, stripped, [identity.certificate], now=utc_now())
    assert "signing time" not in changed.value.message


def test_a_busy_registry_says_who_holds_it_and_since_when(tmp_path: Path) -> None:
    """The time a lock was taken is the lock file's own (the system stamps it as the holder
    writes its pid), so no clock is read to say it."""
    from cplkit.errors import RegistryBusy
    from cplkit.registry import Registry

    registry = Registry.create(tmp_path / "r", utc_now())
    before = utc_now() - dt.timedelta(seconds=1)  # the file system's clock ticks coarsely
    with registry.edit(), pytest.raises(RegistryBusy) as busy, registry.edit():
        pass
    after = utc_now() + dt.timedelta(seconds=1)
    holder = re.search(r"\(pid ([0-9]+) since ([0-9-]+ [0-9:]+) UTC\)", busy.value.message)
    assert holder is not None, busy.value.message
    assert int(holder.group(1)) == os.getpid()
    since = dt.datetime.strptime(holder.group(2), "%Y-%m-%d %H:%M:%S").replace(tzinfo=dt.UTC)
    assert before <= since <= after
