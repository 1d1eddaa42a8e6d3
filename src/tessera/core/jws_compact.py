"""A compact JWS read once and checked against each key, with joserfc's rules and errors.

``joserfc.jws.extract_compact`` and ``validate_compact`` cost a rejected
login more than a third of its CPU time: base64 through the ``base64``
module's Python layers, and, for every key tried, a new ``JWSRegistry``,
the header rules again and the signature decoded again. Here the token is
split and its header read once (``extract``), the header rules run once
(``first_signer``), and each key costs one ``check_key`` and one
``verify`` of joserfc's own algorithm objects: the cryptography stays
joserfc's.

Every function accepts and refuses exactly what its joserfc counterpart
does, raising the same joserfc errors, so the texts clients see do not
change (``tests/unit/test_jws_compact.py`` compares the two on hostile
tokens), with one exception: a header that is not UTF-8 JSON without a
byte-order mark is refused (RFC 7515 §2 "UTF8(JWS Protected Header)",
RFC 8259 §8.1), where joserfc lets Python's ``json.loads`` guess UTF-16 or
UTF-32, or skip a BOM. The claims are held to the same rule (``utf8_json``),
so no two JSON parsers can read one token differently.
"""

from __future__ import annotations

import binascii
import functools
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from joserfc.errors import DecodeError, MissingAlgorithmError, MissingCritHeaderError
from joserfc.jwk import Key
from joserfc.jws import JWSRegistry
from joserfc.registry import Header

__all__ = ["CompactJws", "NotUtf8Json", "b64url_decode", "extract", "first_signer", "utf8_json"]

#: Distinct header segments remembered; one issuer sends one per signing key.
HEADER_CACHE_SIZE = 256
#: The header rules (crit, value types, no unknown names); algorithms are chosen per call.
_RULES = JWSRegistry()
_TO_STANDARD_ALPHABET = bytes.maketrans(b"-_", b"+/")
#: The last character of a segment whose final group is 2 or 1 bytes: no stray low bits.
_CANONICAL_ENDINGS = (b"AEIMQUYcgkosw048", b"AQgw")


class NotUtf8Json(ValueError):
    """JSON bytes in another encoding than UTF-8, or starting with a byte-order mark."""


_BOM = b"\xef\xbb\xbf"
_NOT_UTF8 = "must be UTF-8 without a byte-order mark"


def utf8_json(data: bytes) -> Any:
    """``data`` parsed as JSON text, which must be UTF-8 without a byte-order mark.

    ``json.loads`` on bytes detects UTF-16 and UTF-32 and skips a UTF-8 BOM;
    RFC 7519 §7.2 and RFC 8259 §8.1 allow neither.

    Raises:
        NotUtf8Json: for a BOM or bytes that are not UTF-8.
        ValueError: for text that is not JSON.
    """
    # A NUL among the first bytes is how RFC 4627 §3 tells UTF-16 and UTF-32 apart:
    # UTF-8 JSON never has one there (it would not parse), UTF-16's ASCII always does.
    if data.startswith(_BOM) or b"\x00" in data[:4]:
        raise NotUtf8Json(_NOT_UTF8)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise NotUtf8Json(_NOT_UTF8) from None
    return json.loads(text)


@dataclass(frozen=True, slots=True)
class CompactJws:
    """``header.payload.signature``, split; nothing in it is trusted yet."""

    header: Header
    payload: bytes
    #: What the signature covers: the first two segments as sent.
    signing_input: bytes
    #: The signature segment, still base64url (a bad one only fails verification).
    signature_segment: bytes


def b64url_decode(segment: bytes) -> bytes:
    """``joserfc.util.urlsafe_b64decode``, in one C call instead of four Python frames.

    Refuses, as joserfc does, padding, the standard alphabet's ``+`` and
    ``/``, any other character outside base64url, impossible lengths and
    non-zero unused bits.

    Raises:
        binascii.Error: (a ``ValueError``) for what joserfc refuses.
    """
    if b"+" in segment or b"/" in segment or b"=" in segment:
        raise binascii.Error("not base64url")
    pad = -len(segment) % 4
    if pad == 3 or (pad and segment[-1] not in _CANONICAL_ENDINGS[pad - 1]):
        raise binascii.Error("not canonical base64url")
    standard = segment.translate(_TO_STANDARD_ALPHABET) + b"=" * pad
    return binascii.a2b_base64(standard, strict_mode=True)


