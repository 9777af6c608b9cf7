"""A certificate authority shaped like NCA RK, and CMS signatures made the way NCALayer does.

The demo (``load_demo``) issues its voters' keys with it, and the tests build their CA on it
(``tests.eds.ca``). It is never a trust root of a deployment: the demo's root is made on the
machine that runs the demo, and production refuses EDS without the NCA's real roots.

Built with ``cryptography``: a root, an intermediate ("ҰКО TEST"), and end-entity certificates
with NCA RK's subject and extensions (see ``recall.eds.subject`` and ``recall.eds.profile`` for
the sources): CN "SURNAME GIVEN", SURNAME, SERIALNUMBER "IIN…", C=KZ, GIVENNAME = the
patronymic; keyUsage digitalSignature+nonRepudiation; extendedKeyUsage emailProtection +
1.2.398.3.3.4.1.1; policy 1.2.398.3.3.2.3; AIA (OCSP and caIssuers) and CRL distribution points
pointing at the local responder (``tests.eds.responder``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from asn1crypto import algos, cms
from asn1crypto import x509 as ax509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from recall.eds import profile

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
UTC = dt.UTC
NCA_INDIVIDUAL = x509.ObjectIdentifier(profile.NCA_INDIVIDUAL)
NCA_ORGANISATION = x509.ObjectIdentifier(profile.NCA_ORGANISATION)
NCA_CEO = x509.ObjectIdentifier(profile.NCA_ORGANISATION + ".1")


def new_key(kind: str = "rsa") -> PrivateKey:
    if kind == "ec":
        return ec.generate_private_key(ec.SECP256R1())
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def now() -> dt.datetime:
    return dt.datetime.now(UTC).replace(microsecond=0)


@dataclass
class Issued:
    """A certificate, its key, and the CA certificates above it (issuer first, root last)."""

    cert: x509.Certificate
    key: PrivateKey
    chain: list[x509.Certificate] = field(default_factory=list)

    @property
    def der(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.DER)

    @property
    def pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)

    @property
    def key_pem(self) -> bytes:
        return self.key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )

    @property
    def iin(self) -> str:
        serials = self.cert.subject.get_attributes_for_oid(NameOID.SERIAL_NUMBER)
        value = str(serials[0].value) if serials else ""
        return value[3:] if value.startswith("IIN") else ""

    def write(self, directory: Path, stem: str) -> tuple[Path, Path]:
        """PEM files of the certificate (with its chain) and of the key, e.g. for a TLS server."""
        cert_path, key_path = directory / f"{stem}.pem", directory / f"{stem}.key"
        cert_path.write_bytes(self.pem + b"".join(c.public_bytes(serialization.Encoding.PEM) for c in self.chain))
        key_path.write_bytes(self.key_pem)
        return cert_path, key_path


@dataclass
class Revocation:
    when: dt.datetime
    reason: x509.ReasonFlags = x509.ReasonFlags.key_compromise


class NcaShapedCA:
    """A root and an intermediate CA, issuing NCA-shaped certificates.

    ``base_url`` is the responder's address: certificates name ``{base_url}/ocsp`` (AIA),
    ``{base_url}/crl/{slug}.crl`` (CRL DP) and ``{base_url}/cert/{slug}.cer`` (caIssuers).
    """

    __test__ = False  # the tests import it as TestCA: not a pytest class

    def __init__(self, base_url: str, *, slug: str = "test", name: str = "TEST NCA") -> None:
        self.base_url = base_url.rstrip("/")
        self.slug = slug
        start = now() - dt.timedelta(days=365)
        self.root_key = new_key()
        root_name = _ca_name(f"НЕГІЗГІ КО ({name})")
        self.root = self._ca_cert(root_name, root_name, self.root_key, self.root_key, start, crl_slug=None)
        self.intermediate_key = new_key()
        self.intermediate = self._ca_cert(
            _ca_name(f"ҰКО ({name})"),
            root_name,
            self.intermediate_key,
            self.root_key,
            start,
            crl_slug=f"{slug}-root",
        )
        # Revoked serial numbers, by the issuing CA's slug.
        self.revoked: dict[str, dict[int, Revocation]] = {f"{slug}-root": {}, f"{slug}-sub": {}}

    # --- CA certificates -------------------------------------------------------------------

    @property
    def authorities(self) -> dict[str, tuple[x509.Certificate, PrivateKey]]:
        """The issuing certificates and keys by slug (the responder's view)."""
        return {
            f"{self.slug}-root": (self.root, self.root_key),
            f"{self.slug}-sub": (self.intermediate, self.intermediate_key),
        }

    def root_pem(self) -> bytes:
        return self.root.public_bytes(serialization.Encoding.PEM)

    def _ca_cert(
        self,
        subject: x509.Name,
        issuer: x509.Name,
        key: PrivateKey,
        issuer_key: PrivateKey,
        start: dt.datetime,
        *,
        crl_slug: str | None,
    ) -> x509.Certificate:
        builder = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(issuer)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(start)
            .not_valid_after(start + dt.timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(_key_usage(cert_sign=True), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), critical=False)
        )
        if crl_slug:
            builder = builder.add_extension(self._crl_dp(crl_slug), critical=False)
        return builder.sign(issuer_key, hashes.SHA256())

    def _crl_dp(self, slug: str) -> x509.CRLDistributionPoints:
        url = f"{self.base_url}/crl/{slug}.crl"
        point = x509.DistributionPoint([x509.UniformResourceIdentifier(url)], None, None, None)
        return x509.CRLDistributionPoints([point])

    # --- end entities ----------------------------------------------------------------------

    def issue(
        self,
        *,
        iin: str = "900101300017",
        surname: str = "ТЕСТОВ",
        given_name: str = "ТЕСТ",
        patronymic: str = "ТЕСТОВИЧ",
        kind: str = "sign",
        key_type: str = "rsa",
        organisation: tuple[str, str] | None = None,
        not_before: dt.datetime | None = None,
        not_after: dt.datetime | None = None,
        ocsp: bool = True,
        crl: bool = True,
        key: PrivateKey | None = None,
    ) -> Issued:
        """An end-entity certificate the way NCA RK issues them.

        ``kind``: "sign" (digitalSignature+nonRepudiation, emailProtection, policy …2.3/…2.1) or
        "auth" (digitalSignature+keyEncipherment, clientAuth, policy …2.4/…2.2).
        ``organisation``: (name, BIN) for an employee's/CEO's certificate (O and OU=BIN…).
        """
        key = key or new_key(key_type)
        start = not_before or now() - dt.timedelta(days=30)
        end = not_after or start + dt.timedelta(days=365)
        builder = (
            x509.CertificateBuilder()
            .subject_name(nca_subject(iin, surname, given_name, patronymic, organisation))
            .issuer_name(self.intermediate.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(start)
            .not_valid_after(end)
        )
        for extension, critical in self._end_entity_extensions(key, kind, organisation, ocsp=ocsp, crl=crl):
            builder = builder.add_extension(extension, critical=critical)
        cert = builder.sign(self.intermediate_key, hashes.SHA256())
        return Issued(cert, key, [self.intermediate, self.root])

    def _end_entity_extensions(
        self, key: PrivateKey, kind: str, organisation: tuple[str, str] | None, *, ocsp: bool, crl: bool
    ) -> Iterable[tuple[x509.ExtensionType, bool]]:
        # "bare": chained to the root with no key usage, no extended key usage and no policy;
        # "server": a TLS server's (serverAuth only); "no_policy": a signing key without the
        # individuals' signing policy. Shapes the NCA never issues to sign with.
        if kind == "server":
            yield _key_usage(digital_signature=True, non_repudiation=False, key_encipherment=True), True
            yield x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False
        elif kind in ("sign", "auth", "no_policy"):
            signing = kind != "auth"
            yield _key_usage(digital_signature=True, non_repudiation=signing, key_encipherment=not signing), True
            holder = [NCA_ORGANISATION, NCA_CEO] if organisation else [NCA_INDIVIDUAL]
            purpose = ExtendedKeyUsageOID.EMAIL_PROTECTION if signing else ExtendedKeyUsageOID.CLIENT_AUTH
            yield x509.ExtendedKeyUsage([purpose, *holder]), False
            policy = {
                (True, False): profile.POLICY_SIGN_INDIVIDUAL,
                (False, False): profile.POLICY_AUTH_INDIVIDUAL,
                (True, True): profile.POLICY_SIGN_LEGAL,
                (False, True): profile.POLICY_AUTH_LEGAL,
            }[(signing, organisation is not None)]
            if kind != "no_policy":
                yield x509.CertificatePolicies([x509.PolicyInformation(x509.ObjectIdentifier(policy), None)]), False
        yield x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False
        yield x509.AuthorityKeyIdentifier.from_issuer_public_key(self.intermediate_key.public_key()), False
        access = [
            x509.AccessDescription(
                x509.AuthorityInformationAccessOID.CA_ISSUERS,
                x509.UniformResourceIdentifier(f"{self.base_url}/cert/{self.slug}-sub.cer"),
            )
        ]
        if ocsp:
            access.append(
                x509.AccessDescription(
                    x509.AuthorityInformationAccessOID.OCSP, x509.UniformResourceIdentifier(f"{self.base_url}/ocsp")
                )
            )
        yield x509.AuthorityInformationAccess(access), False
        if crl:
            yield self._crl_dp(f"{self.slug}-sub"), False

    def tls_server(self, hosts: Iterable[str] = ("127.0.0.1", "localhost")) -> Issued:
        """A TLS server certificate (e.g. for the fake NCALayer on wss://127.0.0.1)."""
        key = new_key("ec")
        names: list[x509.GeneralName] = []
        for host in hosts:
            try:
                names.append(x509.IPAddress(ipaddress.ip_address(host)))
            except ValueError:
                names.append(x509.DNSName(host))
        start = now() - dt.timedelta(days=1)
        cert = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, next(iter(hosts)))]))
            .issuer_name(self.intermediate.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(start)
            .not_valid_after(start + dt.timedelta(days=30))
            .add_extension(x509.SubjectAlternativeName(names), critical=False)
            .add_extension(_key_usage(digital_signature=True), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .sign(self.intermediate_key, hashes.SHA256())
        )
        return Issued(cert, key, [self.intermediate, self.root])

    # --- revocation ------------------------------------------------------------------------

    def revoke(self, issued: Issued | x509.Certificate, *, when: dt.datetime | None = None) -> None:
        cert = issued.cert if isinstance(issued, Issued) else issued
        slug = self.slug_of_issuer(cert.issuer)
        self.revoked[slug][cert.serial_number] = Revocation(when or now() - dt.timedelta(hours=1))

    def slug_of_issuer(self, issuer: x509.Name) -> str:
        for slug, (cert, _) in self.authorities.items():
            if cert.subject == issuer:
                return slug
        raise KeyError(issuer)

    def crl(self, slug: str) -> x509.CertificateRevocationList:
        issuer, key = self.authorities[slug]
        builder = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(issuer.subject)
            .last_update(now() - dt.timedelta(minutes=5))
            .next_update(now() + dt.timedelta(days=1))
            .add_extension(x509.CRLNumber(1), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(key.public_key()), critical=False)
        )
        for serial, revocation in self.revoked[slug].items():
            entry = (
                x509.RevokedCertificateBuilder()
                .serial_number(serial)
                .revocation_date(revocation.when)
                .add_extension(x509.CRLReason(revocation.reason), critical=False)
                .build()
            )
            builder = builder.add_revoked_certificate(entry)
        return builder.sign(key, hashes.SHA256())


