"""The qualified electronic signature (КЭП): a detached CAdES-BES signature (`.sig`) made by the client's
CryptoPro (or any CMS signer) over a document's file, checked mathematically in the portal.

What is checked, in this order:

1. The file is CMS `SignedData` (DER, or base64 with or without PEM armour, as CryptoPro exports it)
   with one signer, whose certificate is in the file (CAdES-BES carries it).
2. The algorithms are GOST R 34.11-2012 (Streebog 256/512) and GOST R 34.10-2012 (256/512-bit keys)
   on one of the standard curves (R 1323565.1.024-2019; the CryptoPro 2001 parameter sets included).
3. The signature over the DER of the signed attributes verifies with the certificate's public key.
4. The `messageDigest` signed attribute equals Streebog of the document's bytes.
5. The signing time claimed in the signature (when there is one) is within the certificate's validity.

What is NOT checked: the certificate's chain to an accredited certification centre's root, and its
revocation (CRL/OCSP). The portal has neither the trusted list nor the network for it; the page says so.

Byte order (RFC 4491 §2.2-2.3, RFC 9215, as CryptoPro and OpenSSL's GOST engine write them): the public
key is an OCTET STRING of X then Y, each little-endian; the signature is s then r, each big-endian; the
digest is read as a little-endian number. `gostcrypto` takes all three big-endian with r first, so they
are turned around here. Streebog is `gostcrypto`'s (pure Python, ~0.3 MB/s): documents above
`MAX_DOCUMENT_BYTES` are refused rather than held in a request for minutes.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from asn1crypto import cms, core, x509
from django.utils.translation import gettext as _
from gostcrypto import gosthash, gostsignature

__all__ = [
    "MAX_DOCUMENT_BYTES",
    "MAX_SIGNATURE_BYTES",
    "Certificate",
    "SignatureFileError",
    "Verification",
    "read_signature",
    "verify_detached",
]

# A CAdES-BES with the signer's certificate is a few kilobytes; CAdES-X Long with the chain, under 100 KB.
MAX_SIGNATURE_BYTES = 1024 * 1024
# Streebog in pure Python hashes about 0.3 MB a second: a bigger document would outlast the request.
MAX_DOCUMENT_BYTES = 8 * 1024 * 1024

DIGESTS = {"1.2.643.7.1.1.2.2": "streebog256", "1.2.643.7.1.1.2.3": "streebog512"}
KEY_ALGORITHMS = {"1.2.643.7.1.1.1.1": 256, "1.2.643.7.1.1.1.2": 512}
# In SignerInfo.signatureAlgorithm CryptoPro writes the key's algorithm, others «signwithdigest».
SIGNATURE_ALGORITHMS = {
    "1.2.643.7.1.1.1.1": 256,
    "1.2.643.7.1.1.1.2": 512,
    "1.2.643.7.1.1.3.2": 256,
    "1.2.643.7.1.1.3.3": 512,
}
_TC26_256 = "id-tc26-gost-3410-2012-256-paramSet"
CURVES = {
    "1.2.643.7.1.2.1.1.1": _TC26_256 + "A",
    "1.2.643.7.1.2.1.1.2": _TC26_256 + "B",
    "1.2.643.2.2.35.1": _TC26_256 + "B",  # CryptoPro-A = tc26 256 B
    "1.2.643.2.2.36.0": _TC26_256 + "B",  # CryptoPro-XchA = CryptoPro-A
    "1.2.643.7.1.2.1.1.3": _TC26_256 + "C",
    "1.2.643.2.2.35.2": _TC26_256 + "C",  # CryptoPro-B
    "1.2.643.7.1.2.1.1.4": _TC26_256 + "D",
    "1.2.643.2.2.35.3": _TC26_256 + "D",  # CryptoPro-C
    "1.2.643.2.2.36.1": _TC26_256 + "D",  # CryptoPro-XchB = CryptoPro-C
    "1.2.643.7.1.2.1.2.1": "id-tc26-gost-3410-12-512-paramSetA",
    "1.2.643.7.1.2.1.2.2": "id-tc26-gost-3410-12-512-paramSetB",
    "1.2.643.7.1.2.1.2.3": "id-tc26-gost-3410-2012-512-paramSetC",
}

# Subject attributes of a Russian qualified certificate (Order of the FSB no. 795).
OIDS = {
    "2.5.4.3": "common_name",
    "2.5.4.4": "surname",
    "2.5.4.42": "given_name",
    "2.5.4.10": "organization",
    "2.5.4.12": "title",
    "1.2.840.113549.1.9.1": "email",
    "1.2.643.3.131.1.1": "inn",  # ИНН (of a person, or of a legal entity in older certificates)
    "1.2.643.100.4": "inn_le",  # ИНН ЮЛ
    "1.2.643.100.1": "ogrn",  # ОГРН
    "1.2.643.100.5": "ogrnip",  # ОГРНИП
    "1.2.643.100.3": "snils",  # СНИЛС
}

_PEM = re.compile(rb"-----(BEGIN|END)[^-]*-----")


class SignatureFileError(Exception):
    """The uploaded file is not a signature the portal can check: nothing is recorded."""

    def __init__(self, message: str, code: str):
        super().__init__(message)
        self.message = message
        self.code = code


class _Algorithm(core.Sequence):
    _fields = [("algorithm", core.ObjectIdentifier), ("parameters", core.Any, {"optional": True})]


class _PublicKeyInfo(core.Sequence):
    """SubjectPublicKeyInfo without asn1crypto's key specs (which know no GOST keys)."""

    _fields = [("algorithm", _Algorithm), ("public_key", core.BitString)]


