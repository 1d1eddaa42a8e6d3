"""Content hashes, reference hashes and event IDs (spec: Server-Server API,
"Signing Events"; room versions 4+ "Event IDs").
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from typing import Any

from tessera.core.events.canonical import encode_canonical_json
from tessera.core.events.redaction import redact
from tessera.core.events.room_versions import RoomVersion
from tessera.core.events.signing import decode_base64, encode_base64, verify_signed_json


def content_hash(pdu: Mapping[str, Any]) -> str:
    """The SHA-256 of the whole event without ``unsigned``, ``signatures`` and
    ``hashes``, unpadded base64 (what goes in ``hashes.sha256``)."""
    hashed = {k: v for k, v in pdu.items() if k not in ("unsigned", "signatures", "hashes")}
    return encode_base64(hashlib.sha256(encode_canonical_json(hashed)).digest())


def has_valid_content_hash(pdu: Mapping[str, Any]) -> bool:
    """Whether ``hashes.sha256`` matches the event (False for a redacted copy)."""
    hashes = pdu.get("hashes")
    claimed = hashes.get("sha256") if isinstance(hashes, Mapping) else None
    if not isinstance(claimed, str):
        return False
    try:
        claimed_bytes = decode_base64(claimed)
    except ValueError:
        return False
    return hmac.compare_digest(claimed_bytes, decode_base64(content_hash(pdu)))


def reference_hash(pdu: Mapping[str, Any], version: RoomVersion) -> bytes:
    """The SHA-256 of the redacted event without ``signatures`` and ``unsigned``."""
    redacted = redact(pdu, version)
    redacted.pop("signatures", None)
    redacted.pop("unsigned", None)
    return hashlib.sha256(encode_canonical_json(redacted)).digest()


def compute_event_id(pdu: Mapping[str, Any], version: RoomVersion) -> str:
    """``$`` + the URL-safe unpadded base64 reference hash (room versions 4+)."""
    return "$" + encode_base64(reference_hash(pdu, version), urlsafe=True)


def has_valid_signature(
    pdu: Mapping[str, Any],
    version: RoomVersion,
    server_name: str,
    key_id: str,
    public_key_base64: str,
) -> bool:
    """Whether ``server_name`` signed the event with that key (the signature covers
    the redacted event, so it also holds for a redacted copy)."""
    return verify_signed_json(redact(pdu, version), server_name, key_id, public_key_base64)
