"""Signing with a key held in a real PKCS#11 token (SoftHSM2), as SECAS would keep it.

Each test module run makes a token in a temporary directory, imports a P-256 key into it (so the
test knows the key's bytes and can prove they are written nowhere), and issues a self-signed
certificate with the token itself. A version published with the token must pass cplkit's own
verification, xmlsec1 and openssl (the autouse check in conftest runs both on every registry);
the PIN never comes from the command line.
"""

from __future__ import annotations

import base64
import datetime as dt
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from tests.conftest import SAMPLES

MODULES = ("/usr/lib/softhsm/libsofthsm2.so", "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so")
MODULE = next((Path(p) for p in MODULES if Path(p).is_file()), None)
SOFTHSM_UTIL = shutil.which("softhsm2-util")
URI = "pkcs11:token=cpl;object=secas-signing"
PIN = "4711"


@dataclass(frozen=True)
class Token:
    folder: Path
    env: dict[str, str]
    cert: Path
    secret: bytes  # the private key's scalar: it must appear in no file cplkit writes


def _self_signed_by_token(public: ec.EllipticCurvePublicKey, sign: object) -> bytes:
    """A certificate for the token's key, signed by the token (as a CA in an HSM would)."""
    from asn1crypto import algos, keys
    from asn1crypto import x509 as asn1

    name = asn1.Name.build({"common_name": "SECAS CPL signing (test token)",
                            "organization_name": "cplkit tests"})
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    algorithm = algos.SignedDigestAlgorithm({"algorithm": "sha256_ecdsa"})
    tbs = asn1.TbsCertificate({
        "version": "v3", "serial_number": 4711, "signature": algorithm,
        "issuer": name, "subject": name,
        "validity": {"not_before": asn1.Time({"utc_time": now - dt.timedelta(days=1)}),
                     "not_after": asn1.Time({"utc_time": now + dt.timedelta(days=365)})},
        "subject_public_key_info": keys.PublicKeyInfo.load(public.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)),
        "extensions": [
            {"extn_id": "basic_constraints", "critical": True, "extn_value": {"ca": False}},
            {"extn_id": "key_usage", "critical": True,
             "extn_value": {"digital_signature", "non_repudiation"}},
        ],
    })
    signature = sign.sign(tbs.dump(), ec.ECDSA(hashes.SHA256()))  # type: ignore[attr-defined]
    certificate = asn1.Certificate({"tbs_certificate": tbs, "signature_algorithm": algorithm,
                                    "signature_value": signature})
    return x509.load_der_x509_certificate(certificate.dump()).public_bytes(
        serialization.Encoding.PEM)


@pytest.fixture(scope="module")
def token(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Token]:
    if MODULE is None or SOFTHSM_UTIL is None:
        if os.environ.get("CI"):
            pytest.fail("SoftHSM2 is missing in CI: .ci/run installs the softhsm2 package")
        pytest.skip("SoftHSM2 is not installed (Debian package softhsm2)")
    import pkcs11
    from pkcs11.util.ec import decode_ec_private_key

    from cplkit.signing.pkcs11 import TokenKey, TokenUri, _Session

    folder = tmp_path_factory.mktemp("token")
    (folder / "tokens").mkdir()
    conf = folder / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {folder / 'tokens'}\nobjectstore.backend = file\n"
                    "log.level = ERROR\n")
    env = {**os.environ, "SOFTHSM2_CONF": str(conf)}
    subprocess.run([SOFTHSM_UTIL, "--init-token", "--free", "--label", "cpl", "--pin", PIN,
                    "--so-pin", "0815"], env=env, check=True, capture_output=True)
    key = ec.generate_private_key(ec.SECP256R1())
    secret = key.private_numbers().private_value.to_bytes(32, "big")
    os.environ["SOFTHSM2_CONF"] = str(conf)  # this process opens the token too
    try:
        lib = pkcs11.lib(str(MODULE))
        with lib.get_token(token_label="cpl").open(rw=True, user_pin=PIN) as session:
            attributes = decode_ec_private_key(key.private_bytes(
                serialization.Encoding.DER, serialization.PrivateFormat.TraditionalOpenSSL,
                serialization.NoEncryption()))
            attributes.update({pkcs11.Attribute.LABEL: "secas-signing",
                               pkcs11.Attribute.TOKEN: True,
                               pkcs11.Attribute.SENSITIVE: True,
                               pkcs11.Attribute.EXTRACTABLE: False,
                               pkcs11.Attribute.SIGN: True})
            session.create_object(attributes)
        token_key = TokenKey(_Session(str(MODULE), TokenUri("cpl", "secas-signing"), PIN),
                             key.public_key())
        del key  # from here on, only the token holds it
        cert = folder / "token-cert.pem"
        cert.write_bytes(_self_signed_by_token(token_key.public_key(), token_key))
        yield Token(folder, {**env, "CPLKIT_PKCS11_PIN": PIN,
                             "CPLKIT_PKCS11_MODULE": str(MODULE)}, cert, secret)
    finally:
        os.environ.pop("SOFTHSM2_CONF", None)


