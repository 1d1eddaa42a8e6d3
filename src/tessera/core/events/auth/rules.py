"""``check_auth``: the authorization rules of room versions 10, 11 and 12.

The rules are applied in the spec's order; each step either allows (returns),
rejects (raises ``AuthError`` with a reason fit for a 403) or falls through.
Numbers in comments are v12's; v10/v11 number the same rules one lower from
"auth events" on, since v12 added rule 2.
"""

from __future__ import annotations

from collections.abc import Mapping

from tessera.core.events.auth.errors import AuthError
from tessera.core.events.auth.membership import MEMBER, check_membership, membership_of
from tessera.core.events.auth.power_change import check_power_levels
from tessera.core.events.auth.selection import auth_types_for_event
from tessera.core.events.model import Event
from tessera.core.events.power_levels import (
    CREATE_KEY,
    StateKey,
    is_valid_user_id,
    named_level,
    required_power_level,
    user_power_level,
)
from tessera.core.events.room_versions import ROOM_VERSIONS, RoomVersion


def check_auth(
    version: RoomVersion, event: Event, auth_state: Mapping[StateKey, Event], create: Event
) -> None:
    """Whether ``event`` passes the authorization rules.

    Args:
        version: The room's version.
        event: The event to authorise.
        auth_state: The events its ``auth_events`` name, by ``(type, state_key)``
            (in v10/v11 this includes the create event; in v12 it must not).
        create: The room's ``m.room.create`` event (``event`` itself for a create).

    Raises:
        AuthError: the rules reject ``event``; ``reason`` says which rule.
    """
    _check_signed_by_sender(event)
    if event.type == "m.room.create":
        _check_create(version, event)
        return
    _check_room(version, event, create)  # rule 2 (v12), and the room's create in general
    _check_auth_events(version, event, auth_state, create)  # rule 3
    if create.content.get("m.federate") is False and _domain(event.sender) != _domain(
        create.sender
    ):  # rule 4
        raise AuthError("This room has been marked as unfederatable.")
    if event.type == MEMBER:  # rule 5
        check_membership(version, event, auth_state, create)
        return
    if membership_of(auth_state, event.sender) != "join":  # rule 6
        raise AuthError(f"User {event.sender} not in room {event.room_id}")
    sender_level = user_power_level(version, event.sender, auth_state, create)
    if event.type == "m.room.third_party_invite":  # rule 7
        if sender_level >= named_level(auth_state, "invite"):
            return
        raise AuthError("You don't have permission to invite users")
    needed = required_power_level(auth_state, event.type, is_state=event.is_state)
    if needed > sender_level:  # rule 8
        raise AuthError(
            "You don't have permission to post that to the room. "
            f"user_level ({sender_level}) < send_level ({needed})"
        )
    state_key = event.state_key
    if state_key is not None and state_key.startswith("@") and state_key != event.sender:
        raise AuthError("You are not allowed to set others state")  # rule 9
    if event.type == "m.room.power_levels":  # rule 10
        check_power_levels(version, event, auth_state, create, sender_level)


def _check_signed_by_sender(event: Event) -> None:
    """ "Events must be signed by the server denoted by the sender property" (presence
    only; verifying signatures belongs to the checks on receipt)."""
    signatures = event.pdu.get("signatures")
    if not isinstance(signatures, Mapping) or _domain(event.sender) not in signatures:
        raise AuthError("Event not signed by sending server")


def _check_create(version: RoomVersion, event: Event) -> None:
    """Rule 1: the create event."""
    if event.prev_event_ids:
        raise AuthError("Create event has prev events")
    if version.room_id_is_create_hash:
        if "room_id" in event.pdu:
            raise AuthError("m.room.create must not have a room_id in this room version")
    elif _domain(event.room_id) != _domain(event.sender):
        raise AuthError("Creation event's room_id domain does not match sender's")
    room_version = event.content.get("room_version", "1")
    if room_version not in ROOM_VERSIONS:
        raise AuthError(f"room appears to have unsupported version {room_version}")
    if version.creator_in_content and "creator" not in event.content:
        raise AuthError("Create event lacks a 'creator' property")
    if version.creators_outrank_power_levels and "additional_creators" in event.content:
        extra = event.content["additional_creators"]
        if not isinstance(extra, list) or not all(is_valid_user_id(u) for u in extra):
            raise AuthError("additional_creators must be a list of user IDs")


def _check_room(version: RoomVersion, event: Event, create: Event) -> None:
    if create.type != "m.room.create" or event.room_id != create.room_id:
        raise AuthError("the event is not in the room of this create event")
    if version.room_id_is_create_hash and event.room_id != "!" + create.event_id[1:]:
        raise AuthError("the room ID is not the create event's hash")


def _check_auth_events(
    version: RoomVersion, event: Event, auth_state: Mapping[StateKey, Event], create: Event
) -> None:
    """Rule 3 (2 in v10/v11): the auth events are the selected ones, of this room."""
    allowed = set(
        auth_types_for_event(version, event.type, event.sender, event.state_key, event.content)
    )
    for key, auth_event in auth_state.items():
        if key not in allowed or (auth_event.type, auth_event.state_key) != key:
            raise AuthError(f"{key[0]} ({key[1]!r}) is not an auth event of this event")
        if auth_event.room_id != event.room_id:
            raise AuthError("an auth event is from another room")
    named = {auth_event.event_id for auth_event in auth_state.values()}
    if named != set(event.auth_event_ids) or len(named) != len(event.auth_event_ids):
        raise AuthError("auth_events do not match the auth state given")
    named_create = auth_state.get(CREATE_KEY)
    if version.create_in_auth_events and (
        named_create is None or named_create.event_id != create.event_id
    ):
        raise AuthError("auth_events must include the room's m.room.create event")


def _domain(identifier: str) -> str:
    return identifier.split(":", 1)[1] if ":" in identifier else ""
