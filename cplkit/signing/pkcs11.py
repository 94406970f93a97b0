"""Keys held in a PKCS#11 token (an HSM, a smart card, SoftHSM2): signing without the key.

A key is named by a PKCS#11 URI (RFC 7512), ``pkcs11:token=cpl;object=secas-signing``, and found
through the token's module (a shared library). ``TokenKey`` is an ECDSA private key in the
``cryptography`` interface whose ``sign`` hashes in this process and asks the token to sign the
digest (``CKM_ECDSA``: SoftHSM2 and many tokens offer no ``CKM_ECDSA_SHA256``), so signxml and
the CMS builder sign with it as with a key file, and the private key never leaves the token. The
PIN comes from the caller (an environment variable or a file); a PIN written anywhere in the
URI (``pin-value`` or ``pin-source``, in its path or its query, percent-encoded or not) is
refused, and no message repeats the URI as given: they name the token and key as parsed
(``TokenUri.named``). A module that is not a PKCS#11 library is named as such. The same checks
as for key files apply: the curve, and that the token's key is the certificate's (a test
signature checked with the certificate's public key).
"""

from __future__ import annotations

import hashlib
import re
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import (
    Prehashed,
    decode_dss_signature,
    encode_dss_signature,
)

from cplkit.errors import SigningError, UsageError
from cplkit.signing.algorithms import DEFAULT_POLICY, SigningPolicy
from cplkit.signing.signers import KeySigner

SCHEME = "pkcs11:"

#: where a PIN may come from, said wherever one is refused
PIN_SOURCES = ("the environment variable CPLKIT_PKCS11_PIN, or a file named with --pin-file "
               "(never the command line)")


@dataclass(frozen=True, slots=True)
class TokenUri:
    """What a PKCS#11 URI names: the token (by label) and the key object (by label or id)."""

    token: str
    object: str | None = None
    id: bytes | None = None
    module_path: str | None = None

    @property
    def named(self) -> str:
        """The URI of the token and key, rebuilt from what was parsed: what messages show, so
        that nothing else the URI held (a PIN under another name, say) is ever repeated."""
        parts = [f"token={urllib.parse.quote(self.token, safe='')}"]
        if self.object is not None:
            parts.append(f"object={urllib.parse.quote(self.object, safe='')}")
        if self.id is not None:
            parts.append("id=" + "".join(f"%{b:02x}" for b in self.id))
        return SCHEME + ";".join(parts)


def is_token_uri(text: str) -> bool:
    # a URI's scheme is case-insensitive (RFC 3986): 'PKCS11:...' is a token's key, never a
    # file name a message would repeat
    return text[:len(SCHEME)].lower() == SCHEME


#: the URI attributes that carry a PIN (RFC 7512); refused wherever they stand
_PIN = re.compile("pin-(?:value|source)", re.IGNORECASE)
_UNQUOTING = 4  # '%2570in-value' and the like: decoded this many times over


def _carries_pin(text: str) -> bool:
    """Whether ``text`` names a PIN attribute anywhere, percent-encoded or not."""
    for _ in range(_UNQUOTING):
        if _PIN.search(text):
            return True
        decoded = urllib.parse.unquote(text)
        if decoded == text:
            return False
        text = decoded
    return bool(_PIN.search(text))


def parse_uri(text: str) -> TokenUri:
    """The token and key a ``pkcs11:`` URI names; a PIN anywhere in it is refused. No message
    repeats the URI as given."""
    if _carries_pin(text):
        raise UsageError("the PKCS#11 URI carries a PIN (pin-value or pin-source), and a PIN "
                         "never goes on the command line", hint=f"give the PIN in {PIN_SOURCES}")
    body = text[len(SCHEME):]
    path, _, query = body.partition("?")
    attributes: dict[str, str] = {}
    for part in (p for p in path.split(";") if p):
        name, sep, value = part.partition("=")
        if not sep:
            raise UsageError("a part of the PKCS#11 URI is not name=value",
                             hint="name the key as pkcs11:token=LABEL;object=KEY-LABEL")
        attributes[urllib.parse.unquote(name)] = urllib.parse.unquote(value)
    queries = dict(urllib.parse.parse_qsl(query, keep_blank_values=True))
    if "token" not in attributes:
        raise UsageError("the PKCS#11 URI names no token",
                         hint="name it as pkcs11:token=LABEL;object=KEY-LABEL")
    if "object" not in attributes and "id" not in attributes:
        raise UsageError(f"the PKCS#11 URI for the token '{attributes['token']}' names no key "
                         "(object= or id=)",
                         hint="name it as pkcs11:token=LABEL;object=KEY-LABEL")
    raw_id = attributes.get("id")
    return TokenUri(attributes["token"], attributes.get("object"),
                    urllib.parse.unquote_to_bytes(raw_id) if raw_id is not None else None,
                    queries.get("module-path"))


def _library(module: str) -> Any:
    """The PKCS#11 library ``module``, loaded; a file that is not one is named as such."""
    import pkcs11

    try:
        return pkcs11.lib(module)
    except pkcs11.PKCS11Error as exc:
        # python-pkcs11 says why the loader refused it: not a shared library at all, or one
        # without the C_GetFunctionList every PKCS#11 library exports
        said = str(exc)
        detail = said[said.index("undefined symbol"):] if "undefined symbol" in said else \
            said.rsplit(": ", 1)[-1]
        raise SigningError(f"the PKCS#11 module {module} is not a PKCS#11 library: {detail}",
                           hint="give the token's PKCS#11 library with --pkcs11-module or "
                                "CPLKIT_PKCS11_MODULE (SoftHSM2: "
                                "/usr/lib/softhsm/libsofthsm2.so)") from None


