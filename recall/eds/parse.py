"""Reading a CMS SignedData without verifying it (asn1crypto).

Parsing does no cryptography, so it works for GOST signatures too: the NCANode backend uses it to
find the signer's certificate, the encapsulated content and the signing time, and the built-in
backend uses it before checking the signature itself.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import re
from dataclasses import dataclass

from asn1crypto import cms as acms

# Imported for what they register: asn1crypto maps attribute names to OIDs through a reverse
# table built once, at the first CMS it handles; attribute types added later (signing-time
# certificates by asn1crypto.tsp, CAdES attributes by pyHanko) would then be unknown to
# pyHanko when it signs the certified summary in the same process.
from asn1crypto import (
    core,
    tsp,  # noqa: F401
)
from asn1crypto import x509 as ax509
from pyhanko.sign.ades import cades_asn1  # noqa: F401

from .verify import MALFORMED, EdsError

_ID_DATA = "1.2.840.113549.1.7.1"
# A CMS from a voter is a few kilobytes; refuse huge inputs before parsing them.
MAX_CMS_BYTES = 256 * 1024
_PEM = re.compile(rb"-----BEGIN [A-Z0-9 ]+-----(.*?)-----END [A-Z0-9 ]+-----", re.S)


@dataclass(frozen=True)
class ParsedCms:
    content: bytes | None  # the encapsulated content; None for a detached signature
    signer_info: acms.SignerInfo
    certificate: ax509.Certificate  # the signer's
    certificates: tuple[ax509.Certificate, ...]  # every certificate the CMS carries
    signed_attrs: acms.CMSAttributes | None
    message_digest: bytes | None
    signing_time: dt.datetime | None
    digest_algorithm: str  # asn1crypto name: "sha256", ...


def decode_cms(data: bytes | str) -> bytes:
    """DER bytes from what a form or an API sends: DER, base64 (standard or URL-safe) or PEM."""
    raw = data.encode("ascii", "replace") if isinstance(data, str) else bytes(data)
    if len(raw) > MAX_CMS_BYTES * 2:
        raise EdsError(MALFORMED, "The signature is too large.")
    if raw[:1] == b"\x30":
        return raw
    match = _PEM.search(raw)
    text = match.group(1) if match else raw
    text = b"".join(text.split()).replace(b"-", b"+").replace(b"_", b"/")
    try:
        der = base64.b64decode(text + b"=" * (-len(text) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise EdsError(MALFORMED, "The signature is not base64 or DER.")
    if not der or der[:1] != b"\x30":
        raise EdsError(MALFORMED, "The signature is not a CMS structure.")
    return der


def parse_cms(der: bytes) -> ParsedCms:
    """Parse a CMS SignedData with exactly one signer, or raise EdsError(malformed)."""
    if len(der) > MAX_CMS_BYTES:
        raise EdsError(MALFORMED, "The signature is too large.")
    try:
        return _parse(der)
    except EdsError:
        raise
    except (ValueError, TypeError, KeyError, AttributeError, IndexError, OverflowError) as exc:
        # asn1crypto parses lazily and reports bad encodings as any of these.
        raise EdsError(MALFORMED, "The signature is not a readable CMS SignedData.", detail=str(exc))


def _parse(der: bytes) -> ParsedCms:
    info = acms.ContentInfo.load(der, strict=True)
    if info["content_type"].native != "signed_data":
        raise EdsError(MALFORMED, "The CMS is not SignedData.")
    signed = info["content"]
    encap = signed["encap_content_info"]
    if encap["content_type"].dotted != _ID_DATA:
        raise EdsError(MALFORMED, "The signed content is not plain data.")
    content = None if isinstance(encap["content"], core.Void) else encap["content"].native
    if content is not None and not isinstance(content, bytes):
        raise EdsError(MALFORMED, "The signed content is not an octet string.")
    signer_infos = list(signed["signer_infos"])
    if len(signer_infos) != 1:
        # A petition signature is one person's: several signers in one CMS are refused.
        raise EdsError(MALFORMED, f"The CMS has {len(signer_infos)} signers; exactly one is expected.")
    signer_info = signer_infos[0]
    certificates = tuple(choice.chosen for choice in signed["certificates"] if choice.name == "certificate")
    certificate = _signer_certificate(signer_info, certificates)
    attrs = signer_info["signed_attrs"]
    attrs = None if isinstance(attrs, core.Void) else attrs
    digest, signing_time = _signed_attributes(attrs) if attrs is not None else (None, None)
    return ParsedCms(
        content=content,
        signer_info=signer_info,
        certificate=certificate,
        certificates=certificates,
        signed_attrs=attrs,
        message_digest=digest,
        signing_time=signing_time,
        digest_algorithm=signer_info["digest_algorithm"]["algorithm"].native,
    )


def _signer_certificate(signer_info: acms.SignerInfo, certificates: tuple[ax509.Certificate, ...]) -> ax509.Certificate:
    sid = signer_info["sid"]
    for cert in certificates:
        if sid.name == "issuer_and_serial_number":
            ias = sid.chosen
            if cert.serial_number == ias["serial_number"].native and cert.issuer == ias["issuer"]:
                return cert
        elif sid.name == "subject_key_identifier" and cert.key_identifier == sid.chosen.native:
            return cert
    raise EdsError(MALFORMED, "The CMS does not carry the signer's certificate.")


def _signed_attributes(attrs: acms.CMSAttributes) -> tuple[bytes, dt.datetime | None]:
    """RFC 5652 §5.3: contentType and messageDigest are required and single-valued."""
    seen: dict[str, object] = {}
    for attr in attrs:
        name = attr["type"].native
        values = list(attr["values"])
        if name in seen or len(values) != 1:
            raise EdsError(MALFORMED, f"The signed attribute {name} is repeated.")
        seen[name] = values[0]
    content_type = seen.get("content_type")
    digest = seen.get("message_digest")
    if content_type is None or content_type.dotted != _ID_DATA or digest is None:
        raise EdsError(MALFORMED, "The signed attributes lack contentType or messageDigest.")
    time_value = seen.get("signing_time")
    signing_time = time_value.native if time_value is not None else None
    return digest.native, signing_time


def signed_attributes_der(attrs: acms.CMSAttributes) -> bytes:
    """The bytes the signature covers: the received encoding with the SET OF tag (RFC 5652 §5.4).

    Re-encoding could reorder the attributes; the signer signed what it sent, so only the
    implicit [0] tag is swapped for the universal SET tag.
    """
    encoded = attrs.dump()
    return b"\x31" + encoded[1:]
