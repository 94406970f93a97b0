"""Benchmark of ``cplkit check``: whole-process medians, peak memory and ratios.

For one New Entry form and for bulk sheets of 1,000, 10,000 and 100,000 rows (firmware and
image hash distinct on every row), it times ``cplkit check``, python-calamine alone reading every
sheet (the floor: no check can read the file faster), and cplkit's reader alone
(``read_only.py``: the pre-scan of the zip for hostile content, then open, recognise the layout,
walk every raw entry), each in a fresh process, and prints medians, peak resident memory and the
ratios against the targets. With the ``[fast]`` extra importable, ``cplkit check`` is timed
twice: as it is with the extra (``with [fast]``: a large all-text sheet read by columns) and
with that forced off (``check``, ``CPLKIT_COLUMNAR=0``: a default install's path). The
commands of a file run in turn, round after round, and a ratio is the median of the ratios
within each round: the machine is shared, and a slow spell then slows both sides of a ratio
alike. Targets: 100,000 rows checked within 1.5x of calamine alone (default install), within
1.1x with ``[fast]``, at a peak no higher than calamine's; one form within 2x of
``python -c "import openpyxl"``. Bulk sheets are made once into benchmarks/out/. Every
command imports the cplkit of this checkout (``PYTHONPATH``), and the reports go to a scratch
folder.

    python benchmarks/bench_check.py [--runs N] [--sizes 1000,10000,100000]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from checkout_bytecode import compile_checkout

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
FORM = HERE.parent / "samples" / "valid" / "form-gas-smart-meter.xlsx"
AS_OF = "2026-11-23"


@dataclass(frozen=True)
class Figures:
    wall: float  # median seconds
    cpu: float  # median user + system seconds: steadier than wall time on a shared machine
    peak: float  # highest peak resident memory, MiB
    walls: tuple[float, ...]  # each round's wall seconds, in order
    cpus: tuple[float, ...]

    def ratio(self, other: Figures) -> tuple[float, float]:
        """Wall and CPU ratio to ``other``, measured in the same rounds: the median of each
        round's ratio."""
        return (statistics.median(a / b for a, b in zip(self.walls, other.walls, strict=True)),
                statistics.median(a / b for a, b in zip(self.cpus, other.cpus, strict=True)))


#: this checkout's cplkit first, whatever the interpreter has installed
ENV = {**os.environ, "PYTHONPATH": str(HERE.parent)}


