"""The ``Event`` view of a PDU and the client-server ``ClientEvent`` format."""

from __future__ import annotations

import pytest

from tessera.core.events.builder import build_event
from tessera.core.events.model import Event, client_event
from tessera.core.events.room_versions import ROOM_VERSIONS, RoomVersion
from tessera.core.events.signing import SigningKey

V10, V11, V12 = (ROOM_VERSIONS[v] for v in ("10", "11", "12"))


def make(key: SigningKey, version: RoomVersion = V11, **overrides: object) -> Event:
    fields: dict[str, object] = {
        "version": version, "room_id": "!r:hs", "sender": "@a:hs", "event_type": "m.room.message",
        "content": {"body": "hi"}, "prev_event_ids": ["$p1", "$p2"], "auth_event_ids": ["$a"],
        "depth": 3, "origin_server_ts": 42, "origin": "hs", "key": key,
    }  # fmt: skip
    return build_event(**{**fields, **overrides})  # type: ignore[arg-type]


def test_properties_read_the_pdu(server_key: SigningKey) -> None:
    event = make(server_key)
    assert (event.type, event.sender, event.depth, event.origin_server_ts) == (
        "m.room.message", "@a:hs", 3, 42,
    )  # fmt: skip
    assert event.content == {"body": "hi"}
    assert event.prev_event_ids == ("$p1", "$p2") and event.auth_event_ids == ("$a",)
    assert event.state_key is None and not event.is_state
    assert event.redacts is None and event.membership is None


def test_membership_of_member_events(server_key: SigningKey) -> None:
    member = make(
        server_key, event_type="m.room.member", state_key="@a:hs", content={"membership": "join"}
    )
    assert member.membership == "join" and member.state_key == "@a:hs"


def test_client_event_of_a_message(server_key: SigningKey) -> None:
    event = make(server_key)
    assert client_event(event) == {
        "content": {"body": "hi"},
        "event_id": event.event_id,
        "origin_server_ts": 42,
        "room_id": "!r:hs",
        "sender": "@a:hs",
        "type": "m.room.message",
    }
    assert client_event(event, {"age": 5})["unsigned"] == {"age": 5}


def test_client_event_of_state_has_the_state_key(server_key: SigningKey) -> None:
    event = make(server_key, event_type="m.room.topic", state_key="", content={"topic": "t"})
    assert client_event(event)["state_key"] == ""


@pytest.mark.parametrize("version", [V10, V11, V12])
def test_client_event_of_a_redaction_carries_redacts_in_both_places(
    server_key: SigningKey, version: RoomVersion
) -> None:
    event = make(server_key, version, event_type="m.room.redaction", content={}, redacts="$x")
    rendered = client_event(event)
    assert rendered["redacts"] == "$x" and rendered["content"] == {"redacts": "$x"}


def test_a_v12_create_event_has_its_room_id_in_the_client_format(server_key: SigningKey) -> None:
    create = make(
        server_key, V12, room_id=None, event_type="m.room.create", state_key="",
        content={"room_version": "12"}, prev_event_ids=[], auth_event_ids=[],
    )  # fmt: skip
    assert client_event(create)["room_id"] == "!" + create.event_id[1:]
    assert create.room_id.startswith("!") and len(create.room_id) == 44


def test_stripped_state_keeps_content_sender_state_key_and_type(server_key: SigningKey) -> None:
    from tessera.core.events.model import stripped_state

    event = make(server_key, event_type="m.room.name", state_key="", content={"name": "Chat"})
    assert stripped_state(event) == {
        "content": {"name": "Chat"},
        "sender": "@a:hs",
        "state_key": "",
        "type": "m.room.name",
    }


def test_events_can_be_set_members_and_dict_keys(server_key: SigningKey) -> None:
    first, again = make(server_key), make(server_key)
    other = make(server_key, content={"body": "other"})
    assert first == again and first is not again
    assert {first, again, other} == {first, other}
    assert len({first: 1, again: 2, other: 3}) == 2
