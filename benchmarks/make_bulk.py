"""Writes synthetic bulk submissions of N rows (valid entries of every device type, 1 in 100
with a mistake) for the benchmarks: ``python benchmarks/make_bulk.py N OUT.xlsx``."""

from __future__ import annotations

import runpy
import sys
from pathlib import Path
from typing import Any

from cplkit.forms.bulk import write_bulk_table
from cplkit.intake.rulesets import load_ruleset

SAMPLES = Path(__file__).resolve().parent.parent / "samples" / "generate.py"


def entries(n: int) -> list[dict[str, Any]]:
    valid = list(runpy.run_path(str(SAMPLES))["VALID"].values())
    out = []
    for i in range(n):
        entry = dict(valid[i % len(valid)])
        entry["Device_Model.firmware_version"] = (
            f"{(i >> 24) & 255:02X}:{(i >> 16) & 255:02X}:{(i >> 8) & 255:02X}:{i & 255:02X}")
        # unique per row, like real hashes: no cache can hide their cost
        entry["Manufacturer_Image.hash"] = ":".join(
            f"{(i * 131 + k * 17) % 256:02X}" for k in range(32))
        if i % 100 == 99:
            entry["Device_Model.model_identifier"] = "FF:FF"  # reserved: CPL-V04
        out.append(entry)
    return out


def main() -> None:
    n, out = int(sys.argv[1]), Path(sys.argv[2])
    write_bulk_table(out, load_ruleset(), entries(n))


if __name__ == "__main__":
    main()
