"""A registry damaged at random, run through every command that reads it (issue 24, item 7).

A small real registry is made once (``cplkit init``, then two publishes of the samples); each
example copies it and damages its files the ways disks, careless operators and hostile hands do
(truncated, a byte flipped, replaced by a FIFO, by a folder, by a link to /dev/zero, deleted,
two files swapped), then runs ``list``, ``show``, ``history``, ``diff``, ``audit``, ``trust
list``, ``names list``, ``site --out``, ``verify`` of its files, ``publish --dry-run`` and
``refresh`` on it. Each must end with an exit status docs/exit-codes.md lists for that command,
never a traceback or exit 70, and in bounded time: a FIFO must never hang a reader.

The commands run in one child Python per example (this file run as a script), each under an
interval timer and the child under a memory limit and a timeout, so a command that hangs or
reads /dev/zero to exhaustion is reported, named, rather than stalling or starving the machine.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
#: seconds one command may take on a damaged registry before it counts as hung
COMMAND_SECONDS = 30
#: the child's address-space limit: what reading /dev/zero whole would run into
CHILD_MEMORY = 3 * 1024**3
KINDS = ("truncate", "flip", "fifo", "folder", "zero", "delete", "swap")


def documented_exit_codes() -> dict[str, frozenset[int]]:
    """docs/exit-codes.md's "Which command returns which" table, by command."""
    text = (ROOT / "docs" / "exit-codes.md").read_text(encoding="utf-8")
    table = text.split("## Which command returns which", 1)[1].split("\n## ", 1)[0]
    codes: dict[str, frozenset[int]] = {}
    for command, listed in re.findall(r"^\| `([a-z ]+)` \| ([0-9, ]+) \|$", table, re.M):
        codes[command] = frozenset(int(c) for c in listed.split(","))
    return codes


# -- the child: every read command on one registry, in one interpreter -----------------------------
class Hung(BaseException):
    """Raised by the interval timer: a BaseException, so no ``except Exception`` swallows it."""


def _commands(registry: Path, work: Path, key: Path, cert: Path) -> Iterator[tuple[str, list[str]]]:
    r = ["-r", str(registry)]
    latest = registry / "versions" / "1.1"
    first = registry / "versions" / "1.0"
    trust = ["--trust", str(cert)]
    signing = ["--key", str(key), "--cert", str(cert)]
    yield "list", ["list", *r]
    yield "show", ["show", "1", *r, "--format", "json"]
    yield "history", ["history", *r]
    yield "diff", ["diff", "1.0", "1.1", *r]
    yield "audit", ["audit", *r, "--as-of", "2026-12-01"]
    yield "trust list", ["trust", "list", *r]
    yield "names list", ["names", "list", "--changes", *r]
    yield "site", ["site", *r, "--out", str(work / "site")]
    yield "verify", ["verify", str(latest / "cpl-1.1.xml"), *trust,
                     "--previous", str(first / "cpl-1.0.xml"),
                     "--latest", str(registry / "latest.xml"),
                     "--policy", str(registry / "policy")]
    yield "verify", ["verify", str(latest / "cpl-1.1.csv"), *trust,
                     "--signature", str(latest / "cpl-1.1.csv.p7s")]
    yield "verify", ["verify", str(latest / "fir-1.1.json"), *trust,
                     "--signature", str(latest / "fir-1.1.json.p7s")]
    yield "verify", ["verify", str(latest / "manifest-1.1.xml"), *trust]
    yield "verify", ["verify", str(registry / "latest.xml"), *trust]
    yield "publish", ["publish", *r, "--dry-run", "--as-of", "2026-11-25", *signing,
                      str(SAMPLES / "changes" / "2-reinstatements.csv")]
    yield "refresh", ["refresh", *r, *signing]


def _child(registry: Path, work: Path, key: Path, cert: Path) -> None:
    """Run each command in-process (click's runner), one JSON line per command."""
    from click.testing import CliRunner

    from cplkit.cli import cli

    def hung(_signum: int, _frame: object) -> None:
        raise Hung

    signal.signal(signal.SIGALRM, hung)
    for name, args in _commands(registry, work, key, cert):
        print(json.dumps({"start": name, "args": args}), flush=True)
        began = time.monotonic()
        signal.setitimer(signal.ITIMER_REAL, COMMAND_SECONDS)
        try:
            result = CliRunner().invoke(cli, args)
            code: int | str = result.exit_code
            escaped = (None if result.exception is None or isinstance(result.exception,
                                                                       SystemExit)
                       else f"{type(result.exception).__name__}: {result.exception}")
            output = result.output
        except Hung:
            code, escaped, output = "hung", None, ""
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        print(json.dumps({"command": name, "args": args, "code": code, "escaped": escaped,
                          "output": output[-2000:], "seconds": time.monotonic() - began}),
              flush=True)