def extract(value: bytes) -> CompactJws:
    """``jws.extract_compact(value)``: sizes, three segments, the header, the payload.

    Raises:
        JoseError: ``DecodeError`` and the others ``extract_compact`` raises.
        TypeError: for a JSON header that is not an object, where joserfc does.
    """
    _RULES.validate_compact_value_size(value)
    parts = value.split(b".")
    if len(parts) != 3:
        raise DecodeError("Invalid JSON Web Signature")
    header_segment, payload_segment, signature_segment = parts
    _RULES.validate_header_size(header_segment)
    _RULES.validate_signature_size(signature_segment)
    if payload_segment:
        _RULES.validate_payload_size(payload_segment)
    header = _decode_header(header_segment)
    if _unencoded_payload(header):
        payload = payload_segment
    else:
        try:
            payload = b64url_decode(payload_segment)
        except ValueError as error:
            raise DecodeError("Invalid payload") from error
    return CompactJws(header, payload, header_segment + b"." + payload_segment, signature_segment)


def first_signer(token: CompactJws, algorithm: str, keys: Sequence[Key]) -> int | None:
    """The index of the first of ``keys`` that verifies ``token`` as ``algorithm``, else None.

    ``validate_compact(token, key, algorithms=[algorithm])`` for each key in
    turn, with the work that does not depend on the key done once: the
    header rules, the algorithm's lookup, the signature's decoding (one that
    does not decode verifies under no key).

    Raises:
        JoseError: the header breaks a rule (an unknown or missing ``crit``
            name, a value of the wrong type, a name JWS does not define),
            joserfc does not know ``algorithm``, or a key is not of its type.
    """
    if not keys:
        return None
    _RULES.check_header(token.header)
    # Refuses a header whose `alg` is not `algorithm`, as `validate_compact` does.
    alg = _registry(algorithm).get_alg(token.header["alg"])
    if alg.name == "none":  # callers allow it nowhere; a signature is never optional here
        return None
    try:
        signature: bytes | None = b64url_decode(token.signature_segment)
    except ValueError:
        signature = None
    for index, key in enumerate(keys):
        alg.check_key(key)
        if signature is not None and alg.verify(token.signing_input, signature, key):
            return index
    return None


@functools.cache
def _registry(algorithm: str) -> JWSRegistry:
    # What ``validate_compact`` builds on every call; its ``get_alg`` allows ``algorithm`` only.
    return JWSRegistry(algorithms=[algorithm])


def _decode_header(segment: bytes) -> Any:
    header = _read_header(segment)
    # A copy: the cached header is shared by every token that sends these bytes.
    return dict(header) if isinstance(header, dict) else header


@functools.lru_cache(maxsize=HEADER_CACHE_SIZE)
def _read_header(segment: bytes) -> Any:
    # An issuer sends the same header bytes on every token (its alg, kid and typ),
    # and reading them (base64, then JSON) was a third of a rejected token's cost.
    # Failures are not cached: a hostile header costs its sender a full read.
    try:
        header = utf8_json(b64url_decode(segment))
        if "alg" not in header:
            raise MissingAlgorithmError()
    except NotUtf8Json as error:
        raise DecodeError("Invalid header: JSON must be UTF-8 without a byte-order mark") from error
    except (TypeError, ValueError) as error:
        raise DecodeError("Invalid header") from error
    return header


def _unencoded_payload(header: Any) -> bool:
    """RFC 7797 ``"b64": false``, honoured only when ``crit`` names it (as joserfc does)."""
    if "b64" not in header or header["b64"] is True:
        return False
    crit = header.get("crit")
    if isinstance(crit, list) and "b64" in crit:
        return True
    raise MissingCritHeaderError("b64")
