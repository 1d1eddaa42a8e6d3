"""The ``m.room.power_levels`` authorization rules (rule 9 in v10/v11, 10 in v12):
the new content's shape, then what the sender may change."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tessera.core.events.auth.errors import AuthError
from tessera.core.events.model import Event
from tessera.core.events.power_levels import (
    POWER_LEVELS_KEY,
    StateKey,
    creators,
    is_integer,
    is_valid_user_id,
)
from tessera.core.events.room_versions import RoomVersion

_LEVELS = ("users_default", "events_default", "state_default", "ban", "redact", "kick", "invite")
_MAPS = ("events", "notifications")

# Synapse's texts for the change rules.
_GREATER = "You don't have permission to add ops level greater than your own"
_EQUAL = "You don't have permission to remove ops level equal to your own"


def check_power_levels(
    version: RoomVersion,
    event: Event,
    state: Mapping[StateKey, Event],
    create: Event,
    sender_level: int | float,
) -> None:
    """The power levels rules for ``event``, given the sender's current level.

    Raises:
        AuthError: the new content is malformed, or changes something the
            sender's level does not allow.
    """
    content = event.content
    _check_shape(content)
    if version.creators_outrank_power_levels:
        listed = creators(version, create) & set(content.get("users", {}))
        if listed:
            raise AuthError(
                "power levels: room creators cannot be given a power level", malformed=True
            )
    previous = state.get(POWER_LEVELS_KEY)
    if previous is None:
        return
    old = previous.content
    for name in _LEVELS:
        _check_change(old.get(name), content.get(name), sender_level)
    for name in _MAPS:
        old_map, new_map = old.get(name) or {}, content.get(name) or {}
        if not isinstance(old_map, Mapping):
            old_map = {}
        for key in {*old_map, *new_map}:
            _check_change(old_map.get(key), new_map.get(key), sender_level)
    _check_users(old.get("users"), content.get("users") or {}, event.sender, sender_level)


def _check_shape(content: Mapping[str, Any]) -> None:
    for name in _LEVELS:
        if name in content and not is_integer(content[name]):
            raise AuthError(f"power levels: {name} must be an integer", malformed=True)
    for name in _MAPS:
        if name in content and not _integer_map(content[name]):
            raise AuthError(f"power levels: {name} must be an object of integers", malformed=True)
    users = content.get("users", {})
    if not _integer_map(users) or not all(is_valid_user_id(user) for user in users):
        raise AuthError("power levels: users must map user IDs to integers", malformed=True)


def _integer_map(value: object) -> bool:
    return isinstance(value, Mapping) and all(is_integer(v) for v in value.values())


def _check_change(old: Any, new: Any, sender_level: int | float) -> None:
    """Rules for one level: changed, added or removed levels above yours are out of reach."""
    if old == new and is_integer(old) == is_integer(new):
        return
    if is_integer(old) and old > sender_level:
        raise AuthError(_GREATER)
    if is_integer(new) and new > sender_level:
        raise AuthError(_GREATER)


def _check_users(
    old_users: Any, new_users: Mapping[str, Any], sender: str, sender_level: int | float
) -> None:
    old: Mapping[str, Any] = old_users if isinstance(old_users, Mapping) else {}
    for user in {*old, *new_users}:
        before: Any = old.get(user)
        after: Any = new_users.get(user)
        if before == after:
            continue
        if user != sender and is_integer(before) and before == sender_level:
            raise AuthError(_EQUAL)
        if (is_integer(before) and before > sender_level) or (
            is_integer(after) and after > sender_level
        ):
            raise AuthError(_GREATER)