class _GostKeyParameters(core.Sequence):
    """GostR3410-2012-PublicKeyParameters (RFC 9215 §4.2)."""

    _fields = [
        ("public_key_param_set", core.ObjectIdentifier),
        ("digest_param_set", core.ObjectIdentifier, {"optional": True}),
        ("encryption_param_set", core.ObjectIdentifier, {"optional": True}),
    ]


@dataclass(frozen=True)
class Certificate:
    """The signer's certificate as the portal shows it."""

    common_name: str = ""
    surname: str = ""
    given_name: str = ""
    organization: str = ""
    title: str = ""
    email: str = ""
    inn: str = ""
    inn_le: str = ""
    ogrn: str = ""
    ogrnip: str = ""
    snils: str = ""
    issuer: str = ""
    serial: str = ""
    valid_from: datetime | None = None
    valid_to: datetime | None = None

    @property
    def owner(self) -> str:
        """The person: «Фамилия Имя Отчество» (SN + G) when given, else the certificate's CN."""
        person = " ".join(part for part in (self.surname, self.given_name) if part)
        return person or self.common_name


@dataclass
class Verification:
    """What one signature file says and whether it holds for the document."""

    certificate: Certificate
    digest_algorithm: str
    message_digest: bytes
    signing_time: datetime | None
    key_bits: int
    signature_valid: bool
    verified: bool = False
    code: str = ""  # "" when verified; else signature_invalid, digest_mismatch or not_valid_at_signing
    reason: str = ""


def _decode(raw: bytes) -> bytes:
    """DER as it is; base64 (CryptoPro's «в кодировке BASE64»), with or without PEM lines, decoded."""
    if raw[:1] == b"\x30":
        return raw
    body = re.sub(rb"\s+", b"", _PEM.sub(b"", raw))
    try:
        decoded = base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError):
        decoded = b""
    if decoded[:1] != b"\x30":
        raise SignatureFileError(_("The file is not an electronic signature (CMS, .sig)."), "not_cms")
    return decoded


def _text(value: Any) -> str:
    native = value.native
    if isinstance(native, bytes):
        return native.decode("utf-8", "replace")
    return str(native or "").strip()


def _name_fields(name: x509.Name) -> dict[str, str]:
    found: dict[str, str] = {}
    for rdn in name.chosen:
        for pair in rdn:
            key = OIDS.get(pair["type"].dotted)
            if key is not None and key not in found:
                found[key] = _text(pair["value"])
    return found


