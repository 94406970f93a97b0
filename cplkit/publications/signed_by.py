"""Which signing certificate a reader checks a version with, as its page and notice name it.

A reader told only "--trust CERT" does not know which certificate to fetch, nor what to compare
it with; the page and the notice name it by subject and SHA-256 fingerprint. A version built and
signed in one go (``publish``, ``import``) names the certificate that signs it. A version staged
for approval (``publish --prepare``) is built, and its page and notice approved, before anyone
knows which key will sign it: its page and notice name every certificate the registry trusted to
sign when it was prepared, and ``publish --staged`` refuses a signer outside them, so what the
approvers signed stays true.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from cplkit.core.text import visible


@dataclass(frozen=True, slots=True)
class Certificate:
    """A signing certificate as readers are told of it."""

    subject: str
    sha256: str  # the SHA-256 fingerprint of its DER encoding, in hex


@dataclass(frozen=True, slots=True)
class SignedBy:
    """The certificates a version's page and notice name: ``known`` when the one certificate
    named is the signer's; otherwise the version's signer is one of them (a staged version)."""

    certificates: tuple[Certificate, ...]
    known: bool

    @classmethod
    def signer(cls, subject: str, sha256: str) -> SignedBy:
        return cls((Certificate(subject, sha256),), known=True)

    @classmethod
    def one_of(cls, certificates: tuple[Certificate, ...]) -> SignedBy:
        return cls(certificates, known=False)

    def shown(self) -> SignedBy:
        """As people may read it: a control character in a subject written as a visible
        escape, never as itself in a page or a notice."""
        return replace(self, certificates=tuple(replace(c, subject=visible(c.subject))
                                                for c in self.certificates))
