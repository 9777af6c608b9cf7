"""The built-in backend: RSA and ECDSA certificates, verified in-process.

For development, tests, and any CA that uses RSA/ECDSA. Kazakh GOST 34.10 keys are refused with
``unsupported_algorithm``: they need NCANode (``recall.eds.ncanode``).

Checks, in order (the first failure is reported):

1. the CMS is a SignedData with one signer and its certificate (``malformed``);
2. the content is exactly the statement issued: the encapsulated content, or for a detached
   signature the statement given (``content_mismatch``);
3. the signer's key is RSA or ECDSA (``unsupported_algorithm``);
4. messageDigest equals the digest of the content and the signature over the signed attributes
   verifies with the certificate's key (``bad_signature``; ``content_mismatch`` when detached);
5. an individual's certificate with an IIN (``not_individual``) and a signing key
   (``wrong_key_usage``);
6. valid now and at the claimed signing time (``expired``);
7. a path to a configured root, each certificate valid now, and the signer's revocation status
   by OCSP (the responder in the AIA extension) or else CRL (the CRL distribution points),
   fetched with a timeout; intermediates are checked when they declare a CRL/OCSP. NCA RK
   certificates declare both (http://ocsp.pki.gov.kz/, crl.pki.gov.kz); pyhanko asks only the
   responders a certificate declares, so there is no OCSP URL override here (NCANode has one).
   Path building and revocation are pyhanko-certvalidator's (``untrusted_chain``, ``expired``,
   ``revoked``, and ``revocation_unknown`` when no answer decides it: fail closed). Answers come
   through ``recall.eds.revocation``: kept until they expire, asked with a short timeout, and not
   asked while their responder is down; when only a down responder kept the status from being
   known, the signer is returned with ``revocation_pending`` (everything else verified).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import dataclasses
import datetime as dt
import hashlib
from collections.abc import AsyncGenerator, Coroutine, Iterable
from pathlib import Path
from typing import Any, TypeVar

from asn1crypto import algos, pem
from asn1crypto import x509 as ax509
from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from pyhanko_certvalidator import CertificateValidator, ValidationContext, errors
from pyhanko_certvalidator.fetchers.api import CertificateFetcher, Fetchers
from pyhanko_certvalidator.policy_decl import CertRevTrustPolicy, RevocationCheckingPolicy, RevocationCheckingRule

from . import profile, revocation
from .parse import ParsedCms, decode_cms, parse_cms, signed_attributes_der
from .verify import (
    BAD_SIGNATURE,
    CONTENT_MISMATCH,
    EXPIRED,
    REVOCATION_UNKNOWN,
    REVOKED,
    UNSUPPORTED_ALGORITHM,
    UNTRUSTED_CHAIN,
    EdsError,
    SignerInfo,
    require_aware,
)

# Kazakh GOST (Kalkan, 1.2.398.3.10.*) and Russian GOST (1.2.643.*) keys and signatures.
GOST_PREFIXES = ("1.2.398.3.10.", "1.2.643.")
_HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "sha256": hashes.SHA256,
    "sha384": hashes.SHA384,
    "sha512": hashes.SHA512,
}
T = TypeVar("T")
GOST_MESSAGE = "This key uses GOST 34.10; the built-in verifier handles RSA and ECDSA only: configure NCANode."


class BuiltinVerifier:
    """Verifies RSA/ECDSA CMS signatures against configured trust roots.

    ``trust_roots``: paths to PEM/DER files (a PEM may hold several certificates) or the bytes of
    such files. ``intermediates``: CA certificates to use when the CMS does not carry them.
    ``timeout``: seconds for each OCSP/CRL request. ``check_revocation=False`` is for a
    development machine without a responder only: it skips OCSP and CRL altogether.
    """

    name = "builtin"

    def __init__(
        self,
        trust_roots: Iterable[str | Path | bytes],
        *,
        intermediates: Iterable[str | Path | bytes] = (),
        timeout: float = 5.0,
        check_revocation: bool = True,
        revocation_store: revocation.Store | None = None,
        revocation_policy: revocation.Policy | None = None,
    ) -> None:
        self.trust_roots = load_certificates(trust_roots)
        if not self.trust_roots:
            raise ValueError("BuiltinVerifier needs at least one trust root")
        self.intermediates = load_certificates(intermediates)
        self.timeout = timeout
        self.check_revocation = check_revocation
        self.store = revocation_store if revocation_store is not None else revocation.MemoryStore()
        self.revocation_policy = revocation_policy or revocation.Policy(timeout=timeout)

    def verify(self, cms: bytes, *, expected_content: bytes, at: dt.datetime) -> SignerInfo:
        at = require_aware(at)
        parsed = parse_cms(decode_cms(cms))
        content = signed_content(parsed, expected_content)
        refuse_unsupported(parsed)
        verify_signature(parsed, content)
        subject = profile.check_individual(parsed.certificate)
        profile.check_signing_key(parsed.certificate)
        profile.check_validity(parsed.certificate, at=at, signing_time=parsed.signing_time)
        pending = run_sync(self._validate_path(parsed, at))
        info = profile.signer_info(parsed.certificate, subject, signing_time=parsed.signing_time, backend=self.name)
        return dataclasses.replace(info, revocation_pending=True) if pending else info

    async def _validate_path(self, parsed: ParsedCms, at: dt.datetime) -> bool:
        """Validate the chain and the revocation status; True: valid but for a status that only a
        responder now down could give (the signature is then held, not refused)."""
        probe = revocation.Probe()
        context = ValidationContext(
            trust_roots=self.trust_roots,
            other_certs=[*parsed.certificates, *self.intermediates],
            moment=at,
            allow_fetching=self.check_revocation,
            revinfo_policy=self._revocation_policy(),
            fetchers=self._fetchers(probe) if self.check_revocation else None,
        )
        validator = CertificateValidator(parsed.certificate, validation_context=context)
        try:
            await validator.async_validate_path()
        except errors.RevokedError as exc:
            raise EdsError(REVOKED, "The certificate has been revoked.", detail=str(exc))
        except (errors.ExpiredError, errors.NotYetValidError) as exc:
            raise EdsError(EXPIRED, "A certificate in the chain is not valid now.", detail=str(exc))
        except errors.InsufficientRevinfoError as exc:
            if probe.unreachable:
                return True
            raise EdsError(
                REVOCATION_UNKNOWN,
                "The certificate's revocation status could not be checked; try again later.",
                detail=str(exc),
            )
        except (errors.PathBuildingError, errors.PathValidationError, errors.ValidationError) as exc:
            raise EdsError(UNTRUSTED_CHAIN, "The certificate is not issued by a trusted authority.", detail=str(exc))
        except (ValueError, TypeError, KeyError) as exc:
            # A crafted chain can upset the parser deep inside path validation: refuse it.
            raise EdsError(UNTRUSTED_CHAIN, "The certificate chain could not be validated.", detail=repr(exc))
        return False

    def _fetchers(self, probe: revocation.Probe) -> Fetchers:
        """OCSP and CRL through recall.eds.revocation; never the caIssuers URLs of certificates
        not yet trusted (an address an attacker chooses): the chain is in the CMS or configured."""
        return Fetchers(
            ocsp_fetcher=revocation.CachedOCSPFetcher(self.store, self.revocation_policy, probe),
            crl_fetcher=revocation.CachedCRLFetcher(self.store, self.revocation_policy, probe),
            cert_fetcher=_NoIssuerFetching(),
        )

    def _revocation_policy(self) -> CertRevTrustPolicy:
        if not self.check_revocation:
            rules = RevocationCheckingPolicy(RevocationCheckingRule.NO_CHECK, RevocationCheckingRule.NO_CHECK)
        else:
            # The signer: OCSP or CRL must answer (fail closed). CAs: checked if they declare it.
            rules = RevocationCheckingPolicy(
                ee_certificate_rule=RevocationCheckingRule.CRL_OR_OCSP_REQUIRED,
                intermediate_ca_cert_rule=RevocationCheckingRule.CHECK_IF_DECLARED,
            )
        return CertRevTrustPolicy(rules)


def signed_content(parsed: ParsedCms, expected_content: bytes) -> bytes:
    """The bytes the signature must cover: the statement issued, byte for byte."""
    if parsed.content is None:
        return expected_content  # detached: the digest check below decides
    if parsed.content != expected_content:
        raise EdsError(CONTENT_MISMATCH, "The signed text is not the statement issued for this petition.")
    return parsed.content


def refuse_unsupported(parsed: ParsedCms) -> None:
    key_oid = parsed.certificate["tbs_certificate"]["subject_public_key_info"]["algorithm"]["algorithm"].dotted
    signature_oid = parsed.signer_info["signature_algorithm"]["algorithm"].dotted
    if key_oid.startswith(GOST_PREFIXES) or signature_oid.startswith(GOST_PREFIXES):
        raise EdsError(UNSUPPORTED_ALGORITHM, GOST_MESSAGE, detail=f"key {key_oid}, signature {signature_oid}")
    if parsed.certificate.public_key.algorithm not in ("rsa", "ec"):
        raise EdsError(UNSUPPORTED_ALGORITHM, "Only RSA and ECDSA keys are supported here.", detail=key_oid)
    if parsed.digest_algorithm not in _HASHES:
        raise EdsError(UNSUPPORTED_ALGORITHM, f"The digest {parsed.digest_algorithm} is not accepted.")


def verify_signature(parsed: ParsedCms, content: bytes) -> None:
    """messageDigest over the content, then the signature over the signed attributes."""
    digest = hashlib.new(parsed.digest_algorithm, content).digest()
    if parsed.signed_attrs is None:
        signed_bytes = content  # RFC 5652 allows it for id-data; NCALayer always adds attributes
    else:
        if parsed.message_digest != digest:
            if parsed.content is None:
                raise EdsError(CONTENT_MISMATCH, "The signature was made over another text than the statement issued.")
            raise EdsError(BAD_SIGNATURE, "The signed content was changed after signing.")
        signed_bytes = signed_attributes_der(parsed.signed_attrs)
    try:
        public_key = x509.load_der_x509_certificate(parsed.certificate.dump()).public_key()
        signer = parsed.signer_info
        _verify_raw(
            public_key, signer["signature_algorithm"], parsed.digest_algorithm, signer["signature"].native, signed_bytes
        )
    except InvalidSignature:
        raise EdsError(BAD_SIGNATURE, "The signature does not match the certificate.")
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise EdsError(BAD_SIGNATURE, "The signature could not be verified.", detail=repr(exc))


def _verify_raw(
    public_key: object, algorithm: algos.SignedDigestAlgorithm, digest_name: str, signature: bytes, data: bytes
) -> None:
    kind = algorithm.signature_algo
    try:
        hash_name = algorithm.hash_algo
    except ValueError:
        hash_name = digest_name  # plain rsaEncryption / ecPublicKey: the digestAlgorithm decides
    if hash_name not in _HASHES:
        raise EdsError(UNSUPPORTED_ALGORITHM, f"The signature hash {hash_name} is not accepted.")
    chosen = _HASHES[hash_name]()
    if kind == "rsassa_pkcs1v15" and isinstance(public_key, rsa.RSAPublicKey):
        public_key.verify(signature, data, padding.PKCS1v15(), chosen)
    elif kind == "rsassa_pss" and isinstance(public_key, rsa.RSAPublicKey):
        params = algorithm["parameters"]
        pss = padding.PSS(mgf=padding.MGF1(chosen), salt_length=params["salt_length"].native)
        public_key.verify(signature, data, pss, chosen)
    elif kind == "ecdsa" and isinstance(public_key, ec.EllipticCurvePublicKey):
        public_key.verify(signature, data, ec.ECDSA(chosen))
    else:
        raise EdsError(BAD_SIGNATURE, f"The signature algorithm {kind} does not match the certificate's key.")


class _NoIssuerFetching(CertificateFetcher):
    """Never follow caIssuers URLs: they come from certificates not yet trusted (a request to
    any address an attacker chooses). The chain is in the CMS or in ``intermediates``."""

    async def fetch_cert_issuers(self, cert: ax509.Certificate) -> AsyncGenerator[ax509.Certificate, None]:
        for _ in ():
            yield _

    async def fetch_crl_issuers(self, certificate_list: object) -> AsyncGenerator[ax509.Certificate, None]:
        for _ in ():
            yield _

    def fetched_certs(self) -> Iterable[ax509.Certificate]:
        return ()


def load_certificates(sources: Iterable[str | Path | bytes]) -> list[ax509.Certificate]:
    """Certificates from PEM/DER files or bytes; a PEM bundle yields all of its certificates."""
    found: list[ax509.Certificate] = []
    for source in sources:
        data = source if isinstance(source, bytes) else Path(source).read_bytes()
        if pem.detect(data):
            found.extend(ax509.Certificate.load(der) for _, _, der in pem.unarmor(data, multiple=True))
        else:
            found.append(ax509.Certificate.load(data))
    return found


def run_sync(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run pyhanko's coroutine from sync code, also when the caller already runs an event loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()
