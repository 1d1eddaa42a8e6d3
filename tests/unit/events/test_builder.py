"""Building signed events: hashes, signatures, IDs, v12 room IDs and size limits."""

from __future__ import annotations

from typing import Any

import pytest

from tessera.core.errors import ErrCode
from tessera.core.events.builder import EventTooLarge, build_event, event_from_pdu
from tessera.core.events.canonical import CanonicalJsonError, encode_canonical_json
from tessera.core.events.hashing import (
    compute_event_id,
    has_valid_content_hash,
    has_valid_signature,
)
from tessera.core.events.redaction import redact
from tessera.core.events.room_versions import ROOM_VERSIONS, RoomVersion
from tessera.core.events.signing import SigningKey, verify_signed_json

V10, V11, V12 = (ROOM_VERSIONS[v] for v in ("10", "11", "12"))


def build(key: SigningKey, version: RoomVersion = V11, **overrides: Any) -> Any:
    fields: dict[str, Any] = {
        "version": version,
        "room_id": "!room:hs",
        "sender": "@alice:hs",
        "event_type": "m.room.message",
        "content": {"msgtype": "m.text", "body": "hello"},
        "prev_event_ids": ["$prev"],
        "auth_event_ids": ["$auth"],
        "depth": 7,
        "origin_server_ts": 1_700_000_000_000,
        "origin": "hs",
        "key": key,
    }
    return build_event(**{**fields, **overrides})


@pytest.mark.parametrize("version", [V10, V11, V12])
def test_built_event_is_hashed_signed_and_named_by_its_reference_hash(
    server_key: SigningKey, version: RoomVersion
) -> None:
    event = build(server_key, version)
    assert has_valid_content_hash(event.pdu)
    assert verify_signed_json(
        redact(event.pdu, version), "hs", "ed25519:1", server_key.public_key_base64()
    )
    assert event.event_id == compute_event_id(event.pdu, version)
    assert "event_id" not in event.pdu
    assert event.room_id == event.pdu["room_id"] == "!room:hs"
    assert event.pdu["prev_events"] == ["$prev"] and event.pdu["auth_events"] == ["$auth"]
    assert event.pdu["depth"] == 7 and event.pdu["origin"] == "hs"


def test_v12_create_has_no_room_id_and_the_room_is_its_hash(server_key: SigningKey) -> None:
    create = build(
        server_key, V12, room_id=None, event_type="m.room.create", state_key="",
        content={"room_version": "12"}, prev_event_ids=[], auth_event_ids=[], depth=1,
    )  # fmt: skip
    assert "room_id" not in create.pdu
    assert create.room_id == "!" + create.event_id[1:]
    assert event_from_pdu(create.pdu, V12) == create


@pytest.mark.parametrize(
    ("version", "room_id", "event_type"),
    [
        (V12, "!room:hs", "m.room.create"),
        (V12, None, "m.room.message"),
        (V11, None, "m.room.create"),
    ],
)
def test_room_id_must_be_absent_exactly_for_a_v12_create(
    server_key: SigningKey, version: RoomVersion, room_id: str | None, event_type: str
) -> None:
    with pytest.raises(ValueError, match="room_id"):
        build(server_key, version, room_id=room_id, event_type=event_type, state_key="")


def test_state_key_is_set_only_for_state_events(server_key: SigningKey) -> None:
    assert "state_key" not in build(server_key).pdu
    state = build(server_key, event_type="m.room.name", state_key="", content={"name": "n"})
    assert state.pdu["state_key"] == "" and state.is_state


def test_redacts_is_in_content_from_v11_and_top_level_in_v10(server_key: SigningKey) -> None:
    v10 = build(server_key, V10, event_type="m.room.redaction", content={}, redacts="$x")
    v11 = build(server_key, V11, event_type="m.room.redaction", content={}, redacts="$x")
    assert v10.pdu["redacts"] == "$x" and "redacts" not in v10.pdu["content"]
    assert v11.pdu["content"]["redacts"] == "$x" and "redacts" not in v11.pdu
    assert v10.redacts == v11.redacts == "$x"


def test_the_callers_content_is_not_modified(server_key: SigningKey) -> None:
    content: dict[str, Any] = {}
    build(server_key, V11, event_type="m.room.redaction", content=content, redacts="$x")
    assert content == {}


def test_an_event_over_65536_bytes_is_too_large(server_key: SigningKey) -> None:
    base = build(server_key, content={"body": ""})
    room = 65_536 - len(encode_canonical_json(base.pdu))
    fits = build(server_key, content={"body": "x" * room})
    assert len(encode_canonical_json(fits.pdu)) == 65_536
    with pytest.raises(EventTooLarge) as caught:
        build(server_key, content={"body": "x" * (room + 1)})
    assert caught.value.errcode is ErrCode.TOO_LARGE and caught.value.status == 413


@pytest.mark.parametrize("field", ["event_type", "state_key", "sender"])
def test_identifier_fields_over_255_bytes_are_too_large(server_key: SigningKey, field: str) -> None:
    build(server_key, **{field: "@" + "é" * 127, "state_key": "", "event_type": "x.y"})
    with pytest.raises(EventTooLarge, match="too large"):
        build(server_key, **{"state_key": "", field: "@" + "é" * 128})


def test_float_content_is_bad_json(server_key: SigningKey) -> None:
    with pytest.raises(CanonicalJsonError):
        build(server_key, content={"body": "x", "n": 0.5})


def test_the_same_fields_give_the_same_id_and_a_different_body_another(
    server_key: SigningKey,
) -> None:
    assert build(server_key).event_id == build(server_key).event_id
    assert build(server_key).event_id != build(server_key, content={"body": "other"}).event_id


@pytest.mark.parametrize("version", [V10, V11, V12])
def test_the_signature_holds_for_the_redacted_copy_and_breaks_on_tampering(
    server_key: SigningKey, version: RoomVersion
) -> None:
    event = build(server_key, version, event_type="m.room.member", state_key="@alice:hs",
                  content={"membership": "join", "displayname": "Alice"})  # fmt: skip
    public = server_key.public_key_base64()
    assert has_valid_signature(event.pdu, version, "hs", "ed25519:1", public)
    assert has_valid_signature(redact(event.pdu, version), version, "hs", "ed25519:1", public)
    # Changing a protected field (membership) breaks it; a redactable one (displayname)
    # leaves the signature valid and breaks the content hash instead.
    banned = {**event.pdu, "content": {"membership": "ban", "displayname": "Alice"}}
    assert not has_valid_signature(banned, version, "hs", "ed25519:1", public)
    renamed = {**event.pdu, "content": {"membership": "join", "displayname": "Mallory"}}
    assert has_valid_signature(renamed, version, "hs", "ed25519:1", public)
    assert not has_valid_content_hash(renamed)