def _issuer(name: x509.Name) -> str:
    fields = _name_fields(name)
    parts = [fields.get("common_name", ""), fields.get("organization", "")]
    unique = [p for i, p in enumerate(parts) if p and p not in parts[:i]]
    return ", ".join(unique) or name.human_friendly


def _certificate(cert: x509.Certificate) -> Certificate:
    tbs = cert["tbs_certificate"]
    subject = _name_fields(tbs["subject"])
    validity = tbs["validity"]
    return Certificate(
        **subject,
        issuer=_issuer(tbs["issuer"]),
        serial=format(tbs["serial_number"].native, "x"),
        valid_from=validity["not_before"].native,
        valid_to=validity["not_after"].native,
    )


def _signer_certificate(signed_data: cms.SignedData, signer: cms.SignerInfo) -> x509.Certificate:
    sid = signer["sid"]
    for choice in signed_data["certificates"] or []:
        if choice.name != "certificate":
            continue
        cert = choice.chosen
        tbs = cert["tbs_certificate"]
        if sid.name == "issuer_and_serial_number":
            if (
                tbs["issuer"] == sid.chosen["issuer"]
                and tbs["serial_number"].native == sid.chosen["serial_number"].native
            ):
                return cert
        elif cert.key_identifier == sid.chosen.native:
            return cert
    raise SignatureFileError(
        _("The signature file does not contain the signer's certificate: export the signature with it."),
        "no_certificate",
    )


def _public_key(cert: x509.Certificate) -> tuple[int, str, bytearray]:
    """The key's size in bits, its curve's name in gostcrypto, and the key as gostcrypto takes it."""
    info = _PublicKeyInfo.load(cert["tbs_certificate"]["subject_public_key_info"].dump())
    bits = KEY_ALGORITHMS.get(info["algorithm"]["algorithm"].dotted)
    if bits is None:
        raise SignatureFileError(
            _("The certificate's key is not a GOST R 34.10-2012 key: such a signature is not checked here."),
            "unsupported",
        )
    parameters = _GostKeyParameters.load(info["algorithm"]["parameters"].dump())
    curve = CURVES.get(parameters["public_key_param_set"].dotted)
    if curve is None:
        raise SignatureFileError(_("The certificate's key uses unknown curve parameters."), "unsupported")
    point = core.OctetString.load(info["public_key"].cast(core.OctetBitString).native).native
    size = bits // 8
    if len(point) != 2 * size:
        raise SignatureFileError(_("The certificate's public key is damaged."), "not_cms")
    # X and Y are little-endian (RFC 4491 §2.3.2); gostcrypto reads them big-endian.
    return bits, curve, bytearray(point[:size][::-1] + point[size:][::-1])


def _attribute(signer: cms.SignerInfo, name: str) -> Any:
    for attribute in signer["signed_attrs"]:
        if attribute["type"].native == name:
            values = attribute["values"]
            return values[0] if len(values) == 1 else None
    return None


def _streebog(name: str, chunks: Iterable[bytes]) -> bytes:
    digest = gosthash.new(name)
    for chunk in chunks:
        digest.update(cast(bytearray, chunk))  # it takes bytes too
    return bytes(digest.digest())