# -- the test ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Made:
    registry: Path
    key: Path
    cert: Path
    #: every file and folder of the registry, relative to it, in a fixed order
    paths: tuple[str, ...]


def _cli(*args: str | Path) -> None:
    from click.testing import CliRunner

    from cplkit.cli import cli

    result = CliRunner().invoke(cli, [str(a) for a in args],
                                env={"CPLKIT_KEY": None, "CPLKIT_CERT": None})
    assert result.exit_code == 0, result.output


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Made:
    root = tmp_path_factory.mktemp("fuzz")
    _cli("keygen", "--out", root / "keys")
    key, cert = root / "keys" / "key.pem", root / "keys" / "cert.pem"
    registry = root / "registry"
    signing = ("--key", key, "--cert", cert)
    _cli("init", "-r", registry, *signing)
    _cli("publish", "-r", registry, "--as-of", "2026-11-23", *signing,
         SAMPLES / "valid" / "bulk-submission.csv")
    _cli("publish", "-r", registry, "--as-of", "2026-11-24", *signing,
         SAMPLES / "changes" / "1-removals.csv")
    paths = tuple(sorted(str(p.relative_to(registry)) for p in registry.rglob("*")))
    return Made(registry, key, cert, paths)


@dataclass(frozen=True)
class Damage:
    kind: str
    target: int  # an index into Made.paths (modulo its length)
    other: int  # the second file of a swap, or where to truncate or flip


def damage(registry: Path, paths: tuple[str, ...], harm: Damage) -> str:
    """Apply ``harm`` to a copy of the registry; what was done, for the failure message."""
    path = registry / paths[harm.target % len(paths)]
    if not (path.exists() or path.is_symlink()):
        return f"{harm.kind} {path.name}: already gone"
    folder = path.is_dir() and not path.is_symlink()
    what = f"{harm.kind} {path.relative_to(registry)}"

    def remove() -> None:
        if folder:
            shutil.rmtree(path)
        else:
            path.unlink()

    if harm.kind in ("truncate", "flip") and not folder and path.is_file():
        data = path.read_bytes()
        if harm.kind == "truncate":
            path.write_bytes(data[:harm.other % (len(data) + 1)])
            return f"{what} to {harm.other % (len(data) + 1)} of {len(data)} bytes"
        if data:
            at = harm.other % len(data)
            path.write_bytes(data[:at] + bytes([data[at] ^ 0xFF]) + data[at + 1:])
            return f"{what} at byte {at}"
        return f"{what}: empty"
    if harm.kind == "swap":
        other = registry / paths[harm.other % len(paths)]
        if other == path or not (other.exists() or other.is_symlink()) or \
                other in path.parents or path in other.parents:
            return f"{what}: nothing to swap with"
        aside = path.with_name(path.name + ".swapping")
        path.rename(aside)
        other.rename(path)
        aside.rename(other)
        return f"{what} with {other.relative_to(registry)}"
    remove()
    if harm.kind == "fifo":
        os.mkfifo(path)
    elif harm.kind == "folder":
        path.mkdir()
    elif harm.kind == "zero":
        path.symlink_to("/dev/zero")
    elif harm.kind in ("truncate", "flip"):  # a folder: truncated to nothing
        path.write_bytes(b"")
    return what


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (CHILD_MEMORY, CHILD_MEMORY))