def nca_subject(
    iin: str, surname: str, given_name: str, patronymic: str, organisation: tuple[str, str] | None = None
) -> x509.Name:
    """NCA RK's order: CN, SURNAME, SERIALNUMBER, C, [O, OU=BIN…], GIVENNAME (the patronymic)."""
    attributes = [
        x509.NameAttribute(NameOID.COMMON_NAME, f"{surname} {given_name}"),
        x509.NameAttribute(NameOID.SURNAME, surname),
        x509.NameAttribute(NameOID.SERIAL_NUMBER, f"IIN{iin}"),
        x509.NameAttribute(NameOID.COUNTRY_NAME, "KZ"),
    ]
    if organisation:
        attributes += [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation[0]),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, f"BIN{organisation[1]}"),
        ]
    if patronymic:
        attributes.append(x509.NameAttribute(NameOID.GIVEN_NAME, patronymic))
    return x509.Name(attributes)


def _ca_name(common_name: str) -> x509.Name:
    return x509.Name(
        [x509.NameAttribute(NameOID.COMMON_NAME, common_name), x509.NameAttribute(NameOID.COUNTRY_NAME, "KZ")]
    )


def _key_usage(
    *,
    digital_signature: bool = False,
    non_repudiation: bool = False,
    key_encipherment: bool = False,
    cert_sign: bool = False,
) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=digital_signature,
        content_commitment=non_repudiation,
        key_encipherment=key_encipherment,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=cert_sign,
        crl_sign=cert_sign,
        encipher_only=False,
        decipher_only=False,
    )


