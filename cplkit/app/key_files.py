"""Keys and certificates as the commands take them: a signer from key files, a certificate from
a file, and a throwaway key pair for trying cplkit out.

The library behind the signing options of ``publish`` and ``import``, ``init --cert``, ``trust
add`` and ``keygen``. A private key is written only by ``make_throwaway_keys``, readable by its
owner alone, and never over an existing file.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from cryptography import x509

from cplkit.base.files import read_small
from cplkit.errors import SigningError, UsageError
from cplkit.signing.pkcs11 import PIN_SOURCES, is_token_uri
from cplkit.signing.signers import Signer, generate_throwaway, load_signer
from cplkit.signing.x509 import load_certificates

#: what to tell whoever runs a command that signs without a key
NO_KEY_HINT = "try it out with a throwaway key: cplkit keygen --out keys/"

#: the largest key, certificate or chain file read: a PEM bundle of a long chain is a few tens
#: of KiB, so a file larger than this is not one (and /dev/zero is never read at all)
MAX_KEY_FILE_BYTES = 1 << 20
#: a PIN is a few characters; its file is read no further than this
MAX_PIN_FILE_BYTES = 4096


def _small(path: Path, what: str, limit: int = MAX_KEY_FILE_BYTES) -> bytes:
    """A key, certificate or PIN file's bytes: a regular file of at most ``limit`` bytes, or a
    ``SigningError`` naming it (a pipe is refused at once, a device is never read whole)."""
    return read_small(path, limit, SigningError, f"the {what}")


def open_signer(key: Path, cert: Path | None, chain: Path | None,
                passphrase: bytes | None) -> Signer:
    """The signer a key file (PEM or PKCS#12) and its certificate make."""
    # the files are checked here, where a user names them, before the signing layer reads
    # them: a FIFO would make it wait for ever and /dev/zero would exhaust the memory
    _small(key, "key")
    for path, what in ((cert, "certificate"), (chain, "chain")):
        if path is not None:
            _small(path, what)
    return load_signer(key, cert, chain, passphrase)


#: where a token's PIN may come from: this environment variable, or a file (--pin-file)
PIN_VARIABLE = "CPLKIT_PKCS11_PIN"
__all__ = ["NO_KEY_HINT", "PIN_SOURCES", "is_token_uri", "make_throwaway_keys", "open_signer",
           "open_token", "read_certificate"]


def open_token(uri: str, module: Path | None, cert: Path | None, chain: Path | None,
               pin_file: Path | None) -> Signer:
    """The signer whose key is in a PKCS#11 token: the URI names it, the module reaches it, and
    the PIN comes from CPLKIT_PKCS11_PIN or a file, never an argument."""
    from cplkit.signing.pkcs11 import open_token_signer, parse_uri

    parsed = parse_uri(uri)
    module_path = module or (Path(parsed.module_path) if parsed.module_path else None)
    if module_path is None:
        raise UsageError("a key in a token needs its PKCS#11 module",
                         hint="give --pkcs11-module PATH or set CPLKIT_PKCS11_MODULE")
    if cert is None:
        raise UsageError("a key in a token needs its certificate", hint="give --cert CERT.pem")
    if pin_file is not None:
        try:
            pin = _small(pin_file, "PIN file", MAX_PIN_FILE_BYTES).decode("utf-8").strip()
        except UnicodeDecodeError:
            raise SigningError(f"the PIN file {pin_file} is not UTF-8 text") from None
    elif PIN_VARIABLE in os.environ:
        pin = os.environ[PIN_VARIABLE]
    else:
        raise UsageError(f"no PIN for the token of {parsed.named}",
                         hint=f"give it in {PIN_SOURCES}")
    chain_certificates = tuple(load_certificates(_small(chain, "chain"), str(chain))) if chain \
        else ()
    return open_token_signer(uri, module_path, pin, read_certificate(cert), chain_certificates)


def read_certificate(path: Path) -> x509.Certificate:
    """The first certificate of a PEM (or DER) file."""
    return load_certificates(_small(path, "certificate"), str(path))[0]


def make_throwaway_keys(out: Path, days: int, *, now: dt.datetime) -> tuple[Path, Path]:
    """Write key.pem (mode 0600) and cert.pem, valid from ``now`` for ``days``, into ``out``;
    never over an existing file."""
    out.mkdir(parents=True, exist_ok=True)
    key_path, cert_path = out / "key.pem", out / "cert.pem"
    for path in (key_path, cert_path):
        if path.exists():
            raise UsageError(f"{path} exists already; cplkit never overwrites a key")
    key, cert = generate_throwaway(days, now=now)
    descriptor = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as stream:
        stream.write(key)
    cert_path.write_bytes(cert)
    return key_path, cert_path