def cplkit(*args: str | Path, env: dict[str, str],
           cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "cplkit", *map(str, args)], env=env, cwd=cwd,
                          capture_output=True, text=True, check=False)


def _forms_of_the_key(secret: bytes) -> list[bytes]:
    """Every way the key's bytes could appear in a file: raw, hex, base64."""
    return [secret, secret.hex().encode(), secret.hex().upper().encode(),
            base64.b64encode(secret)[:40]]


def test_a_version_is_published_with_the_key_in_the_token(token: Token, tmp_path: Path) -> None:
    registry = tmp_path / "registry"
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    env = {**token.env, "TMPDIR": str(scratch)}
    assert cplkit("init", "-r", registry, "--key", URI, "--cert", token.cert,
                  env=env).returncode == 0
    done = cplkit("publish", "-r", registry, "--as-of", "2026-11-23", "--key", URI, "--cert",
                  token.cert, SAMPLES / "valid" / "form-gas-smart-meter.xlsx", env=env)
    assert done.returncode == 0, done.stderr
    version = registry / "versions" / "1.0"
    for name in ("cpl-1.0.xml", "manifest-1.0.xml", "cpl-1.0.csv", "fir-1.0.json"):
        checked = cplkit("verify", version / name, "--trust", token.cert, env=env)
        assert checked.returncode == 0, (name, checked.stdout, checked.stderr)
    # xmlsec1 and openssl verify the registry too: the autouse check of conftest
    written = [p for p in (*registry.rglob("*"), *scratch.rglob("*")) if p.is_file()]
    assert written
    for path in written:
        data = path.read_bytes()
        for form in _forms_of_the_key(token.secret):
            assert form not in data, f"the key's bytes are in {path}"


def test_a_pin_on_the_command_line_is_refused(token: Token, tmp_path: Path) -> None:
    env = {k: v for k, v in token.env.items() if k != "CPLKIT_PKCS11_PIN"}
    form = SAMPLES / "valid" / "form-ppmid.xlsx"
    for key, extra in ((URI, ["--pin", PIN]), (URI + "?pin-value=" + PIN, [])):
        done = cplkit("publish", "-r", tmp_path / "nowhere", "--key", key, "--cert", token.cert,
                      *extra, form, env=env)
        assert done.returncode == 2, done.stderr
        assert "CPLKIT_PKCS11_PIN" in done.stderr and "--pin-file" in done.stderr
        assert PIN not in done.stderr


def test_the_pin_may_come_from_a_file(token: Token, tmp_path: Path) -> None:
    env = {k: v for k, v in token.env.items() if k != "CPLKIT_PKCS11_PIN"}
    registry = tmp_path / "registry"
    assert cplkit("init", "-r", registry, "--key", URI, "--cert", token.cert,
                  env=token.env).returncode == 0
    pin_file = tmp_path / "pin"
    pin_file.write_text(PIN + "\n")
    done = cplkit("publish", "-r", registry, "--key", URI, "--cert", token.cert, "--pin-file",
                  pin_file, SAMPLES / "valid" / "form-ppmid.xlsx", env=env)
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize(("change", "said"), [
    ("wrong-pin", "PIN for the token 'cpl' is wrong"),
    ("no-such-token", "no token labelled 'nope'"),
    ("no-such-key", "holds 0 private keys that match label 'other'"),
    ("other-certificate", "does not belong to the certificate"),
    ("no-module", "needs its PKCS#11 module"),
])
def test_what_stops_a_token_signer(token: Token, tmp_path: Path, signing_keys: tuple[Path, Path],
                                   change: str, said: str) -> None:
    env = dict(token.env)
    uri, cert = URI, token.cert
    if change == "wrong-pin":
        env["CPLKIT_PKCS11_PIN"] = "0000"
    elif change == "no-such-token":
        uri = "pkcs11:token=nope;object=secas-signing"
    elif change == "no-such-key":
        uri = "pkcs11:token=cpl;object=other"
    elif change == "other-certificate":
        cert = signing_keys[1]
    else:
        env.pop("CPLKIT_PKCS11_MODULE")
    registry = tmp_path / "registry"
    assert cplkit("init", "-r", registry, "--key", URI, "--cert", token.cert,
                  env=token.env).returncode == 0
    done = cplkit("publish", "-r", registry, "--key", uri, "--cert", cert,
                  SAMPLES / "valid" / "form-ppmid.xlsx", env=env)
    assert done.returncode in (2, 6) and said in done.stderr, done.stderr
    assert "Traceback" not in done.stderr
    assert not (registry / "versions" / "1.0").exists()


SECRET_PIN = "98761234"


