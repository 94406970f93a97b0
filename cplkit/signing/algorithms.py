"""The signing policy: which keys, curves and algorithms cplkit signs with and accepts, frozen,
with secure defaults, in one place for signing and verification alike, and what a signing
certificate must be for.

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

#: extended key usages that let a certificate's key sign a CPL file (dotted OIDs)
CODE_SIGNING = "1.3.6.1.5.5.7.3.3"
DOCUMENT_SIGNING = "1.3.6.1.5.5.7.3.36"  # id-kp-documentSigning, RFC 9336
MICROSOFT_DOCUMENT_SIGNING = "1.3.6.1.4.1.311.10.3.12"  # what Windows CAs issue for it
ANY_EXTENDED_KEY_USAGE = "2.5.29.37.0"


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
    #: what a certificate's extended key usage, where it states one, must allow for its key to
    #: sign or to have signed: code or document signing. A web server's certificate (serverAuth
    #: only) from a CA the reader trusts is not a signing certificate, whatever its key can do
    signing_purposes: frozenset[str] = frozenset({
        CODE_SIGNING, DOCUMENT_SIGNING, MICROSOFT_DOCUMENT_SIGNING, ANY_EXTENDED_KEY_USAGE})


DEFAULT_POLICY = SigningPolicy()
