"""Rule 1 (m.room.create), the sender's signature, rule 2 (v12 room IDs), rule 3
(auth events) and rule 4 (m.federate) of the authorization rules, case by case."""

from __future__ import annotations

from typing import Any

import pytest

from tessera.core.events.auth import AuthError, check_auth
from tessera.core.events.builder import event_from_pdu
from tessera.core.events.model import Event
from tessera.core.events.room_versions import ROOM_VERSIONS, RoomVersion
from tessera.core.events.signing import SigningKey
from tests.unit.events.world import ALICE, BOB, Room, standard_room

V10, V11, V12 = (ROOM_VERSIONS[v] for v in ("10", "11", "12"))
ALL = [V10, V11, V12]


def reason(version: RoomVersion, event: Event, auth_state: Any, create: Event) -> str:
    with pytest.raises(AuthError) as caught:
        check_auth(version, event, auth_state, create)
    return caught.value.reason


def altered(event: Event, **changes: Any) -> Event:
    """``event`` with PDU fields changed (None removes one), its ID recomputed."""
    pdu = {**event.pdu, **changes}
    pdu = {k: v for k, v in pdu.items() if v is not None}
    if "room_id" not in pdu and not event.version.room_id_is_create_hash:
        pdu["room_id"] = event.room_id
    return event_from_pdu(pdu, event.version)


@pytest.mark.parametrize("version", ALL)
def test_a_well_formed_create_event_is_allowed(
    version: RoomVersion, server_key: SigningKey
) -> None:
    Room(version, server_key)  # Room checks its create event


@pytest.mark.parametrize("version", ALL)
def test_create_with_prev_events_is_rejected(version: RoomVersion, server_key: SigningKey) -> None:
    create = altered(Room(version, server_key).create, prev_events=["$earlier"])
    assert "Create event has prev events" in reason(version, create, {}, create)


@pytest.mark.parametrize("version", [V10, V11])
def test_create_room_id_domain_must_be_the_senders(
    version: RoomVersion, server_key: SigningKey
) -> None:
    create = altered(Room(version, server_key).create, room_id="!room:elsewhere")
    assert "room_id domain does not match" in reason(version, create, {}, create)


def test_v12_create_with_a_room_id_is_rejected(server_key: SigningKey) -> None:
    create = Room(V12, server_key).create
    with_room = event_from_pdu({**create.pdu, "room_id": create.room_id}, V12)
    assert "must not have a room_id" in reason(V12, with_room, {}, with_room)


@pytest.mark.parametrize("version", ALL)
def test_create_with_an_unknown_room_version_is_rejected(
    version: RoomVersion, server_key: SigningKey
) -> None:
    with pytest.raises(AuthError, match="unsupported version 9"):
        Room(version, server_key, room_version="9")


def test_v10_create_needs_a_creator(server_key: SigningKey) -> None:
    create = Room(V10, server_key).create
    bare = altered(create, content={"room_version": "10"})
    assert "lacks a 'creator' property" in reason(V10, bare, {}, bare)


@pytest.mark.parametrize("version", [V11, V12])
def test_from_v11_create_needs_no_creator(version: RoomVersion, server_key: SigningKey) -> None:
    assert "creator" not in Room(version, server_key).create.content


@pytest.mark.parametrize("extra", ["@bob:hs", ["bob"], [5], ["@bob:hs", "@:"], [None]])
def test_v12_additional_creators_must_be_a_list_of_user_ids(
    server_key: SigningKey, extra: object
) -> None:
    with pytest.raises(AuthError, match="additional_creators"):
        Room(V12, server_key, additional_creators=extra)


def test_v12_additional_creators_of_user_ids_are_allowed(server_key: SigningKey) -> None:
    Room(V12, server_key, additional_creators=["@bob:hs", "@carol:other.example:8448"])


@pytest.mark.parametrize("version", ALL)
def test_an_event_not_signed_by_the_senders_server_is_rejected(
    version: RoomVersion, server_key: SigningKey
) -> None:
    room = standard_room(version, server_key)
    event, auth_state = room.event(ALICE, "m.room.message", {"body": "hi"})
    unsigned = altered(event, signatures={"other": event.pdu["signatures"]["hs"]})
    assert "not signed by sending server" in reason(version, unsigned, auth_state, room.create)


def test_v12_room_id_must_be_the_create_events_hash(server_key: SigningKey) -> None:
    room = standard_room(V12, server_key)
    other = Room(V12, server_key, room_id="!other:hs", name_seed="other")  # another hash
    event, auth_state = room.event(ALICE, "m.room.message", {"body": "hi"})
    assert "not in the room" in reason(V12, event, auth_state, other.create)


