"""Signs the latest version of a registry into a DCC file, for the benchmark's "sign" figure:
``python benchmarks/sign_only.py REGISTRY KEY CERT OUT``."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

from cplkit.publications import dccxml
from cplkit.registry import Registry
from cplkit.signing.signers import load_signer
from cplkit.signing.xmldsig import sign_xml


def main() -> None:
    registry, key, cert, out = (Path(a) for a in sys.argv[1:5])
    version = Registry(registry).read().version
    signer = load_signer(key, cert, None, None)
    out.write_bytes(sign_xml(dccxml.build(version, None, dt.datetime.now(dt.UTC)), signer))


if __name__ == "__main__":
    main()
