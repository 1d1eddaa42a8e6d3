"""The authorization rules as the room services call them.

INTERIM: the spec's rules are ``tessera.core.events.auth`` (``auth_types_for_event`` and
``check_auth``), written on the ``events`` branch. Until they land here, this module applies
a reduced version of them with the same signatures, so swapping is a change of this file
alone: membership transitions, "must be joined to send", and power levels for events,
state, invite, kick, ban and redact, with v12's creators above every level.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tessera.core.errors import Forbidden
from tessera.core.events.model import Event
from tessera.core.events.room_versions import RoomVersion

StateKey = tuple[str, str]

CREATE = ("m.room.create", "")
POWER_LEVELS = ("m.room.power_levels", "")
JOIN_RULES = ("m.room.join_rules", "")
MEMBER = "m.room.member"


def auth_types_for_event(
    version: RoomVersion,
    event_type: str,
    sender: str,
    state_key: str | None,
    content: Mapping[str, Any],
) -> list[StateKey]:
    """The current-state entries an event's ``auth_events`` name (spec: "Auth events selection")."""
    if event_type == "m.room.create":
        return []
    keys: list[StateKey] = [POWER_LEVELS, (MEMBER, sender)]
    if version.create_in_auth_events:
        keys.insert(0, CREATE)
    if event_type == MEMBER and state_key is not None:
        if state_key != sender:
            keys.append((MEMBER, state_key))
        if content.get("membership") in ("join", "invite", "knock"):
            keys.append(JOIN_RULES)
    return keys


def authorize(
    version: RoomVersion, event: Event, auth_state: Mapping[StateKey, Event], create: Event
) -> None:
    """Raise 403 ``M_FORBIDDEN`` with the reason when ``event`` is not allowed."""
    if event.type == "m.room.create":
        return
    levels = _Levels(version, auth_state.get(POWER_LEVELS), create)
    sender_membership = _membership(auth_state.get((MEMBER, event.sender)))
    if event.type == MEMBER:
        _check_membership(event, auth_state, levels, sender_membership, create)
        return
    if sender_membership != "join":
        raise Forbidden(f"User {event.sender} not in room {event.room_id}")
    needed = levels.for_event(event.type, event.is_state)
    if levels.of(event.sender) < needed:
        raise Forbidden(
            f"You don't have permission to post that to the room. user_level "
            f"({levels.of(event.sender)}) < send_level ({needed})"
        )
    key = event.state_key
    if key is not None and key.startswith("@") and key != event.sender:
        raise Forbidden("You are not allowed to set others state")


class _Levels:
    def __init__(self, version: RoomVersion, power_levels: Event | None, create: Event) -> None:
        self.content: Mapping[str, Any] = power_levels.content if power_levels else {}
        self.exists = power_levels is not None
        self.creators = (
            {create.sender, *_additional(create)}
            if version.creators_outrank_power_levels
            else set()
        )
        self.creator = create.content.get("creator", create.sender)

    def of(self, user_id: str) -> float:
        if user_id in self.creators:
            return float("inf")
        if not self.exists:
            return 100 if user_id == self.creator else 0
        users = self.content.get("users", {})
        return _int(
            users.get(user_id) if isinstance(users, dict) else None,
            _int(self.content.get("users_default"), 0),
        )

    def named(self, name: str, default: int) -> int:
        return _int(self.content.get(name), default)

    def for_event(self, event_type: str, is_state: bool) -> int:
        events = self.content.get("events", {})
        default = (
            self.named("state_default", 50 if self.exists else 0)
            if is_state
            else self.named("events_default", 0)
        )
        return _int(events.get(event_type) if isinstance(events, dict) else None, default)


def _additional(create: Event) -> list[str]:
    extra = create.content.get("additional_creators", [])
    return [u for u in extra if isinstance(u, str)] if isinstance(extra, list) else []


def _int(value: object, default: int) -> int:
    if isinstance(value, bool):
        return default
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.lstrip("-").isdigit():
        return int(value)
    return default


def _membership(event: Event | None) -> str:
    if event is None:
        return "leave"
    return event.membership or "leave"


def _check_membership(
    event: Event,
    auth_state: Mapping[StateKey, Event],
    levels: _Levels,
    sender_membership: str,
    create: Event,
) -> None:
    target = event.state_key or ""
    membership = event.membership
    current = _membership(auth_state.get((MEMBER, target)))
    join_rules = auth_state.get(JOIN_RULES)
    join_rule = join_rules.content.get("join_rule", "invite") if join_rules else "invite"
    if membership == "join":
        if event.sender != target:
            raise Forbidden("Cannot force another user to join.")
        if current == "ban":
            raise Forbidden(f"User {target} is banned from the room")
        # The creator's own join, right after the create event.
        creator = target == levels.creator or target in levels.creators
        if creator and list(event.prev_event_ids) == [create.event_id]:
            return
        if current in ("join", "invite") or join_rule == "public":
            return
        raise Forbidden("You are not invited to this room.")
    if membership == "invite":
        if sender_membership != "join":
            raise Forbidden(f"{event.sender} not in room {event.room_id}.")
        if current in ("join", "ban"):
            raise Forbidden(
                f"{target} is already in the room."
                if current == "join"
                else f"{target} is banned from the room"
            )
        if levels.of(event.sender) < levels.named("invite", 0):
            raise Forbidden("You don't have permission to invite users")
        return
    if membership == "leave" and event.sender == target:
        if current in ("join", "invite", "knock"):
            return
        raise Forbidden(f"User {target} is not in the room")
    if membership in ("leave", "ban"):
        if sender_membership != "join":
            raise Forbidden(f"{event.sender} not in room {event.room_id}.")
        sender_level = levels.of(event.sender)
        if membership == "leave" and current == "ban" and sender_level < levels.named("ban", 50):
            raise Forbidden("You don't have permission to unban")
        needed = levels.named("kick", 50) if membership == "leave" else levels.named("ban", 50)
        if sender_level < needed or sender_level <= levels.of(target):
            raise Forbidden(
                f"You cannot {'kick' if membership == 'leave' else 'ban'} user {target}."
            )
        return
    raise Forbidden(f"Unknown membership {membership!r}")


def user_power_level(
    version: RoomVersion, user_id: str, state: Mapping[StateKey, Event], create: Event
) -> float:
    """The user's power level in a room with this state (v12 creators: infinite)."""
    return _Levels(version, state.get(POWER_LEVELS), create).of(user_id)


def required_level(
    version: RoomVersion, name: str, state: Mapping[StateKey, Event], create: Event
) -> int:
    """A named level of ``m.room.power_levels`` (``redact``, ``kick`` …), 50 by default."""
    return _Levels(version, state.get(POWER_LEVELS), create).named(name, 50)