def _unsupported(*_: Any, **__: Any) -> NoReturn:
    raise SigningError("the key is held in a token: it signs there and never leaves it")


@dataclass(frozen=True, slots=True)
class _Session:
    """How to reach the key: the module, the token, the key's attributes and the PIN."""

    module: str
    uri: TokenUri
    pin: str = field(repr=False)

    def sign_digest(self, digest: bytes) -> bytes:
        """The token's raw ECDSA signature (r || s) of ``digest``."""
        import pkcs11
        from pkcs11 import Attribute, Mechanism, ObjectClass

        library = _library(self.module)
        try:
            token = library.get_token(token_label=self.uri.token)
            with token.open(user_pin=self.pin) as session:
                search: dict[Any, Any] = {Attribute.CLASS: ObjectClass.PRIVATE_KEY}
                if self.uri.object is not None:
                    search[Attribute.LABEL] = self.uri.object
                if self.uri.id is not None:
                    search[Attribute.ID] = self.uri.id
                keys = list(session.get_objects(search))
                if len(keys) != 1:
                    raise SigningError(
                        f"the token '{self.uri.token}' holds {len(keys)} private keys that match "
                        f"{self._named()}; exactly one must",
                        hint="name the key by its label (object=) and, if need be, its id")
                key: Any = keys[0]
                return bytes(key.sign(digest, mechanism=Mechanism.ECDSA))
        except SigningError:
            raise
        except pkcs11.NoSuchToken:
            raise SigningError(f"no token labelled '{self.uri.token}' in {self.module}",
                               hint="check token= in the URI and the module") from None
        except pkcs11.PinIncorrect:
            raise SigningError(f"the PIN for the token '{self.uri.token}' is wrong",
                               hint=f"give the PIN in {PIN_SOURCES}") from None
        except pkcs11.PKCS11Error as exc:
            raise SigningError(f"the token '{self.uri.token}' could not sign: "
                               f"{type(exc).__name__} (PKCS#11 module {self.module})") from None

    def _named(self) -> str:
        named = []
        if self.uri.object is not None:
            named.append(f"label '{self.uri.object}'")
        if self.uri.id is not None:
            named.append(f"id {self.uri.id.hex()}")
        return " and ".join(named)


class TokenKey(ec.EllipticCurvePrivateKey):
    """An ECDSA key that signs in the token; it cannot be exported or used for key exchange."""

    def __init__(self, session: _Session, public: ec.EllipticCurvePublicKey) -> None:
        self._session = session
        self._public = public

    def __repr__(self) -> str:
        return f"TokenKey(token={self._session.uri.token!r}, object={self._session.uri.object!r})"

    def sign(self, data: bytes | bytearray | memoryview,
             signature_algorithm: ec.EllipticCurveSignatureAlgorithm) -> bytes:
        """A DER ECDSA signature of ``data`` (or of a prehashed digest), made in the token."""
        algorithm = signature_algorithm.algorithm
        if isinstance(algorithm, Prehashed):
            digest = bytes(data)
        else:
            hasher = hashes.Hash(algorithm)
            hasher.update(data)
            digest = hasher.finalize()
        raw = self._session.sign_digest(digest)
        half = len(raw) // 2
        return encode_dss_signature(int.from_bytes(raw[:half], "big"),
                                    int.from_bytes(raw[half:], "big"))

    @property
    def curve(self) -> ec.EllipticCurve:
        return self._public.curve

    @property
    def key_size(self) -> int:
        return self._public.curve.key_size

    def public_key(self) -> ec.EllipticCurvePublicKey:
        return self._public

    exchange = _unsupported
    private_numbers = _unsupported
    private_bytes = _unsupported
    __copy__ = _unsupported

    def __deepcopy__(self, memo: Any) -> NoReturn:
        _unsupported()


def open_token_signer(uri_text: str, module: Path, pin: str, certificate: x509.Certificate,
                      chain: tuple[x509.Certificate, ...] = (), *,
                      policy: SigningPolicy = DEFAULT_POLICY) -> KeySigner:
    """The signer whose key the URI names in the token ``module`` opens, held to the policy
    and proved to be the certificate's key before anything is signed."""
    uri = parse_uri(uri_text)
    if not module.is_file():
        raise SigningError(f"the PKCS#11 module {module} does not exist",
                           hint="give the token's module with --pkcs11-module (SoftHSM2: "
                                "/usr/lib/softhsm/libsofthsm2.so)")
    public = certificate.public_key()
    if not isinstance(public, ec.EllipticCurvePublicKey):
        raise SigningError(f"{uri.named}: only ECDSA keys are signed with in a token; the "
                           "certificate holds another kind")
    if not isinstance(public.curve, policy.ec_curves):
        raise SigningError(f"{uri.named}: curve {public.curve.name} is not accepted; use P-256")
    key = TokenKey(_Session(str(module), uri, pin), public)
    challenge = hashlib.sha256(b"cplkit: is this the certificate's key? " +
                               certificate.fingerprint(hashes.SHA256())).digest()
    signature = key.sign(challenge, ec.ECDSA(Prehashed(hashes.SHA256())))
    try:
        public.verify(signature, challenge, ec.ECDSA(Prehashed(hashes.SHA256())))
    except InvalidSignature:
        raise SigningError(f"the key {uri.named} does not belong to the certificate "
                           f"{certificate.subject.rfc4514_string()}",
                           hint="pass the certificate issued for the token's key") from None
    decode_dss_signature(signature)  # well formed, or the token answered nonsense
    return KeySigner(key, certificate, chain)

