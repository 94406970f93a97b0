"""The signing policy: which keys, curves and algorithms cplkit signs with and accepts, frozen,
with secure defaults, in one place for signing and verification alike.

The defaults follow the DUIS convention for DCC messages: ECDSA on P-256 (P-384 accepted) or RSA
of 2048 bits and more, SHA-256 or stronger, exclusive canonicalisation, an enveloped signature.
SHA-1 is never accepted. Nothing here signs or verifies.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from cryptography.hazmat.primitives.asymmetric import ec

XMLDSIG = "http://www.w3.org/2000/09/xmldsig#"
ENVELOPED = XMLDSIG + "enveloped-signature"
EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"
ECDSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"
RSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
SHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"


@dataclass(frozen=True)
class SigningPolicy:
    """What a signature made or accepted by cplkit may use."""

    ec_curves: tuple[type[ec.EllipticCurve], ...] = (ec.SECP256R1, ec.SECP384R1)
    min_rsa_bits: int = 2048
    #: XML-DSig SignatureMethod URIs accepted on verify (signing uses the SHA-256 ones)
    signature_methods: frozenset[str] = field(default_factory=lambda: frozenset({
        ECDSA_SHA256,
        "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384",
        RSA_SHA256,
        "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384",
        "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512",
    }))
    #: XML-DSig DigestMethod URIs accepted on verify
    digest_methods: frozenset[str] = field(default_factory=lambda: frozenset({
        SHA256,
        "http://www.w3.org/2001/04/xmldsig-more#sha384",
        "http://www.w3.org/2001/04/xmlenc#sha512",
    }))
    canonicalisation: str = EXC_C14N
    #: transforms a reference may name; the enveloped-signature one is required
    transforms: frozenset[str] = frozenset({ENVELOPED, EXC_C14N})
    #: CMS digest algorithms accepted on verify (asn1crypto names)
    cms_digests: frozenset[str] = frozenset({"sha256", "sha384", "sha512"})


DEFAULT_POLICY = SigningPolicy()
