"""The two guards every small file cplkit reads goes through: a bounded read of a regular file,
and strict JSON."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from cplkit.base.files import read_small
from cplkit.base.strict_json import loads
from cplkit.errors import RegistryError, UsageError


def test_a_small_regular_file_is_read(tmp_path: Path) -> None:
    path = tmp_path / "f.json"
    path.write_bytes(b"{}")
    assert read_small(path, 10, RegistryError) == b"{}"


def test_a_fifo_is_refused_at_once_not_waited_on(tmp_path: Path) -> None:
    fifo = tmp_path / "names.json"
    os.mkfifo(fifo)
    with pytest.raises(RegistryError, match="pipe, socket or device"):
        read_small(fifo, 1 << 20, RegistryError)


def test_an_endless_device_is_refused_after_the_limit() -> None:
    with pytest.raises(UsageError, match="pipe, socket or device"):
        read_small(Path("/dev/zero"), 1 << 20, UsageError, "the PIN file")


def test_a_file_over_the_limit_is_refused_with_the_limit_named(tmp_path: Path) -> None:
    path = tmp_path / "trust.json"
    path.write_bytes(b" " * 2048)
    with pytest.raises(RegistryError, match=r"trust\.json is larger than the 1 KiB"):
        read_small(path, 1024, RegistryError)


def test_a_directory_and_a_missing_file_are_named(tmp_path: Path) -> None:
    with pytest.raises(RegistryError, match="is a directory"):
        read_small(tmp_path, 10, RegistryError)
    with pytest.raises(RegistryError, match="does not exist"):
        read_small(tmp_path / "absent", 10, RegistryError)


@pytest.mark.parametrize(("text", "reason"), [
    ('{"required": 2, "required": 0}', "appears twice"),
    ("[" * 100_000 + "]" * 100_000, "nests deeper"),
    ("[" * 70 + "]" * 70, "nests deeper"),
    ("1" * 100_000, "digits"),
    ("[NaN]", "NaN"),
    ("{", "not valid JSON"),
])
def test_strict_json_refuses_what_a_lenient_parser_would_guess_at(text: str,
                                                                   reason: str) -> None:
    with pytest.raises(UsageError, match=reason):
        loads(text, "the ruleset", UsageError)


def test_strict_json_keeps_what_is_plain() -> None:
    assert loads(b'{"a": [1, 2.5, {"b": null}]}', "x", UsageError) == {"a": [1, 2.5, {"b": None}]}


def test_a_large_limit_costs_only_what_the_file_holds(tmp_path: Path) -> None:
    """A read asks for the file's size, not the limit: under a 1 GiB address-space limit a
    small file read with a 2 GiB limit must not fail to reserve 2 GiB."""
    import subprocess
    import sys

    path = tmp_path / "version.json"
    path.write_bytes(b"{}")
    code = ("import resource; resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30)); "
            "from pathlib import Path; from cplkit.base.files import read_small; "
            "from cplkit.errors import RegistryError; "
            f"print(read_small(Path({str(path)!r}), 2 << 30, RegistryError))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=False, timeout=60)
    assert done.returncode == 0 and "b'{}'" in done.stdout, done.stderr
