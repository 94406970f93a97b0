"""Signs the latest version of a registry into a DCC file, for the benchmark's "sign" figure:
``python benchmarks/sign_only.py REGISTRY KEY CERT OUT``."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

from cplkit.io import dccxml
from cplkit.io.registry import Registry
from cplkit.io.signing import load_identity, sign_xml


def main() -> None:
    registry, key, cert, out = (Path(a) for a in sys.argv[1:5])
    version = Registry(registry).read().version
    identity = load_identity(key, cert, None, None)
    out.write_bytes(sign_xml(dccxml.build(version, None, dt.datetime.now(dt.UTC)), identity))


if __name__ == "__main__":
    main()