# --- CMS --------------------------------------------------------------------------------------


def sign_cms(
    content: bytes,
    signer: Issued,
    *,
    attached: bool = True,
    signing_time: dt.datetime | None = None,
    digest: str = "sha256",
    include_chain: bool = True,
) -> bytes:
    """A CMS SignedData as NCALayer makes it (``format: "cms"``, ``encapsulate``): signed
    attributes contentType, messageDigest and signingTime; the signer's certificate (and chain)."""
    cert = ax509.Certificate.load(signer.der)
    message_digest = hashlib.new(digest, content).digest()
    attrs = _sorted_attributes(
        [
            cms.CMSAttribute({"type": "content_type", "values": ["data"]}),
            cms.CMSAttribute({"type": "message_digest", "values": [message_digest]}),
            cms.CMSAttribute({"type": "signing_time", "values": [cms.Time({"utc_time": signing_time or now()})]}),
        ]
    )
    signature = _sign(signer.key, attrs.dump(), digest)
    if isinstance(signer.key, rsa.RSAPrivateKey):
        signature_algorithm = algos.SignedDigestAlgorithm({"algorithm": "rsassa_pkcs1v15"})
    else:
        signature_algorithm = algos.SignedDigestAlgorithm({"algorithm": f"{digest}_ecdsa"})
    signer_info = cms.SignerInfo(
        {
            "version": "v1",
            "sid": cms.SignerIdentifier(
                {
                    "issuer_and_serial_number": cms.IssuerAndSerialNumber(
                        {"issuer": cert.issuer, "serial_number": cert.serial_number}
                    )
                }
            ),
            "digest_algorithm": algos.DigestAlgorithm({"algorithm": digest}),
            "signed_attrs": attrs,
            "signature_algorithm": signature_algorithm,
            "signature": signature,
        }
    )
    certificates = [cert]
    if include_chain:
        certificates += [ax509.Certificate.load(c.public_bytes(serialization.Encoding.DER)) for c in signer.chain]
    signed_data = cms.SignedData(
        {
            "version": "v1",
            "digest_algorithms": [algos.DigestAlgorithm({"algorithm": digest})],
            "encap_content_info": {"content_type": "data", "content": content if attached else None},
            "certificates": certificates,
            "signer_infos": [signer_info],
        }
    )
    return cms.ContentInfo({"content_type": "signed_data", "content": signed_data}).dump()


def _sorted_attributes(attributes: list[cms.CMSAttribute]) -> cms.CMSAttributes:
    # DER orders a SET OF by the encodings; verifiers that re-encode (Kalkan/BouncyCastle) rely on it.
    return cms.CMSAttributes(sorted(attributes, key=lambda attr: attr.dump()))


def _sign(key: PrivateKey, data: bytes, digest: str) -> bytes:
    chosen = {"sha256": hashes.SHA256(), "sha384": hashes.SHA384(), "sha512": hashes.SHA512()}[digest]
    if isinstance(key, rsa.RSAPrivateKey):
        return key.sign(data, padding.PKCS1v15(), chosen)
    return key.sign(data, ec.ECDSA(chosen))
