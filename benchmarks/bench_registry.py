"""Benchmark of the master list: import, a three-entry publish, and a diff of two versions, on
the real CPL (729 entries) and on synthetic lists 10 and 100 times its size (7,290 and 72,900
entries), as whole-process medians with the peak resident memory of the largest process (the
workbook is written by a forked child). Import and publish include signing, and every
publication (workbook, JSON, web page, manifest). Targets: the three-entry publish on the real
list under 1 second; at 72,900 entries within 20 seconds and 600 MiB (issue 30). The CPU
seconds of the publish (its children's included) are shown too: on a shared machine the wall
time says as much about the neighbours.

    python benchmarks/bench_registry.py [--runs N] [--import-runs N] [--factors 1,10,100]

The real workbook is read from CPLKIT_REAL_WORKBOOK, or ../shared/data, when present; the
synthetic list repeats its entries with new numbers and firmware (or the bundled samples'
entries when it is absent).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from checkout_bytecode import compile_checkout

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
#: the real SECAS workbook, where CPLKIT_REAL_WORKBOOK says or beside the project, as the tests
#: look for it
REAL = Path(os.environ.get("CPLKIT_REAL_WORKBOOK")
            or ROOT.parent / "shared" / "data" / "secas-cpl-v2.051.xlsm")
FORMS = [ROOT / "samples" / "valid" / f"form-{n}.xlsx"
         for n in ("gas-smart-meter", "ppmid", "communications-hub")]
AS_OF = "2026-11-23"


def timed(command: list[str], runs: int,
          before: list[str] | None = None) -> tuple[float, float, float]:
    """Median wall seconds, peak MiB and median CPU seconds (user and system, its children's
    included: on a shared machine the wall time says as much about the neighbours) of
    ``command`` over fresh processes; ``before`` (if given) is run, untimed, ahead of each."""
    walls, peaks, cpus = [], [], []
    for _ in range(runs):
        if before:
            subprocess.run(before, check=True, capture_output=True)
        start = time.perf_counter()
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(process.pid, 0)
        walls.append(time.perf_counter() - start)
        peaks.append(usage.ru_maxrss / 1024)
        cpus.append(usage.ru_utime + usage.ru_stime)
        if os.waitstatus_to_exitcode(status) != 0:
            assert process.stderr is not None
            raise SystemExit(f"{' '.join(command)} failed: {process.stderr.read().decode()}")
    return statistics.median(walls), max(peaks), statistics.median(cpus)


def synthetic(out: Path, factor: int) -> Path:
    """A SECAS-layout workbook with the real list's entries repeated ``factor`` times, made in
    a helper process (see ``main``)."""
    path = out / f"cpl-x{factor}.xlsx"
    subprocess.run([sys.executable, __file__, "--make", str(factor), str(path)], check=True)
    return path


def _make(factor: int, path: Path) -> None:
    from cplkit.app.importing import read_issued_version
    from cplkit.core import model as m
    from cplkit.intake.rulesets import load_ruleset
    from cplkit.publications.workbook import workbook_bytes

    ruleset = load_ruleset()
    if REAL.exists():
        version = read_issued_version(REAL, ruleset, file=str(REAL)).version
        base = [dict(e.values) for e in version.entries]
        prior, changes = version.prior_history, version.changes
    else:
        import runpy

        samples = runpy.run_path(str(ROOT / "samples" / "generate.py"))["VALID"].values()
        base = [{k: v for k, v in e.items() if k in m.PUBLISHED_FIELDS and v} for e in samples]
        for e in base:
            e[m.ENTRY_STATUS] = "Current"
        prior, changes = (), "Synthetic list."
    entries = []
    for i in range(len(base) * factor):
        values = dict(base[i % len(base)])
        values[m.ENTRY_NUMBER] = f"{i + 1:06d}"
        values[m.FIRMWARE_VERSION] = f"{(i >> 16) & 255:02X}:{(i >> 8) & 255:02X}:{i & 255:02X}:EE"
        entries.append(values)
    synthetic_version = m.CplVersion(m.VersionNumber.parse("2.051"), dt.date(2022, 9, 21),
                                     tuple(m.Entry.of(e) for e in entries), changes, prior)
    path.write_bytes(workbook_bytes(synthetic_version, ruleset))


def _count(registry: Path) -> None:
    from cplkit.registry import Registry

    print(len(Registry(registry).read().version.entries))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--import-runs", type=int,
                        help="runs of the import (default: --runs; minutes each at x100)")
    parser.add_argument("--factors", default="1,10,100",
                        help="list sizes as multiples of the real list (1: the real list)")
    # the helper modes: whatever this process loads counts in the peak of every process it
    # starts (Linux keeps the high-water mark of a forked child across its exec)
    parser.add_argument("--make", nargs=2, metavar=("FACTOR", "OUT"), help=argparse.SUPPRESS)
    parser.add_argument("--count", metavar="REGISTRY", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.make:
        return _make(int(args.make[0]), Path(args.make[1]))
    if args.count:
        return _count(Path(args.count))
    compile_checkout()
    cplkit = shutil.which("cplkit") or str(Path(sys.executable).parent / "cplkit")
    work = Path(tempfile.mkdtemp(prefix="cplkit-bench-"))
    try:
        subprocess.run([cplkit, "keygen", "--out", str(work / "keys")], check=True,
                       capture_output=True)
        keys = ["--key", str(work / "keys" / "key.pem"), "--cert",
                str(work / "keys" / "cert.pem")]
        workbooks = {}
        for factor in (int(f) for f in args.factors.split(",")):
            if factor == 1 and REAL.exists():
                workbooks["real list"] = REAL
            else:
                workbooks[f"synthetic x{factor}"] = synthetic(work, factor)
        print(f"cplkit registry benchmark: medians of {args.runs} fresh processes (wall s, "
              "peak MiB of the largest process, CPU s of all)")
        print(f"{'list':<20}{'entries':>8}{'import':>9}{'MiB':>6}{'publish 3':>11}{'MiB':>6}"
              f"{'CPU':>7}{'diff':>8}{'MiB':>6}")
        for name, workbook in workbooks.items():
            imported = work / f"reg-{name.replace(' ', '-')}"
            registry = work / "scratch"
            fresh = ["rm", "-rf", str(registry)]
            import_s, import_mib, _ = timed([cplkit, "import", str(workbook), "-r",
                                             str(registry), *keys],
                                            args.import_runs or args.runs, before=fresh)
            subprocess.run([cplkit, "import", str(workbook), "-r", str(imported), *keys],
                           check=True, capture_output=True)
            reset = ["sh", "-c", f"rm -rf {registry} && cp -r {imported} {registry}"]
            publish_s, publish_mib, publish_cpu = timed(
                [cplkit, "publish", "-r", str(registry), "--as-of", AS_OF, *keys,
                 *map(str, FORMS)],
                args.runs, before=reset)
            diff_s, diff_mib, _ = timed([cplkit, "diff", "2.051", "2.052", "-r", str(registry)],
                                     args.runs)
            count = int(subprocess.run([sys.executable, __file__, "--count", str(imported)],
                                       check=True, capture_output=True, text=True).stdout)
            print(f"{name:<20}{count:>8}{import_s:>9.2f}{import_mib:>6.0f}{publish_s:>11.2f}"
                  f"{publish_mib:>6.0f}{publish_cpu:>7.1f}{diff_s:>8.2f}{diff_mib:>6.0f}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
