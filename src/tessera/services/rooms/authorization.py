"""The authorization rules as the room services call them: 403 ``M_FORBIDDEN`` with the rule's
reason. The rules themselves are pure functions in ``tessera.core.events.auth``."""

from __future__ import annotations

from collections.abc import Mapping

from tessera.core.errors import Forbidden
from tessera.core.events.auth import AuthError, StateKey, auth_types_for_event, check_auth
from tessera.core.events.model import Event
from tessera.core.events.room_versions import RoomVersion

CREATE: StateKey = ("m.room.create", "")

__all__ = [
    "CREATE",
    "StateKey",
    "auth_types_for_event",
    "authorize",
]


def authorize(
    version: RoomVersion, event: Event, auth_state: Mapping[StateKey, Event], create: Event
) -> None:
    """Raise 403 ``M_FORBIDDEN`` with the reason when ``event`` is not allowed."""
    try:
        check_auth(version, event, auth_state, create)
    except AuthError as exc:
        raise Forbidden(exc.reason) from None
