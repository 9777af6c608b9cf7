"""What a certificate must be to sign a petition: an individual's signing key, in its validity.

NCA RK issues every person two keys (sources: the NCA test certificates in NCANode's
``src/test/resources/certs``, NCANode's ``CertificateKeyUsage`` and ``CertificateKeyUser``, the
OID notes in ussgroup ``TrustyUtils`` and sigex ``ncalayer-js-client`` ``basicsSigner*``):

* the **signing** key (RSA_… / GOST_…): keyUsage digitalSignature + nonRepudiation, extended key
  usage emailProtection (1.3.6.1.5.5.7.3.4), policy 1.2.398.3.3.2.3 (individuals) or
  1.2.398.3.3.2.1 (legal entities);
* the **authentication** key (AUTH_…): keyUsage digitalSignature + keyEncipherment, extended key
  usage clientAuth (1.3.6.1.5.5.7.3.2), policy 1.2.398.3.3.2.4 (individuals) or 1.2.398.3.3.2.2.

The holder is named in the extended key usage too: 1.2.398.3.3.4.1.1 an individual,
1.2.398.3.3.4.1.2 (and its children: CEO .1, signatory .2, financial signatory .3, HR .4,
employee .5) an organisation. An organisation's certificate also has O and "BIN…" in the subject.
"""

from __future__ import annotations

import datetime as dt

from asn1crypto import x509 as ax509
from cryptography import x509

from .subject import Subject, parse_subject
from .verify import EXPIRED, NOT_INDIVIDUAL, NOT_SIGNING_CERTIFICATE, WRONG_KEY_USAGE, EdsError, SignerInfo

EKU_EMAIL_PROTECTION = "1.3.6.1.5.5.7.3.4"
EKU_CLIENT_AUTH = "1.3.6.1.5.5.7.3.2"
EKU_ANY = "2.5.29.37.0"
NCA_INDIVIDUAL = "1.2.398.3.3.4.1.1"
NCA_ORGANISATION = "1.2.398.3.3.4.1.2"
POLICY_SIGN_LEGAL = "1.2.398.3.3.2.1"
POLICY_AUTH_LEGAL = "1.2.398.3.3.2.2"
POLICY_SIGN_INDIVIDUAL = "1.2.398.3.3.2.3"
POLICY_AUTH_INDIVIDUAL = "1.2.398.3.3.2.4"
SIGN_POLICIES = frozenset({POLICY_SIGN_LEGAL, POLICY_SIGN_INDIVIDUAL})
AUTH_POLICIES = frozenset({POLICY_AUTH_LEGAL, POLICY_AUTH_INDIVIDUAL})
LEGAL_POLICIES = frozenset({POLICY_SIGN_LEGAL, POLICY_AUTH_LEGAL})


def extended_key_usages(cert: ax509.Certificate) -> frozenset[str] | None:
    """Dotted OIDs, or None when the certificate has no extendedKeyUsage extension."""
    value = cert.extended_key_usage_value
    return None if value is None else frozenset(purpose.dotted for purpose in value)


def key_usages(cert: ax509.Certificate) -> frozenset[str] | None:
    value = cert.key_usage_value
    return None if value is None else frozenset(value.native)


def policies(cert: ax509.Certificate) -> frozenset[str]:
    value = cert.certificate_policies_value
    return frozenset() if value is None else frozenset(info["policy_identifier"].dotted for info in value)


def check_individual(cert: ax509.Certificate) -> Subject:
    """The subject of an individual's certificate, or EdsError(not_individual)."""
    subject = parse_subject(cert.subject)
    ekus = extended_key_usages(cert) or frozenset()
    if subject.is_organisation or any(_is_organisation_oid(oid) for oid in ekus) or policies(cert) & LEGAL_POLICIES:
        raise EdsError(
            NOT_INDIVIDUAL,
            "This is an organisation's certificate; sign with your personal key.",
            detail=f"BIN={subject.bin!r} O={subject.organization!r}",
        )
    if not subject.iin:
        raise EdsError(NOT_INDIVIDUAL, "The certificate carries no IIN.")
    return subject