def run_once(command: list[str]) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds and peak MiB of one fresh process running ``command`` (a
    leading ``NAME=value`` is set in its environment)."""
    env = dict(ENV)
    while command and "=" in command[0] and not command[0].startswith("/"):
        name, _, value = command[0].partition("=")
        env[name] = value
        command = command[1:]
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               env=env, cwd=HERE.parent)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        raise SystemExit(f"{' '.join(command)} exited {code}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def measure(commands: Mapping[str, list[str]], runs: int) -> dict[str, Figures]:
    """Whole-process figures of each command over ``runs`` rounds, each round running every
    command once, in turn."""
    figures: dict[str, list[tuple[float, float, float]]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, command in commands.items():
            figures[name].append(run_once(command))
    out = {}
    for name, taken in figures.items():
        walls, cpus, peaks = zip(*taken, strict=True)
        out[name] = Figures(statistics.median(walls), statistics.median(cpus), max(peaks),
                            walls, cpus)
    return out


def bulk(rows: int) -> Path:
    path = OUT / f"bulk-{rows}.xlsx"
    if not path.exists():
        OUT.mkdir(exist_ok=True)
        subprocess.run([sys.executable, str(HERE / "make_bulk.py"), str(rows), str(path)],
                       check=True)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--sizes", default="1000,10000,100000")
    args = parser.parse_args()
    python = sys.executable
    compile_checkout()
    scratch = Path(tempfile.mkdtemp(prefix="cplkit-bench-"))
    try:
        run(args, python, scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def fast_extra() -> bool:
    """Whether this interpreter has the ``[fast]`` extra (asked of a child: this process
    stays free of it)."""
    probe = subprocess.run([sys.executable, "-c", "import fastexcel, pyarrow"],
                           capture_output=True, check=False)
    return probe.returncode == 0


def run(args: argparse.Namespace, python: str, scratch: Path) -> None:
    """The benchmark proper; reports are written into ``scratch``."""
    fast = fast_extra()

    def check(path: Path, *, fast: bool = False) -> list[str]:
        # with the extra, its own choice (a large all-text sheet by columns); without, as a
        # default install reads
        switch = [] if fast else ["CPLKIT_COLUMNAR=0"]
        return [*switch, python, "-m", "cplkit", "check", "--as-of", AS_OF, "--format", "json",
                "-o", str(scratch / "report.json"), str(path)]

    def read(path: Path) -> list[str]:
        return [python, str(HERE / "read_only.py"), str(path)]

    def calamine(path: Path) -> list[str]:
        return [python, "-c", "import sys\nfrom python_calamine import CalamineWorkbook\n"
                "book = CalamineWorkbook.from_path(sys.argv[1])\n"
                "for name in book.sheet_names: book.get_sheet_by_name(name).to_python()",
                str(path)]

    print(f"cplkit check benchmark: medians of {args.runs} rounds (each command once a round, in "
          f"a fresh process), {os.cpu_count()} cores, load average "
          f"{' '.join(f'{x:.1f}' for x in os.getloadavg())} at the start; wall and CPU "
          "(user+system) seconds, peak resident MiB; a ratio is the median of the rounds' "
          f"ratios; [fast] extra {'present' if fast else 'absent'}")
    print(f"{'':<22}{'check':>24}{'calamine alone':>24}{'reader alone':>24}{'ratio':>14}"
          f"{'vs reader':>10}")
    print(f"{'file':<22}" + f"{'wall':>8}{'cpu':>8}{'MiB':>8}" * 3 + f"{'wall':>7}{'cpu':>7}"
          f"{'wall':>10}")

    def row(label: str, path: Path, **more: list[str]) -> dict[str, Figures]:
        extra = {"fast": check(path, fast=True)} if fast else {}
        taken = measure({"check": check(path), "calamine": calamine(path), "read": read(path),
                         **extra, **more}, args.runs)
        c, f, r = taken["check"], taken["calamine"], taken["read"]
        print(f"{label:<22}" + "".join(f"{x.wall:>8.3f}{x.cpu:>8.3f}{x.peak:>8.0f}"
                                       for x in (c, f, r))
              + "".join(f"{x:>7.2f}" for x in c.ratio(f)) + f"{c.ratio(r)[0]:>10.2f}")
        if fast:
            x = taken["fast"]
            print(f"{'  with [fast]':<22}{x.wall:>8.3f}{x.cpu:>8.3f}{x.peak:>8.0f}{'':>48}"
                  + "".join(f"{v:>7.2f}" for v in x.ratio(f)))
        return taken

    form = row("one New Entry form", FORM, openpyxl=[python, "-c", "import openpyxl"])
    results: dict[int, dict[str, Figures]] = {}
    for rows in (int(n) for n in args.sizes.split(",")):
        results[rows] = row(f"bulk {rows:,} rows", bulk(rows))
    wall, cpu = form["check"].ratio(form["openpyxl"])
    print(f"\none form checked vs python -c 'import openpyxl': wall {form['check'].wall:.3f}/"
          f"{form['openpyxl'].wall:.3f} s, {wall:.2f}x; cpu {cpu:.2f}x (target <= 2x)")
    if 100_000 in results:
        c, f = results[100_000]["check"], results[100_000]["calamine"]
        wall, cpu = c.ratio(f)
        print(f"100,000 rows checked vs calamine alone: wall {wall:.2f}x, cpu {cpu:.2f}x "
              f"(target <= 1.5x); peak {c.peak:.0f} MiB against calamine's {f.peak:.0f} MiB "
              "(target: no higher)")
        if fast:
            x = results[100_000]["fast"]
            wall, cpu = x.ratio(f)
            print(f"100,000 rows checked with [fast] vs calamine alone: wall {wall:.2f}x, cpu "
                  f"{cpu:.2f}x (target <= 1.1x); peak {x.peak:.0f} MiB")
    print(f"load average at the end: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
