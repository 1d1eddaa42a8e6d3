"""The redaction algorithm, per room version (spec: the v9 and v11 redaction
fragments; v10 uses v9's, v12 uses v11's)."""

from __future__ import annotations

from typing import Any

import pytest

from tessera.core.events.redaction import redact
from tessera.core.events.room_versions import ROOM_VERSIONS, RoomVersion

V10, V11, V12 = (ROOM_VERSIONS[v] for v in ("10", "11", "12"))
NEW_RULES = [V11, V12]

TOP_LEVEL: dict[str, Any] = {
    "event_id": "$e",
    "type": "m.room.message",
    "room_id": "!r",
    "sender": "@u:hs",
    "content": {"body": "hi"},
    "hashes": {"sha256": "h"},
    "signatures": {"hs": {"ed25519:1": "s"}},
    "depth": 1,
    "prev_events": ["$p"],
    "auth_events": ["$a"],
    "origin_server_ts": 5,
    "origin": "hs",
    "membership": "join",
    "prev_state": [],
    "unsigned": {"age": 1},
    "custom": "dropped",
}


def pdu(event_type: str, content: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {**TOP_LEVEL, "type": event_type, "content": content, **extra}


def test_v10_keeps_origin_membership_and_prev_state() -> None:
    redacted = redact(TOP_LEVEL, V10)
    assert redacted == {
        **{k: v for k, v in TOP_LEVEL.items() if k not in ("unsigned", "custom")},
        "content": {},
    }


@pytest.mark.parametrize("version", NEW_RULES)
def test_v11_drops_origin_membership_and_prev_state(version: RoomVersion) -> None:
    redacted = redact(TOP_LEVEL, version)
    assert set(redacted) == {
        "event_id", "type", "room_id", "sender", "content", "hashes", "signatures",
        "depth", "prev_events", "auth_events", "origin_server_ts",
    }  # fmt: skip
    assert redacted["content"] == {}


def test_state_key_is_kept() -> None:
    assert redact(pdu("m.room.topic", {"topic": "t"}, state_key=""), V11)["state_key"] == ""


@pytest.mark.parametrize("version", [V10, V11, V12])
def test_member_keeps_membership_and_authorising_user(version: RoomVersion) -> None:
    content = {
        "membership": "join",
        "join_authorised_via_users_server": "@a:hs",
        "displayname": "Al",
        "avatar_url": "mxc://x/y",
    }
    assert redact(pdu("m.room.member", content), version)["content"] == {
        "membership": "join",
        "join_authorised_via_users_server": "@a:hs",
    }


def test_member_third_party_invite_dropped_before_v11_signed_kept_after() -> None:
    content = {
        "membership": "invite",
        "third_party_invite": {"display_name": "x", "signed": {"mxid": "@a:hs", "token": "t"}},
    }
    assert redact(pdu("m.room.member", content), V10)["content"] == {"membership": "invite"}
    assert redact(pdu("m.room.member", content), V11)["content"] == {
        "membership": "invite",
        "third_party_invite": {"signed": {"mxid": "@a:hs", "token": "t"}},
    }


def test_create_keeps_only_creator_in_v10_and_everything_from_v11() -> None:
    content = {"creator": "@u:hs", "room_version": "10", "m.federate": False, "type": "x"}
    assert redact(pdu("m.room.create", content), V10)["content"] == {"creator": "@u:hs"}
    v12 = {"room_version": "12", "additional_creators": ["@b:hs"], "m.federate": False}
    assert redact(pdu("m.room.create", v12), V12)["content"] == v12


@pytest.mark.parametrize("version", [V10, V11, V12])
def test_join_rules_keep_join_rule_and_allow(version: RoomVersion) -> None:
    content = {"join_rule": "restricted", "allow": [{"type": "m.room_membership"}], "x": 1}
    assert redact(pdu("m.room.join_rules", content), version)["content"] == {
        "join_rule": "restricted",
        "allow": [{"type": "m.room_membership"}],
    }


def test_power_levels_keep_invite_only_from_v11() -> None:
    content = {
        "ban": 50, "events": {"m.room.name": 50}, "events_default": 0, "invite": 0,
        "kick": 50, "redact": 50, "state_default": 50, "users": {"@u:hs": 100},
        "users_default": 0, "notifications": {"room": 50},
    }  # fmt: skip
    kept_v10 = redact(pdu("m.room.power_levels", content), V10)["content"]
    kept_v11 = redact(pdu("m.room.power_levels", content), V11)["content"]
    assert "invite" not in kept_v10 and "notifications" not in kept_v10
    assert kept_v11 == {k: v for k, v in content.items() if k != "notifications"}
    assert kept_v10 == {k: v for k, v in kept_v11.items() if k != "invite"}


@pytest.mark.parametrize("version", [V10, V11, V12])
def test_history_visibility_is_kept(version: RoomVersion) -> None:
    content = {"history_visibility": "joined", "x": 1}
    assert redact(pdu("m.room.history_visibility", content), version)["content"] == {
        "history_visibility": "joined"
    }


def test_redaction_keeps_content_redacts_only_from_v11() -> None:
    event = pdu("m.room.redaction", {"redacts": "$x", "reason": "spam"}, redacts="$y")
    assert redact(event, V10)["content"] == {}
    assert "redacts" not in redact(event, V10)  # not a protected top-level key
    assert redact(event, V11)["content"] == {"redacts": "$x"}


@pytest.mark.parametrize("version", [V10, V11, V12])
def test_other_types_lose_all_content(version: RoomVersion) -> None:
    for event_type in ("m.room.message", "m.room.name", "m.room.topic", "m.room.aliases"):
        assert (
            redact(pdu(event_type, {"body": "x", "aliases": ["#a:hs"]}), version)["content"] == {}
        )


def test_non_object_content_becomes_empty_and_input_is_untouched() -> None:
    event = pdu("m.room.member", "not an object")  # type: ignore[arg-type]
    assert redact(event, V11)["content"] == {}
    original = pdu("m.room.message", {"body": "hi"})
    redact(original, V11)
    assert original["content"] == {"body": "hi"} and "custom" in original
