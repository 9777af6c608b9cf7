"""The National Certification Authority's public certificates (roots and intermediates, RSA and
GOST) that the built-in EDS backend trusts, and the check each must pass before it is installed
(``manage.py install_nca_roots``).

Where they are published: https://pki.gov.kz/cert/ (the NCA's page https://pki.gov.kz/en/cert-en/
lists them), the addresses NCANode's configuration downloads by default
(github.com/malikzh/NCANode, ``src/main/resources/application.yml``, ``NCANODE_CA_URL``).

A certificate is installed only when the SHA-256 of its DER bytes equals its pin. ``PINNED``
holds the pins the project could establish itself, each with the public copy it was computed
from; it is empty: no public repository holding the production certificates' bytes could be
found from where this code was written (NCANode ships only test authorities), so no pin is
invented here. Until one is added, the operator gives every pin (``--fingerprint NAME=SHA256``)
after comparing it, out of band, with the fingerprints the NCA publishes (README, "Installing
the NCA's certificates").
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from asn1crypto import pem
from asn1crypto import x509 as ax509

DEFAULT_BASE_URL = "https://pki.gov.kz/cert/"


@dataclass(frozen=True)
class NcaCertificate:
    name: str  # the file name at the NCA's address, and on disk
    root: bool  # a trust root (RECALL_EDS_TRUST_ROOTS); else an intermediate (RECALL_EDS_INTERMEDIATES)
    description: str


# The current chains: a personal signing certificate is issued by nca_*_2022, which the
# root_*_20xx roots sign. (The older nca_rsa.crt and nca_gost.crt, under the 2015 roots, issued
# certificates that have all expired by now.)
CERTIFICATES = (
    NcaCertificate("root_rsa_2020.cer", True, "the root CA of Kazakhstan, RSA, 2020"),
    NcaCertificate("root_gost_2022.cer", True, "the root CA of Kazakhstan, GOST 34.10-2015, 2022"),
    NcaCertificate("nca_rsa_2022.cer", False, "issuing CA of personal certificates, RSA, 2022"),
    NcaCertificate("nca_gost_2022.cer", False, "issuing CA of personal certificates, GOST, 2022"),
)
BY_NAME = {c.name: c for c in CERTIFICATES}

# name -> SHA-256 of the DER bytes, lower-case hex, with where it was computed from. Empty: see
# the module docstring.
PINNED: dict[str, str] = {}

_HEX64 = re.compile(r"[0-9a-f]{64}")


class NotAccepted(ValueError):
    """A certificate that must not be installed, with the reason."""


def normalize_fingerprint(value: str) -> str:
    """Accept ``AB:CD:...`` (as openssl prints it), spaces, either case; 64 hex digits out."""
    text = re.sub(r"[\s:]", "", value or "").lower()
    if not _HEX64.fullmatch(text):
        raise NotAccepted(f"a SHA-256 fingerprint is 64 hexadecimal digits: {value!r}")
    return text


def to_der(data: bytes) -> bytes:
    """The DER bytes of one certificate given as DER or PEM."""
    if pem.detect(data):
        blocks = list(pem.unarmor(data, multiple=True))
        if len(blocks) != 1:
            raise NotAccepted(f"expected one certificate, found {len(blocks)}")
        return blocks[0][2]
    return data


def fingerprint(der: bytes) -> str:
    return hashlib.sha256(der).hexdigest()


def check(entry: NcaCertificate, data: bytes, pin: str) -> bytes:
    """The certificate's DER bytes if they are a CA certificate of the expected kind whose
    SHA-256 is ``pin``; NotAccepted otherwise. The fingerprint is compared first: nothing of
    an unpinned file is trusted, its parse included."""
    der = to_der(data)
    found = fingerprint(der)
    if found != pin:
        raise NotAccepted(f"{entry.name}: SHA-256 {found} is not the pinned {pin}")
    try:
        certificate = ax509.Certificate.load(der)
        is_ca = certificate.ca
        self_issued = certificate.self_issued
    except (ValueError, TypeError) as error:
        raise NotAccepted(f"{entry.name}: not an X.509 certificate ({error})") from error
    if not is_ca:
        raise NotAccepted(f"{entry.name}: not a CA certificate")
    if entry.root and not self_issued:
        raise NotAccepted(f"{entry.name}: a root must be self-issued")
    return der
