"""Power levels as the authorization rules read them (spec: ``m.room.power_levels``
and the room versions' "Authorisation rules").

The rules read state through ``(type, state_key)`` keys; these helpers take
any such mapping (the events named by ``auth_events``, or the room's current
state) and apply the spec's defaults when the power levels event, or one of
its fields, is missing. From v12 the room creators have an infinite level.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

from tessera.core.events.model import Event
from tessera.core.events.room_versions import RoomVersion

StateKey = tuple[str, str]

CREATE_KEY: StateKey = ("m.room.create", "")
POWER_LEVELS_KEY: StateKey = ("m.room.power_levels", "")
JOIN_RULES_KEY: StateKey = ("m.room.join_rules", "")

#: A creator's level in v12: above any integer a power levels event can hold.
INFINITE = math.inf

#: What the named levels are when the power levels event does not say.
_NAMED_DEFAULTS = {"ban": 50, "kick": 50, "redact": 50, "invite": 0}

#: A user ID as the auth rules validate it: ``@localpart:server``, 255 bytes at
#: most, historical localparts allowed (any characters but ``:`` and NUL).
_USER_ID = re.compile(r"@[^:\x00]+:[A-Za-z0-9.\-\[\]:]+")


def is_valid_user_id(value: object) -> bool:
    """Whether ``value`` is a string with the user ID grammar the auth rules require."""
    return (
        isinstance(value, str)
        and _USER_ID.fullmatch(value) is not None
        and len(value.encode("utf-8", "surrogatepass")) <= 255
    )


def is_integer(value: object) -> bool:
    """A JSON integer: ``True`` is not one, although Python says ``bool`` is ``int``."""
    return type(value) is int


def creators(version: RoomVersion, create: Event) -> frozenset[str]:
    """The room's creators: v12 the create event's sender plus ``additional_creators``;
    v11 its sender; v10 ``content.creator``."""
    if version.creator_in_content:
        creator = create.content.get("creator")
        return frozenset([creator]) if isinstance(creator, str) else frozenset()
    found = {create.sender}
    if version.creators_outrank_power_levels:
        extra = create.content.get("additional_creators")
        if isinstance(extra, list):
            found.update(user for user in extra if isinstance(user, str))
    return frozenset(found)


def power_levels_content(state: Mapping[StateKey, Event]) -> Mapping[str, Any] | None:
    """The content of the power levels event in ``state``, or None if there is none."""
    event = state.get(POWER_LEVELS_KEY)
    return event.content if event is not None else None


def user_power_level(
    version: RoomVersion, user_id: str, state: Mapping[StateKey, Event], create: Event
) -> int | float:
    """``user_id``'s power level: infinite for a v12 creator; else ``users`` or
    ``users_default``; with no power levels event, 100 for the creator and 0 otherwise."""
    if version.creators_outrank_power_levels and user_id in creators(version, create):
        return INFINITE
    content = power_levels_content(state)
    if content is None:
        return 100 if user_id in creators(version, create) else 0
    users = content.get("users")
    if isinstance(users, Mapping) and is_integer(users.get(user_id)):
        return int(users[user_id])
    return _integer(content.get("users_default"), 0)


def named_level(state: Mapping[StateKey, Event], name: str) -> int:
    """The ``ban``, ``kick``, ``redact`` or ``invite`` level (50, 50, 50, 0 by default)."""
    content = power_levels_content(state) or {}
    return _integer(content.get(name), _NAMED_DEFAULTS[name])


def required_power_level(
    state: Mapping[StateKey, Event], event_type: str, *, is_state: bool
) -> int:
    """The level needed to send ``event_type``: ``events[type]``, else ``state_default``
    (50; 0 without a power levels event) or ``events_default`` (0)."""
    content = power_levels_content(state)
    if content is None:
        return 0
    events = content.get("events")
    if isinstance(events, Mapping) and is_integer(events.get(event_type)):
        return int(events[event_type])
    if is_state:
        return _integer(content.get("state_default"), 50)
    return _integer(content.get("events_default"), 0)


def _integer(value: object, default: int) -> int:
    return int(value) if is_integer(value) else default  # type: ignore[call-overload]
