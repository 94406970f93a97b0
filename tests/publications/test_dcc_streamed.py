"""The DCC file written and signed a batch of entries at a time (``dccxml.write_signed``) is the
file the tree-built path (``dccxml.build`` then ``sign_xml``) makes, byte for byte but an ECDSA
SignatureValue (random), whatever the values hold and wherever the batches break; xmlsec1 and
cplkit's own verifier accept it, from a key file's key and a token's alike; and publish verifies
it in a child process, issuing nothing when it fails."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import io
import os
import re
import signal
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed, decode_dss_signature
from cryptography.x509.oid import NameOID
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from cplkit.core import model as m
from cplkit.errors import VerificationError
from cplkit.publications import bundle, dccxml
from cplkit.publications.filenames import IssuedFiles
from cplkit.publications.verify_issued import verify_dcc
from cplkit.signing import xmldsig
from cplkit.signing.pkcs11 import TokenKey
from cplkit.signing.signers import KeySigner
from cplkit.signing.xmldsig import sign_xml
from tests.conftest import SAMPLES, run_cli, xmlsec1_verify

#: within the test certificates' validity, which starts a day before the tests run
SIGNED_AT = dt.datetime.now(dt.UTC).replace(microsecond=0)
PREVIOUS = ("1.4", "0f" * 32)
#: everything XML escapes, in text and in attributes, and what it must not lose
HOSTILE = ["a & b", "<tag>", "x > y", 'say "hi"', "it's", "cr\rlf\r\nlf\n", "tab\there",
           "Zähler \u2013 計量器 \u2013 🔌 \u202eRTL", "]]>", "&amp; &#13; &lt;", "  spaced  ", "",
           "<?cplkit-streamed elements-go-here?>", "x" * 20_000 + "&<>\"'\r\n\t"]
SIGNATURE_VALUE = re.compile(rb"<ds:SignatureValue>[^<]*</ds:SignatureValue>")


def _signer(key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey) -> KeySigner:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "streamed DCC test signer")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=30)).sign(key, hashes.SHA256()))
    return KeySigner(key, cert)


@pytest.fixture(scope="module")
def ec_signer() -> KeySigner:
    return _signer(ec.generate_private_key(ec.SECP256R1()))


@pytest.fixture(scope="module")
def rsa_signer() -> KeySigner:
    return _signer(rsa.generate_private_key(65537, 2048))


@pytest.fixture(autouse=True)
def _libxmlsec1_signs_the_reference() -> None:
    """The reference file is the one sign_xml makes with libxmlsec1 (python-xmlsec)."""
    if xmldsig._xmlsec() is None:
        if os.environ.get("CI"):
            pytest.fail("python-xmlsec is missing or runs on another libxml2 than lxml in CI")
        pytest.skip("python-xmlsec is not installed, or runs on another libxml2 than lxml")


def _entry(i: int, value: str, *, hostile_attributes: bool = False) -> m.Entry:
    """An entry with ``value`` in fields of several kinds (and, if asked, in its attributes,
    which the schema holds to a number and a status: for byte identity only)."""
    hostile = hostile_attributes and i % 3 == 0
    return m.Entry.of({
        m.ENTRY_NUMBER: value if hostile else f"{i + 1:06d}",
        m.ENTRY_STATUS: value if hostile else ("Current", "Removed")[i % 2],
        m.DEVICE_TYPE: value, m.MANUFACTURER_ID: "10:6C", m.MODEL_ID: "20:02",
        m.HARDWARE_VERSION: "01", m.HARDWARE_REVISION: "00", m.FIRMWARE_VERSION:
        ":".join(f"{i:08X}"[j:j + 2] for j in range(0, 8, 2)), m.SPEC_VERSION: value,
        m.GBCS_VERSION: "GBCS Version 4.1", m.CPA_EXPIRY: dt.date(2030, 1, 1) + dt.timedelta(i),
        **({m.IMAGE_DESCRIPTOR: value[::-1]} if i % 2 else {m.IMAGE_CREATOR: value}),
    })


def _version(entries: list[m.Entry]) -> m.CplVersion:
    return m.CplVersion(m.VersionNumber(1, 5), dt.date(2026, 11, 23), tuple(entries),
                        "Hostile values & <more>.")


def _streamed(version: m.CplVersion, signer: KeySigner | Any, batch: int,
              previous: tuple[str, str] | None = PREVIOUS) -> bytes:
    out = io.BytesIO()
    digest = dccxml.write_signed(version, previous, SIGNED_AT, signer, out, batch=batch)
    data = out.getvalue()
    assert digest == hashlib.sha256(data).hexdigest()
    return data


def _tree_built(version: m.CplVersion, signer: KeySigner,
                previous: tuple[str, str] | None = PREVIOUS) -> bytes:
    return sign_xml(dccxml.build(version, previous, SIGNED_AT), signer)


def _outside_signature_value(data: bytes) -> bytes:
    stripped, found = SIGNATURE_VALUE.subn(b"<ds:SignatureValue/>", data)
    assert found == 1
    return stripped


HOSTILE_VERSION = _version([_entry(i, HOSTILE[i % len(HOSTILE)], hostile_attributes=True)
                            for i in range(31)])
#: the hostile values as the schema allows them (text of 1 to 500 characters)
VALID_VERSION = _version([_entry(i, HOSTILE[i % len(HOSTILE)][-500:] or "-")
                          for i in range(31)])


@pytest.mark.parametrize("batch", [1, 4, 31, 1000])
@pytest.mark.parametrize("previous", [PREVIOUS, None])
def test_the_streamed_file_is_the_tree_built_file(batch: int, previous: tuple[str, str] | None,
                                                  ec_signer: KeySigner,
                                                  rsa_signer: KeySigner) -> None:
    """RSA signatures are deterministic: the whole file is the same. ECDSA's are not: all but
    the SignatureValue is."""
    assert _streamed(HOSTILE_VERSION, rsa_signer, batch, previous) == \
        _tree_built(HOSTILE_VERSION, rsa_signer, previous)
    assert _outside_signature_value(_streamed(HOSTILE_VERSION, ec_signer, batch, previous)) == \
        _outside_signature_value(_tree_built(HOSTILE_VERSION, ec_signer, previous))


def test_the_digest_is_of_the_whole_documents_exclusive_c14n(ec_signer: KeySigner) -> None:
    """The batches' canonical forms, concatenated between the skeleton's, are lxml's exclusive
    C14N of the whole document (the signature left out, as the enveloped transform does)."""
    whole = dccxml.build(HOSTILE_VERSION, PREVIOUS, SIGNED_AT).getroottree()
    expected = hashlib.sha256(etree.tostring(whole, method="c14n", exclusive=True)).digest()
    signed = etree.fromstring(_streamed(HOSTILE_VERSION, ec_signer, 4))
    written = signed.findtext(f".//{xmldsig.DS}DigestValue")
    assert base64.b64decode(written) == expected


def test_an_empty_list_streams_as_it_builds(rsa_signer: KeySigner) -> None:
    empty = _version([])
    assert _streamed(empty, rsa_signer, 3) == _tree_built(empty, rsa_signer)


@pytest.mark.usefixtures("both_engines")
def test_xmlsec1_and_cplkit_accept_the_streamed_file(tmp_path: Path,
                                                     ec_signer: KeySigner) -> None:
    data = _streamed(VALID_VERSION, ec_signer, 4)
    path, cert = tmp_path / "cpl-1.5.xml", tmp_path / "cert.pem"
    path.write_bytes(data)
    cert.write_bytes(ec_signer.certificate.public_bytes(serialization.Encoding.PEM))
    done = xmlsec1_verify(path, cert)
    assert done.returncode == 0, done.stderr
    content = verify_dcc(data, [ec_signer.certificate]).content
    assert (str(content.number), content.previous) == ("1.5", PREVIOUS)
    assert [dict(e.values) for e in content.entries()] == \
        [dict(e.values) for e in VALID_VERSION.entries]


def test_a_value_changed_in_a_streamed_batch_breaks_the_signature(
        tmp_path: Path, ec_signer: KeySigner) -> None:
    """The digest covers every batch: a value changed in the last one is caught."""
    data = _streamed(VALID_VERSION, ec_signer, 4)
    last = b"<FirmwareVersion>00:00:00:1E</FirmwareVersion>"
    assert data.count(last) == 1
    tampered = data.replace(last, b"<FirmwareVersion>00:00:FF:1E</FirmwareVersion>")
    with pytest.raises(VerificationError, match="changed after it was signed"):
        verify_dcc(tampered, [ec_signer.certificate])
    path, cert = tmp_path / "tampered.xml", tmp_path / "cert.pem"
    path.write_bytes(tampered)
    cert.write_bytes(ec_signer.certificate.public_bytes(serialization.Encoding.PEM))
    assert xmlsec1_verify(path, cert).returncode != 0


class _SoftToken:
    """What cplkit's ``TokenKey`` asks of a token's session, answered by a key in memory: a raw
    ECDSA signature of a digest, and nothing that exports the key."""

    def __init__(self, key: ec.EllipticCurvePrivateKey) -> None:
        self._key = key

    def sign_digest(self, digest: bytes) -> bytes:
        r, s = decode_dss_signature(self._key.sign(digest, ec.ECDSA(Prehashed(hashes.SHA256()))))
        return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def test_a_token_key_streams_the_file_a_key_file_does(tmp_path: Path,
                                                      ec_signer: KeySigner) -> None:
    """A key that never leaves its token signs through the key object: the same file as a
    key file's key (but the random SignatureValue), which xmlsec1 and cplkit accept."""
    assert isinstance(ec_signer.key, ec.EllipticCurvePrivateKey)
    token = KeySigner(TokenKey(_SoftToken(ec_signer.key), ec_signer.key.public_key()),  # type: ignore[arg-type]
                      ec_signer.certificate)
    data = _streamed(VALID_VERSION, token, 4)
    assert _outside_signature_value(data) == \
        _outside_signature_value(_tree_built(VALID_VERSION, ec_signer))
    path, cert = tmp_path / "cpl-1.5.xml", tmp_path / "cert.pem"
    path.write_bytes(data)
    cert.write_bytes(ec_signer.certificate.public_bytes(serialization.Encoding.PEM))
    assert xmlsec1_verify(path, cert).returncode == 0
    assert verify_dcc(data, [ec_signer.certificate]).content.entry_count == 31


