"""Outputs are written whole by replacing a file, so a special file named as the output (a
pipe here; ``/dev/null`` as root is the case that bit) is refused and left as it was."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from cplkit.base.files import write_output
from cplkit.errors import OutputError
from tests.conftest import SAMPLES
from tests.conftest import run_cli as run


def test_a_pipe_named_as_the_output_is_refused_and_kept(tmp_path: Path) -> None:
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    with pytest.raises(OutputError, match="not a regular file"):
        write_output(pipe, b"report")
    assert stat.S_ISFIFO(pipe.lstat().st_mode)
    assert list(tmp_path.iterdir()) == [pipe]  # no temporary file left beside it


def test_check_with_a_pipe_for_its_report_exits_7(tmp_path: Path) -> None:
    pipe = tmp_path / "report"
    os.mkfifo(pipe)
    code, out = run("check", "--as-of", "2026-11-23", SAMPLES / "valid" / "bulk-submission.csv",
                    "-o", pipe)
    assert code == 7 and "is not a regular file" in out
    assert stat.S_ISFIFO(pipe.lstat().st_mode)


def test_a_regular_file_and_a_new_name_are_written(tmp_path: Path) -> None:
    old = tmp_path / "old.txt"
    old.write_bytes(b"before")
    write_output(old, b"after")
    write_output(tmp_path / "new.txt", b"new")
    assert old.read_bytes() == b"after" and (tmp_path / "new.txt").read_bytes() == b"new"