def read_signature(raw: bytes) -> Verification:
    """Parse the signature file and check the signature over its signed attributes (the cheap part).
    `SignatureFileError` when the file cannot be checked at all; the result says whether the signature
    holds for its certificate's key. The document's digest is compared by `verify_detached`."""
    if len(raw) > MAX_SIGNATURE_BYTES:
        raise SignatureFileError(
            _("The signature file is too large (more than %(size)s KB).") % {"size": MAX_SIGNATURE_BYTES // 1024},
            "too_large",
        )
    der = _decode(raw)
    try:
        info = cms.ContentInfo.load(der, strict=True)
        if info["content_type"].native != "signed_data":
            raise ValueError("not SignedData")
        signed_data = info["content"]
        signers = list(signed_data["signer_infos"])
        if len(signers) != 1:
            raise SignatureFileError(
                _("The file holds %(count)s signatures: upload a file with one signature.") % {"count": len(signers)},
                "several_signers",
            )
        signer = signers[0]
        cert = _signer_certificate(signed_data, signer)
        certificate = _certificate(cert)
        digest_name = DIGESTS.get(signer["digest_algorithm"]["algorithm"].dotted)
        signature_bits = SIGNATURE_ALGORITHMS.get(signer["signature_algorithm"]["algorithm"].dotted)
        bits, curve, public_key = _public_key(cert)
        if digest_name is None or signature_bits is None or signature_bits != bits or str(bits) not in digest_name:
            raise SignatureFileError(
                _("The signature is not made with GOST R 34.10-2012 and GOST R 34.11-2012: it is not checked here."),
                "unsupported",
            )
        if not signer["signed_attrs"]:
            raise SignatureFileError(
                _("The signature has no signed attributes: it is not a CAdES signature."), "not_cades"
            )
        message_digest = _attribute(signer, "message_digest")
        content_type = _attribute(signer, "content_type")
        if message_digest is None or content_type is None or content_type.native != "data":
            raise SignatureFileError(
                _("The signature has no digest of the document: it is not a CAdES signature."), "not_cades"
            )
        signing_time = _attribute(signer, "signing_time")
        # The signature is over the DER of the attributes as a SET OF, not as the [0] they are stored in.
        signed_attributes = b"\x31" + signer["signed_attrs"].dump()[1:]
        signature = bytes(signer["signature"].native)
    except SignatureFileError:
        raise
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, OverflowError) as exc:
        raise SignatureFileError(_("The file is not an electronic signature (CMS, .sig)."), "not_cms") from exc
    result = Verification(
        certificate=certificate,
        digest_algorithm=digest_name,
        message_digest=bytes(message_digest.native),
        signing_time=signing_time.native if signing_time is not None else None,
        key_bits=bits,
        signature_valid=False,
    )
    size = bits // 8
    # The digest is a little-endian number (as the GOST engine and CryptoPro read it); gostcrypto reads
    # big-endian. The signature value is s || r, each big-endian; gostcrypto wants r || s.
    digest = bytearray(_streebog(digest_name, [signed_attributes])[::-1])
    mode = gostsignature.MODE_256 if bits == 256 else gostsignature.MODE_512
    verifier = gostsignature.new(mode, gostsignature.CURVES_R_1323565_1_024_2019[curve])
    try:
        result.signature_valid = len(signature) == 2 * size and bool(
            verifier.verify(public_key, digest, bytearray(signature[size:] + signature[:size]))
        )
    except gostsignature.GOSTSignatureError:
        result.signature_valid = False
    return result


def _fail(result: Verification, code: str, reason: str) -> Verification:
    result.verified, result.code, result.reason = False, code, reason
    return result


def verify_detached(raw: bytes, content: Iterable[bytes], content_size: int) -> Verification:
    """Check a detached signature file against the document's bytes (given in chunks, `content_size` in
    all). `SignatureFileError` when the file is no signature; otherwise the verdict and its reason."""
    if content_size > MAX_DOCUMENT_BYTES:
        raise SignatureFileError(
            _("The document is too large to check its signature in the portal (more than %(size)s MB).")
            % {"size": MAX_DOCUMENT_BYTES // (1024 * 1024)},
            "document_too_large",
        )
    result = read_signature(raw)
    if not result.signature_valid:
        return _fail(
            result,
            "signature_invalid",
            _("The signature is invalid: it was not made with the key of the certificate in the file."),
        )
    if _streebog(result.digest_algorithm, content) != result.message_digest:
        return _fail(
            result,
            "digest_mismatch",
            _("The signature is of another file: the document's digest does not match the signed one."),
        )
    cert = result.certificate
    moment = result.signing_time
    if (
        moment is not None
        and cert.valid_from is not None
        and cert.valid_to is not None
        and not cert.valid_from <= moment <= cert.valid_to
    ):
        return _fail(
            result,
            "not_valid_at_signing",
            _("The certificate was not valid at the signing time stated in the signature."),
        )
    result.verified = True
    return result
