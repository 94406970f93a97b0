"""Keys and certificates as the commands take them: a signer from key files, a certificate from
a file, and a throwaway key pair for trying cplkit out.

The library behind the signing options of ``publish`` and ``import``, ``init --cert``, ``trust
add`` and ``keygen``. A private key is written only by ``make_throwaway_keys``, readable by its
owner alone, and never over an existing file.
"""

from __future__ import annotations

import os
from pathlib import Path

from cryptography import x509

from cplkit.errors import SigningError, UsageError
from cplkit.signing.certificates import load_certificates
from cplkit.signing.keys import Signer, generate_throwaway, load_signer


def open_signer(key: Path, cert: Path | None, chain: Path | None,
                passphrase: bytes | None) -> Signer:
    """The signer a key file (PEM or PKCS#12) and its certificate make."""
    return load_signer(key, cert, chain, passphrase)


def read_certificate(path: Path) -> x509.Certificate:
    """The first certificate of a PEM (or DER) file."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SigningError(f"cannot read the certificate {path}: {exc.strerror or exc}") from None
    return load_certificates(data, str(path))[0]


def make_throwaway_keys(out: Path, days: int) -> tuple[Path, Path]:
    """Write key.pem (mode 0600) and cert.pem into ``out``; never over an existing file."""
    out.mkdir(parents=True, exist_ok=True)
    key_path, cert_path = out / "key.pem", out / "cert.pem"
    for path in (key_path, cert_path):
        if path.exists():
            raise UsageError(f"{path} exists already; cplkit never overwrites a key")
    key, cert = generate_throwaway(days)
    descriptor = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as stream:
        stream.write(key)
    cert_path.write_bytes(cert)
    return key_path, cert_path
