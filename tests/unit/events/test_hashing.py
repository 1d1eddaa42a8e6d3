"""Content hashes, signatures over redacted events and event IDs, against the
spec's "Event Signing" test vectors (Appendices) and the v4+ event ID format."""

from __future__ import annotations

import hashlib
from typing import Any

from tessera.core.events.canonical import encode_canonical_json
from tessera.core.events.hashing import (
    compute_event_id,
    content_hash,
    has_valid_content_hash,
    reference_hash,
)
from tessera.core.events.redaction import redact
from tessera.core.events.room_versions import ROOM_VERSIONS
from tessera.core.events.signing import SigningKey, encode_base64, sign_json

V10 = ROOM_VERSIONS["10"]
V11 = ROOM_VERSIONS["11"]

MINIMAL_EVENT: dict[str, Any] = {
    "room_id": "!x:domain",
    "sender": "@a:domain",
    "origin": "domain",
    "origin_server_ts": 1000000,
    "signatures": {},
    "hashes": {},
    "type": "X",
    "content": {},
    "prev_events": [],
    "auth_events": [],
    "depth": 3,
    "unsigned": {"age_ts": 1000000},
}

MESSAGE_EVENT: dict[str, Any] = {
    "content": {"body": "Here is the message content"},
    "event_id": "$0:domain",
    "origin": "domain",
    "origin_server_ts": 1000000,
    "type": "m.room.message",
    "room_id": "!r:domain",
    "sender": "@u:domain",
    "signatures": {},
    "unsigned": {"age_ts": 1000000},
}


def hash_and_sign(event: dict[str, Any], key: SigningKey) -> dict[str, Any]:
    """The spec's hash_and_sign_event, with the redaction the vectors were made
    with (they keep ``origin``: the pre-v11 algorithm)."""
    hashed = {**event, "hashes": {"sha256": content_hash(event)}}
    signed = sign_json(redact(hashed, V10), "domain", key)
    return {**hashed, "signatures": signed["signatures"]}


def test_spec_vector_minimal_event(server_key: SigningKey) -> None:
    signed = hash_and_sign(MINIMAL_EVENT, server_key)
    assert signed["hashes"] == {"sha256": "5jM4wQpv6lnBo7CLIghJuHdW+s2CMBJPUOGOC89ncos"}
    assert signed["signatures"] == {
        "domain": {
            "ed25519:1": (
                "KxwGjPSDEtvnFgU00fwFz+l6d2pJM6XBIaMEn81SXPT"
                "Rl16AqLAYqfIReFGZlHi5KLjAWbOoMszkwsQma+lYAg"
            ),
        }
    }
    assert signed["unsigned"] == {"age_ts": 1000000}


def test_spec_vector_event_with_redactable_content(server_key: SigningKey) -> None:
    signed = hash_and_sign(MESSAGE_EVENT, server_key)
    assert signed["hashes"] == {"sha256": "onLKD1bGljeBWQhWZ1kaP9SorVmRQNdN5aM2JYU2n/g"}
    assert signed["signatures"] == {
        "domain": {
            "ed25519:1": (
                "Wm+VzmOUOz08Ds+0NTWb1d4CZrVsJSikkeRxh6aCcUw"
                "u6pNC78FunoD7KNWzqFn241eYHYMGCA5McEiVPdhzBA"
            ),
        }
    }


def test_content_hash_ignores_unsigned_signatures_and_hashes() -> None:
    bare = {k: v for k, v in MINIMAL_EVENT.items() if k not in ("unsigned", "signatures", "hashes")}
    assert content_hash(MINIMAL_EVENT) == content_hash(bare)
    assert content_hash(MINIMAL_EVENT) != content_hash({**MINIMAL_EVENT, "depth": 4})


def test_content_hash_check_detects_a_changed_or_redacted_event(server_key: SigningKey) -> None:
    signed = hash_and_sign(MESSAGE_EVENT, server_key)
    assert has_valid_content_hash(signed)
    assert not has_valid_content_hash({**signed, "content": {"body": "forged"}})
    assert not has_valid_content_hash(redact(signed, V10))
    assert not has_valid_content_hash({**signed, "hashes": {"sha256": "%%%"}})
    assert not has_valid_content_hash({**signed, "hashes": []})


def test_reference_hash_is_sha256_of_the_redacted_event_without_signatures(
    server_key: SigningKey,
) -> None:
    signed = hash_and_sign(MESSAGE_EVENT, server_key)
    expected_input = redact(signed, V10)
    del expected_input["signatures"]
    assert (
        reference_hash(signed, V10)
        == hashlib.sha256(encode_canonical_json(expected_input)).digest()
    )
    # Signatures, unsigned and redactable content do not move the ID ...
    same = {**signed, "signatures": {}, "unsigned": {"age": 1}, "content": {}}
    assert reference_hash(same, V10) == reference_hash(signed, V10)
    # ... but the content hash does (so a changed body changes the ID).
    assert reference_hash({**signed, "hashes": {"sha256": "x"}}, V10) != reference_hash(signed, V10)


def test_event_id_is_dollar_and_urlsafe_unpadded_base64(server_key: SigningKey) -> None:
    signed = hash_and_sign(MINIMAL_EVENT, server_key)
    event_id = compute_event_id(signed, V10)
    assert event_id == "$" + encode_base64(reference_hash(signed, V10), urlsafe=True)
    assert len(event_id) == 44 and "=" not in event_id
    assert "+" not in event_id and "/" not in event_id


def test_origin_is_covered_by_the_v10_reference_hash_only(server_key: SigningKey) -> None:
    signed = hash_and_sign(MINIMAL_EVENT, server_key)
    moved = {**signed, "origin": "elsewhere"}
    assert compute_event_id(moved, V10) != compute_event_id(signed, V10)
    assert compute_event_id(moved, V11) == compute_event_id(signed, V11)
