"""The tests' certificate authority shaped like NCA RK (``recall.demo.ca``), and the ways a test
tampers with a CMS: other content, a flipped signature bit, the BER encoding Kalkan writes."""

from __future__ import annotations

from asn1crypto import cms, core

from recall.demo.ca import (  # noqa: F401 (re-exported for the tests)
    NCA_CEO,
    NCA_INDIVIDUAL,
    NCA_ORGANISATION,
    Issued,
    NcaShapedCA,
    PrivateKey,
    Revocation,
    nca_subject,
    new_key,
    now,
    sign_cms,
)

TestCA = NcaShapedCA


def replace_content(der: bytes, content: bytes) -> bytes:
    """The same CMS with other encapsulated content (a tampering attempt)."""
    info = cms.ContentInfo.load(der)
    signed = info["content"]
    signed["encap_content_info"] = {"content_type": "data", "content": content}
    return cms.ContentInfo({"content_type": "signed_data", "content": signed}).dump(force=True)


def flip_signature_byte(der: bytes) -> bytes:
    """The same CMS with one bit of the signature value flipped."""
    info = cms.ContentInfo.load(der)
    signer_info = info["content"]["signer_infos"][0]
    signature = bytearray(signer_info["signature"].native)
    signature[len(signature) // 2] ^= 0x01
    signer_info["signature"] = core.OctetString(bytes(signature))
    return info.dump(force=True)


def to_ber(der: bytes, chunk: int = 64) -> bytes:
    """The same CMS in BER as BouncyCastle/Kalkan writes it: indefinite lengths for ContentInfo,
    SignedData and the encapsulated content, and the content as a constructed OCTET STRING."""
    info = cms.ContentInfo.load(der)
    signed = info["content"]
    encap = signed["encap_content_info"]
    content = encap["content"].native or b""
    chunks = b"".join(core.OctetString(content[i : i + chunk]).dump() for i in range(0, len(content), chunk))
    encap_ber = _indefinite(b"\x30", encap["content_type"].dump() + _indefinite(b"\xa0", _indefinite(b"\x24", chunks)))
    fields = [signed["version"].dump(), signed["digest_algorithms"].dump(), encap_ber]
    for name in ("certificates", "crls"):
        if not isinstance(signed[name], core.Void):
            fields.append(signed[name].dump())
    fields.append(signed["signer_infos"].dump())
    return _indefinite(
        b"\x30", info["content_type"].dump() + _indefinite(b"\xa0", _indefinite(b"\x30", b"".join(fields)))
    )


def _indefinite(tag: bytes, inner: bytes) -> bytes:
    return tag + b"\x80" + inner + b"\x00\x00"
