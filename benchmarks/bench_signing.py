"""Benchmark of signing and verifying the DCC file: cplkit's sign and verify, and xmlsec1
--verify on the same files in the same run, as whole-process medians and ratios (sign: the
file written and signed a batch of entries at a time, as publish does). Target:
cplkit's verify within 2x of xmlsec1's. Lists: the real CPL (729 entries, when
../shared/data holds it, else the bundled samples repeated), and 729 entries 10 and 100 times
over (7,290 and 72,900 entries), so the growth curve shows.

A second table gives building and signing the DCC file alone, measured inside the process
(seconds, and the peak resident memory above what the loaded list takes): as one lxml tree
(``sign_xml(dccxml.build(...))``, the reference), streamed a batch at a time
(``dccxml.write_signed``), and as a publish does it (``bundle.signed_dcc``: streamed, then
verified in a child process, whose own peak is shown too; a forked child's resident memory
counts the pages it shares with this process).

    python benchmarks/bench_signing.py [--runs N]
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from cplkit.app import policy
from cplkit.app.importing import read_issued_version
from cplkit.core import model as m
from cplkit.intake.rulesets import load_ruleset
from cplkit.publications import dccxml
from cplkit.publications.filenames import IssuedFiles
from cplkit.registry import Registry
from cplkit.registry.codec import VERSIONS
from cplkit.signing.signers import generate_throwaway, load_signer

HERE = Path(__file__).resolve().parent
REAL = HERE.parent.parent / "shared" / "data" / "secas-cpl-v2.051.xlsm"


def median_seconds(command: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def base_version() -> m.CplVersion:
    if REAL.exists():
        return read_issued_version(REAL, load_ruleset(), file=str(REAL)).version
    import runpy

    samples = runpy.run_path(str(HERE.parent / "samples" / "generate.py"))["VALID"].values()
    entries = []
    for i, sample in enumerate(list(samples) * 91):
        values = {k: v for k, v in sample.items() if k in m.PUBLISHED_FIELDS and v}
        values.update({m.ENTRY_NUMBER: f"{i + 1:06d}", m.ENTRY_STATUS: "Current"})
        entries.append(m.Entry.of(values))
    return m.CplVersion(m.VersionNumber.parse("2.051"), dt.date(2022, 9, 21), tuple(entries), "")


def in_process(command: list[str], runs: int) -> tuple[float, float, float]:
    """Median seconds, and the largest peaks (MiB above the loaded list, and of the child) that
    ``sign_only.py`` reports over fresh processes."""
    said = [json.loads(subprocess.run(command, check=True, capture_output=True,
                                      text=True).stdout) for _ in range(runs)]
    return (statistics.median(r["seconds"] for r in said), max(r["extra_mib"] for r in said),
            max(r["child_peak_mib"] for r in said))


def scaled(version: m.CplVersion, count: int) -> m.CplVersion:
    """``count`` entries: the list's, repeated with new numbers and firmware versions."""
    entries = []
    for i in range(count):
        values = dict(version.entries[i % len(version.entries)].values)
        values[m.ENTRY_NUMBER] = f"{i + 1:06d}"
        values[m.FIRMWARE_VERSION] = f"{(i >> 16) & 255:02X}:{(i >> 8) & 255:02X}:{i & 255:02X}:EE"
        entries.append(m.Entry.of(values))
    return m.CplVersion(version.number, version.issue_date, tuple(entries), version.changes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    xmlsec1 = shutil.which("xmlsec1")
    if xmlsec1 is None:
        raise SystemExit("xmlsec1 is needed (Debian package xmlsec1)")
    cplkit = shutil.which("cplkit") or str(Path(sys.executable).parent / "cplkit")
    work = Path(tempfile.mkdtemp(prefix="cplkit-bench-sign-"))
    try:
        now = dt.datetime.now(dt.UTC).replace(microsecond=0)
        key, cert = generate_throwaway(now=now)
        (work / "key.pem").write_bytes(key)
        (work / "cert.pem").write_bytes(cert)
        signer = load_signer(work / "key.pem", work / "cert.pem", None, None)
        base = base_version()
        lists = {f"{'real' if REAL.exists() else 'sample'} list": base,
                 "synthetic x10": scaled(base, 7_290), "synthetic x100": scaled(base, 72_900)}
        alone: dict[str, dict[str, tuple[float, float, float]]] = {}
        print(f"DCC file signing benchmark: medians of {args.runs} fresh processes (wall s)")
        print(f"{'list':<18}{'entries':>8}{'MB':>7}{'sign':>8}{'verify':>8}{'xmlsec1':>9}"
              f"{'verify/xmlsec1':>16}")
        for name, version in lists.items():
            registry = Registry.create(work / name.replace(" ", "-"), now)
            first = policy.first_record(signer, "bench", now=now)
            assert first is not None
            registry.append_policy(*first, None)
            number = str(version.number)
            written = io.BytesIO()
            dccxml.write_signed(version, None, now, signer, written)
            dcc = written.getvalue()
            with registry.edit() as tx:
                tx.files(version).add(IssuedFiles(number).dcc_xml, dcc)
                tx.issue(version, how="import")
            signed = registry.path / VERSIONS / number / IssuedFiles(number).dcc_xml
            scratch = work / "scratch.xml"
            sign = median_seconds([sys.executable, str(HERE / "sign_only.py"),
                                   str(registry.path), str(work / "key.pem"),
                                   str(work / "cert.pem"), str(scratch), "streamed"],
                                  args.runs)
            verify = median_seconds([cplkit, "verify", str(signed), "--trust",
                                     str(work / "cert.pem")], args.runs)
            reference = median_seconds([xmlsec1, "--verify", "--trusted-pem",
                                        str(work / "cert.pem"), str(signed)], args.runs)
            size = signed.stat().st_size / 1e6
            print(f"{name:<18}{len(version.entries):>8}{size:>7.1f}{sign:>8.2f}{verify:>8.2f}"
                  f"{reference:>9.2f}{verify / reference:>16.2f}")
            alone[name] = {mode: in_process([sys.executable, str(HERE / "sign_only.py"),
                                             str(registry.path), str(work / "key.pem"),
                                             str(work / "cert.pem"), str(scratch), mode],
                                            args.runs)
                           for mode in ("tree", "streamed", "publish")}
        print(f"\nbuilding and signing the DCC file in-process: medians of {args.runs} (s), "
              "largest peaks above the loaded list (MiB)")
        print(f"{'list':<18}{'tree s':>8}{'MiB':>7}{'streamed s':>12}{'MiB':>7}"
              f"{'publish s':>11}{'MiB':>7}{'child MiB':>11}")
        for name, figures in alone.items():
            (tree, tree_mib, _), (streamed, streamed_mib, _) = figures["tree"], figures["streamed"]
            publish, publish_mib, child_mib = figures["publish"]
            print(f"{name:<18}{tree:>8.2f}{tree_mib:>7.0f}{streamed:>12.2f}{streamed_mib:>7.0f}"
                  f"{publish:>11.2f}{publish_mib:>7.0f}{child_mib:>11.0f}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