def run_commands(registry: Path, work: Path, key: Path, cert: Path) -> list[dict[str, object]]:
    """Every read command on ``registry``, in a child Python (its own session, killed whole
    afterwards, so a reader it forked that waits on a FIFO does not outlive it)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CPLKIT_")}
    env["PYTHONPATH"] = str(ROOT)
    budget = COMMAND_SECONDS * 16 + 60
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.test_registry_fuzz", str(registry), str(work), str(key),
         str(cert)], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        # the limit is set in the forked child before exec; this process runs no threads then
        text=True, start_new_session=True, preexec_fn=_limit_memory)  # noqa: PLW1509
    try:
        out, err = child.communicate(timeout=budget)
    except subprocess.TimeoutExpired:
        os.killpg(child.pid, signal.SIGKILL)
        out, err = child.communicate()
        err += f"\n(the child ran past {budget} s and was killed)"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(child.pid, signal.SIGKILL)
    lines = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    done = [line for line in lines if "command" in line]
    started = [line for line in lines if "start" in line]
    if len(done) < len(started) or child.returncode != 0:
        last = started[-1] if started else {"start": "(before any command)"}
        done.append({"command": last["start"], "args": last.get("args"), "code": "died",
                     "escaped": f"child exit {child.returncode}: {err[-3000:]}",
                     "output": "", "seconds": 0})
    return done


def problems_of(results: list[dict[str, object]],
                documented: dict[str, frozenset[int]]) -> list[str]:
    problems = []
    for result in results:
        name, code = str(result["command"]), result["code"]
        output = str(result["output"])
        if result["escaped"] or code not in documented[name] or "Traceback" in output:
            problems.append(f"{name} {result['args']}: exit {code}, documented "
                            f"{sorted(documented[name])}; {result['escaped'] or ''}\n"
                            f"{output[-600:]}")
    return problems


def check_damaged(made: Made, harms: list[Damage]) -> None:
    documented = documented_exit_codes()
    with tempfile.TemporaryDirectory(prefix="cplkit-fuzz-") as temp:
        work = Path(temp)
        registry = work / "registry"
        shutil.copytree(made.registry, registry, symlinks=True)
        done = [damage(registry, made.paths, harm) for harm in harms]
        problems = problems_of(run_commands(registry, work, made.key, made.cert), documented)
        assert not problems, "after " + "; ".join(done) + ":\n" + "\n".join(problems)


def test_the_documented_table_names_every_command_run() -> None:
    documented = documented_exit_codes()
    names = {name for name, _ in _commands(Path("r"), Path("w"), Path("k"), Path("c"))}
    assert names <= documented.keys()


#: the damages issue 24 names, each on the file it names, run whatever hypothesis draws
NAMED = [
    ("fifo", "policy/1.json"),  # the names register, read from a pipe, hung `names list`
    ("zero", "policy/1.json"),
    ("folder", ".lock"),  # was exit 7 ("check the path"), where the registry is damaged
    ("fifo", "registry.json"),
    ("fifo", "latest.xml"),
    ("zero", "versions/1.1/version.json"),
    ("truncate", "policy"),  # found by the random test: a file where the folder was, exit 7
]


@pytest.mark.parametrize("kind", ["fifo", "zero"])
def test_a_file_the_manifest_lists_as_a_pipe_or_device_does_not_hang_verify(
        made: Made, kind: str) -> None:
    """Found by the random test below: `verify manifest-N.xml` hashed each listed file as it
    came, so a FIFO beside it blocked for ever and a link to /dev/zero never ended."""
    check_damaged(made, [Damage(kind, made.paths.index("versions/1.1/cpl-1.1.csv.p7s"), 0)])


@pytest.mark.slow
@pytest.mark.parametrize(("kind", "name"), NAMED)
def test_the_damages_issue_24_names_end_in_documented_exit_codes(
        made: Made, kind: str, name: str) -> None:
    check_damaged(made, [Damage(kind, made.paths.index(name), 0)])


@pytest.mark.slow
def test_a_randomly_damaged_registry_gives_documented_exit_codes_only(made: Made) -> None:
    """Hypothesis draws one or two damages per example; about a minute in all."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    harms = st.builds(Damage, st.sampled_from(KINDS), st.integers(0, 10_000),
                      st.integers(0, 1_000_000))

    @settings(max_examples=int(os.environ.get("CPLKIT_FUZZ_EXAMPLES", "30")), deadline=None,
              suppress_health_check=[HealthCheck.too_slow], derandomize=False)
    @given(st.lists(harms, min_size=1, max_size=2))
    def run(drawn: list[Damage]) -> None:
        check_damaged(made, drawn)

    run()


if __name__ == "__main__":
    _child(*(Path(a) for a in sys.argv[1:5]))