@pytest.mark.parametrize("key", [
    f"pkcs11:token=cpl;object=secas-signing;pin-value={SECRET_PIN}",
    f"pkcs11:object=secas-signing;pin-value={SECRET_PIN}",
    f"pkcs11:token=cpl;object=secas-signing;pin-source=file:/run/{SECRET_PIN}",
    f"pkcs11:token=cpl;object=secas-signing;pin%2Dvalue={SECRET_PIN}",
    f"pkcs11:token=cpl;object=secas-signing;PIN-VALUE={SECRET_PIN}",
    f"pkcs11:token=cpl;object=secas-signing?module-path=/x;pin-value={SECRET_PIN}",
    f"PKCS11:token=cpl;object=secas-signing;pin-value={SECRET_PIN}",
], ids=["path", "path-without-token", "path-source", "percent-encoded", "upper-case",
        "query-after-semicolon", "upper-case-scheme"])
def test_a_pin_anywhere_in_the_uri_is_refused_and_never_repeated(
        tmp_path: Path, signing_keys: tuple[Path, Path], key: str) -> None:
    """Only the query form was refused: in the path the PIN was taken, and a URI that named no
    token was repeated in full in the message, PIN and all."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CPLKIT_")}
    env["CPLKIT_PKCS11_MODULE"] = str(MODULE or "/usr/lib/softhsm/libsofthsm2.so")
    registry = tmp_path / "registry"
    assert cplkit("init", "-r", registry, "--key", signing_keys[0], "--cert", signing_keys[1],
                  env=env).returncode == 0
    done = cplkit("publish", "-r", registry, "--key", key, "--cert", signing_keys[1],
                  SAMPLES / "valid" / "form-ppmid.xlsx", env=env)
    assert done.returncode == 2, done.stderr
    assert "carries a PIN" in done.stderr and "CPLKIT_PKCS11_PIN" in done.stderr
    assert SECRET_PIN not in done.stderr + done.stdout
    assert not (registry / "versions" / "1.0").exists()


def test_no_message_repeats_the_uri_as_given(tmp_path: Path,
                                             signing_keys: tuple[Path, Path]) -> None:
    """What a message says of the key is the token and key as parsed: anything else the URI
    held (here a PIN under a name no standard gives it) stays out of the output."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CPLKIT_")}
    env["CPLKIT_PKCS11_MODULE"] = str(MODULE or "/usr/lib/softhsm/libsofthsm2.so")
    for key, said in ((f"pkcs11:object=secas-signing;pin={SECRET_PIN}", "names no token"),
                      (f"pkcs11:token=cpl;pin={SECRET_PIN}", "names no key"),
                      (f"pkcs11:token=cpl;object=k;pin={SECRET_PIN}",
                       "no PIN for the token of pkcs11:token=cpl;object=k")):
        done = cplkit("publish", "-r", tmp_path / "nowhere", "--key", key, "--cert",
                      signing_keys[1], SAMPLES / "valid" / "form-ppmid.xlsx", env=env)
        assert done.returncode == 2 and said in done.stderr, done.stderr
        assert SECRET_PIN not in done.stderr + done.stdout


@pytest.mark.parametrize("module", ["text", "libz"])
def test_a_module_that_is_not_a_pkcs11_library_is_named(
        tmp_path: Path, signing_keys: tuple[Path, Path], module: str) -> None:
    """Before: 'could not sign: PKCS11Error', naming neither the module nor what is wrong."""
    if module == "text":
        path = tmp_path / "token.so"
        path.write_text("not a library\n")
    else:
        found = next((Path(p) for p in ("/usr/lib/x86_64-linux-gnu/libz.so.1",
                                        "/lib/x86_64-linux-gnu/libz.so.1",
                                        "/usr/lib/aarch64-linux-gnu/libz.so.1")
                      if Path(p).is_file()), None)
        if found is None:
            pytest.skip("no libz.so.1 to stand for a shared library that is not PKCS#11")
        path = found
    env = {k: v for k, v in os.environ.items() if not k.startswith("CPLKIT_")}
    env.update({"CPLKIT_PKCS11_MODULE": str(path), "CPLKIT_PKCS11_PIN": PIN})
    registry = tmp_path / "registry"
    assert cplkit("init", "-r", registry, "--key", signing_keys[0], "--cert", signing_keys[1],
                  env=env).returncode == 0
    done = cplkit("publish", "-r", registry, "--key", URI, "--cert", signing_keys[1],
                  SAMPLES / "valid" / "form-ppmid.xlsx", env=env)
    assert done.returncode == 6, done.stderr
    assert f"the PKCS#11 module {path} is not a PKCS#11 library" in done.stderr
    assert "Traceback" not in done.stderr
    if module == "libz":
        assert "C_GetFunctionList" in done.stderr
    assert not (registry / "versions" / "1.0").exists()
