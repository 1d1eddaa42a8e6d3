"""Auth events selection (spec: Server-Server API, "Auth events selection")."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tessera.core.events.power_levels import (
    CREATE_KEY,
    JOIN_RULES_KEY,
    POWER_LEVELS_KEY,
    StateKey,
)
from tessera.core.events.room_versions import RoomVersion

MEMBER = "m.room.member"


def auth_types_for_event(
    version: RoomVersion,
    event_type: str,
    sender: str,
    state_key: str | None,
    content: Mapping[str, Any],
) -> list[StateKey]:
    """The current-state entries an event's ``auth_events`` must reference, if present.

    The create event has none; from v12 the create event is never selected
    (the room ID names it). The caller takes those of the keys that are in the
    room's current state, in this order.
    """
    if event_type == "m.room.create":
        return []
    keys: list[StateKey] = [CREATE_KEY] if version.create_in_auth_events else []
    keys += [POWER_LEVELS_KEY, (MEMBER, sender)]
    if event_type == MEMBER and isinstance(state_key, str):
        keys.append((MEMBER, state_key))
        membership = content.get("membership")
        if membership in ("join", "invite", "knock"):
            keys.append(JOIN_RULES_KEY)
        token = _third_party_invite_token(content)
        if membership == "invite" and token is not None:
            keys.append(("m.room.third_party_invite", token))
        authoriser = content.get("join_authorised_via_users_server")
        if membership == "join" and isinstance(authoriser, str):
            keys.append((MEMBER, authoriser))
    return list(dict.fromkeys(keys))  # without duplicates, in order


def _third_party_invite_token(content: Mapping[str, Any]) -> str | None:
    invite = content.get("third_party_invite")
    signed = invite.get("signed") if isinstance(invite, Mapping) else None
    token = signed.get("token") if isinstance(signed, Mapping) else None
    return token if isinstance(token, str) else None