#: text XML 1.0 can carry (no other control characters, surrogates or U+FFFE/U+FFFF), with the
#: characters it escapes drawn often
xml_text = st.text(alphabet=st.one_of(
    st.characters(blacklist_categories=("Cc", "Cs"), blacklist_characters="\ufffe\uffff"),
    st.sampled_from(list("\t\n\r&<>\"'"))), max_size=40)


@settings(max_examples=60, deadline=None)
@given(values=st.lists(xml_text, max_size=25), batch=st.integers(1, 9))
def test_any_values_in_any_batches_stream_as_they_build(values: list[str], batch: int,
                                                        rsa_signer: KeySigner) -> None:
    version = _version([_entry(i, value) for i, value in enumerate(values)])
    assert _streamed(version, rsa_signer, batch) == _tree_built(version, rsa_signer)


def test_publish_verifies_the_dcc_file_in_a_child_process(
        tmp_path: Path, identity: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The verifier's tree of the file (about 480 MiB at 72,900 entries) is never in the
    process that holds the rest of the version."""
    from cplkit.base.isolation import can_isolate

    if not can_isolate():
        pytest.skip("no fork here: the file is verified in this process")
    pids = tmp_path / "pids"

    def verify_and_say_where(*args: Any, **kwargs: Any) -> Any:
        with pids.open("a") as said:
            said.write(f"{os.getpid()}\n")
        return verify_dcc(*args, **kwargs)

    monkeypatch.setattr(bundle, "verify_dcc", verify_and_say_where)
    version = _version([_entry(i, "plain") for i in range(5)])
    from cplkit.registry.disk import NewFiles

    files = NewFiles(tmp_path, durable=False)
    bundle.signed_dcc(files, version, None, identity, now=SIGNED_AT)
    data = files.read(IssuedFiles(str(version.number)).dcc_xml)
    assert verify_dcc(data, [identity.certificate]).content.entry_count == 5
    where = pids.read_text().split()
    assert len(where) == 1 and where[0] != str(os.getpid())


def _refuse(*_: Any, **__: Any) -> Any:
    raise VerificationError("signature", "the signature does not match the content")


def _die(*_: Any, **__: Any) -> Any:
    os.kill(os.getpid(), signal.SIGKILL)


@pytest.mark.parametrize(("verifier", "said"), [(_refuse, "did not verify"),
                                                (_die, "could not be verified")])
def test_a_dcc_file_that_fails_verification_is_never_issued(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, verifier: Any, said: str) -> None:
    registry = tmp_path / "registry"
    assert run_cli("init", "-r", registry)[0] == 0
    before = sorted(p.relative_to(registry) for p in registry.rglob("*"))
    monkeypatch.setattr(bundle, "verify_dcc", verifier)
    code, output = run_cli("publish", "-r", registry, "--as-of", "2026-11-23",
                           SAMPLES / "valid" / "bulk-submission.csv")
    assert code != 0 and said in output and "nothing was issued" in output
    assert sorted(p.relative_to(registry) for p in registry.rglob("*")) == before