def check_signing_key(cert: ax509.Certificate) -> None:
    """A profile, not a list of known-bad shapes: the certificate must be the NCA's signing
    certificate of an individual, as the module's text describes it: keyUsage with
    digitalSignature or nonRepudiation, extendedKeyUsage with emailProtection and the NCA's
    individual holder (1.2.398.3.3.4.1.1), and the individuals' signing policy
    (1.2.398.3.3.2.3). An authentication key is refused as such (``wrong_key_usage``: the voter
    picked the wrong key of their pair); any other shape (no key usage, no extended key usage,
    serverAuth only, no policy) as ``not_signing_certificate``."""
    usages = key_usages(cert)
    ekus = extended_key_usages(cert)
    cert_policies = policies(cert)
    auth_shaped = []
    if ekus is not None and EKU_CLIENT_AUTH in ekus and not ekus & {EKU_EMAIL_PROTECTION, EKU_ANY}:
        auth_shaped.append("extendedKeyUsage clientAuth only")
    if cert_policies & AUTH_POLICIES and not cert_policies & SIGN_POLICIES:
        auth_shaped.append("authentication certificate policy")
    if auth_shaped:
        raise EdsError(
            WRONG_KEY_USAGE,
            "This is an authentication key (AUTH); sign with your signing key (RSA or GOST).",
            detail="; ".join(auth_shaped),
        )
    missing = []
    if usages is None or not usages & {"digital_signature", "non_repudiation"}:
        missing.append("keyUsage digitalSignature or nonRepudiation")
    if ekus is None or EKU_EMAIL_PROTECTION not in ekus:
        missing.append("extendedKeyUsage emailProtection")
    if ekus is None or NCA_INDIVIDUAL not in ekus:
        missing.append("the NCA's individual holder in extendedKeyUsage")
    if POLICY_SIGN_INDIVIDUAL not in cert_policies:
        missing.append("the individuals' signing policy")
    if missing:
        raise EdsError(
            NOT_SIGNING_CERTIFICATE,
            "This certificate is not an individual's signing certificate of the National Certification Authority.",
            detail="missing: " + ", ".join(missing),
        )


def check_validity(cert: ax509.Certificate, *, at: dt.datetime, signing_time: dt.datetime | None) -> None:
    """The certificate must be valid now and at the time the signer's software claims."""
    validity = cert["tbs_certificate"]["validity"]
    not_before = validity["not_before"].native
    not_after = validity["not_after"].native
    for moment, what in ((at, "now"), (signing_time, "at the signing time")):
        if moment is None:
            continue
        if moment < not_before:
            raise EdsError(EXPIRED, f"The certificate is not valid yet {what} (from {not_before:%Y-%m-%d}).")
        if moment > not_after:
            raise EdsError(EXPIRED, f"The certificate expired on {not_after:%Y-%m-%d} (checked {what}).")


def _is_organisation_oid(oid: str) -> bool:
    return oid == NCA_ORGANISATION or oid.startswith(NCA_ORGANISATION + ".")


def signer_info(
    cert: ax509.Certificate, subject: Subject, *, signing_time: dt.datetime | None, backend: str
) -> SignerInfo:
    """The SignerInfo both backends return, read from the certificate itself."""
    validity = cert["tbs_certificate"]["validity"]
    return SignerInfo(
        iin=subject.iin,
        surname=subject.surname,
        given_name=subject.given_name,
        patronymic=subject.patronymic,
        full_name=subject.full_name,
        common_name=subject.common_name,
        serial_number=format(cert.serial_number, "x"),
        issuer=issuer_string(cert),
        not_before=validity["not_before"].native,
        not_after=validity["not_after"].native,
        signing_time=signing_time,
        certificate=cert.dump(),
        backend=backend,
    )


def issuer_string(cert: ax509.Certificate) -> str:
    """RFC 4514 issuer name; asn1crypto's rendering if cryptography cannot read the certificate."""
    try:
        return x509.load_der_x509_certificate(cert.dump()).issuer.rfc4514_string()
    except ValueError:
        return cert.issuer.human_friendly
