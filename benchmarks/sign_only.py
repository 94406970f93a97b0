"""Signs the latest version of a registry into a DCC file, for the benchmark's "sign" figures:
``python benchmarks/sign_only.py REGISTRY KEY CERT OUT [tree|streamed|publish]``.

``tree`` builds the whole document as one lxml tree and signs it (``sign_xml``), ``streamed``
writes and signs it a batch of entries at a time (``dccxml.write_signed``), ``publish`` is what
a publish does (``bundle.signed_dcc``: streamed, then verified in a child process). It prints,
as JSON, the seconds and the peak resident memory of that step alone, measured in this process
after the version is loaded (Linux: the peak is reset through /proc/self/clear_refs, so loading
the registry's list does not count), and the peak of the child that verified, if any.
"""

from __future__ import annotations

import datetime as dt
import gc
import json
import re
import resource
import sys
import time
from pathlib import Path

from cplkit.publications import bundle, dccxml
from cplkit.registry import Registry
from cplkit.signing.signers import load_signer
from cplkit.signing.xmldsig import sign_xml


def _status_mib(field: str) -> float:
    """A memory figure of this process from /proc/self/status (VmRSS, VmHWM), in MiB."""
    found = re.search(rf"{field}:\s+(\d+) kB", Path("/proc/self/status").read_text())
    return int(found.group(1)) / 1024 if found else float("nan")


def main() -> None:
    registry, key, cert, out = (Path(a) for a in sys.argv[1:5])
    mode = sys.argv[5] if len(sys.argv) > 5 else "tree"
    version = Registry(registry).read().version
    signer = load_signer(key, cert, None, None)
    gc.collect()
    Path("/proc/self/clear_refs").write_text("5")  # the peak from here on
    before = _status_mib("VmRSS")
    start = time.perf_counter()
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    if mode == "tree":
        out.write_bytes(sign_xml(dccxml.build(version, None, now), signer))
    elif mode == "streamed":
        with out.open("wb") as file:
            dccxml.write_signed(version, None, now, signer, file)
    elif mode == "publish":
        from cplkit.registry.disk import NewFiles

        out.parent.joinpath("publish").mkdir(exist_ok=True)
        bundle.signed_dcc(NewFiles(out.parent / "publish", durable=False), version, None,
                          signer, now=now)
    else:
        raise SystemExit(f"unknown mode {mode}")
    seconds = time.perf_counter() - start
    child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "rss_before_mib": before,
                      "peak_mib": _status_mib("VmHWM"),
                      "extra_mib": _status_mib("VmHWM") - before,
                      "child_peak_mib": child}))


if __name__ == "__main__":
    main()