@pytest.mark.parametrize("version", [V10, V11])
def test_event_of_another_room_than_the_create_is_rejected(
    version: RoomVersion, server_key: SigningKey
) -> None:
    room = standard_room(version, server_key)
    event, auth_state = room.event(ALICE, "m.room.message", {"body": "hi"})
    moved = altered(event, room_id="!elsewhere:hs")
    assert "not in the room" in reason(version, moved, auth_state, room.create)


@pytest.mark.parametrize("version", ALL)
def test_auth_events_outside_the_selection_are_rejected(
    version: RoomVersion, server_key: SigningKey
) -> None:
    room = standard_room(version, server_key)
    event, auth_state = room.event(ALICE, "m.room.message", {"body": "hi"})
    join_rules = room.state[("m.room.join_rules", "")]
    extra = {**auth_state, ("m.room.join_rules", ""): join_rules}
    event = altered(event, auth_events=[*event.auth_event_ids, join_rules.event_id])
    assert "not an auth event" in reason(version, event, extra, room.create)


@pytest.mark.parametrize("version", ALL)
def test_auth_events_must_be_the_auth_state_given(
    version: RoomVersion, server_key: SigningKey
) -> None:
    room = standard_room(version, server_key)
    event, auth_state = room.event(ALICE, "m.room.message", {"body": "hi"})
    duplicated = altered(event, auth_events=[*event.auth_event_ids, event.auth_event_ids[0]])
    assert "do not match" in reason(version, duplicated, auth_state, room.create)
    missing = altered(event, auth_events=list(event.auth_event_ids[1:]))
    assert "do not match" in reason(version, missing, auth_state, room.create)


@pytest.mark.parametrize("version", ALL)
def test_an_auth_event_filed_under_the_wrong_key_is_rejected(
    version: RoomVersion, server_key: SigningKey
) -> None:
    room = standard_room(version, server_key)
    event, auth_state = room.event(ALICE, "m.room.message", {"body": "hi"})
    power = auth_state.pop(("m.room.power_levels", ""))
    auth_state[("m.room.member", ALICE)], moved = power, auth_state[("m.room.member", ALICE)]
    del moved
    assert "not an auth event" in reason(version, event, auth_state, room.create)


@pytest.mark.parametrize("version", [V10, V11])
def test_v10_v11_need_the_create_event_among_the_auth_events(
    version: RoomVersion, server_key: SigningKey
) -> None:
    room = standard_room(version, server_key)
    event, auth_state = room.event(ALICE, "m.room.message", {"body": "hi"})
    create = auth_state.pop(("m.room.create", ""))
    event = altered(event, auth_events=[i for i in event.auth_event_ids if i != create.event_id])
    assert "must include the room's m.room.create" in reason(
        version, event, auth_state, room.create
    )


def test_v12_must_not_name_the_create_event_as_an_auth_event(server_key: SigningKey) -> None:
    room = standard_room(V12, server_key)
    event, auth_state = room.event(ALICE, "m.room.message", {"body": "hi"})
    assert ("m.room.create", "") not in auth_state
    auth_state[("m.room.create", "")] = room.create
    event = altered(event, auth_events=[*event.auth_event_ids, room.create.event_id])
    assert "not an auth event" in reason(V12, event, auth_state, room.create)


@pytest.mark.parametrize("version", ALL)
def test_an_auth_event_from_another_room_is_rejected(
    version: RoomVersion, server_key: SigningKey
) -> None:
    room = standard_room(version, server_key)
    other = standard_room(version, server_key, room_id="!other:hs")
    event, auth_state = room.event(ALICE, "m.room.message", {"body": "hi"})
    foreign = other.state[("m.room.power_levels", "")]
    auth_state[("m.room.power_levels", "")] = foreign
    event = altered(
        event,
        auth_events=[foreign.event_id if i == room.state[("m.room.power_levels", "")].event_id
                     else i for i in event.auth_event_ids],
    )  # fmt: skip
    assert foreign.room_id != room.room_id
    assert "another room" in reason(version, event, auth_state, room.create)


@pytest.mark.parametrize("version", ALL)
def test_m_federate_false_rejects_users_of_other_servers(
    version: RoomVersion, server_key: SigningKey
) -> None:
    room = Room(version, server_key, **{"m.federate": False})
    room.member(ALICE, ALICE, "join")
    room.join_rule("public")
    with pytest.raises(AuthError, match="marked as unfederatable"):
        room.member("@dave:other", "@dave:other", "join")
    room.member(BOB, BOB, "join")  # same server: fine
