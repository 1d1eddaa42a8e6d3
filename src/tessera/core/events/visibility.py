"""History visibility (spec: Client-Server API, "Room History Visibility",
"Server behaviour"): may a user see an event?

Inputs are plain values the rooms layer reads at the event: the
``m.room.history_visibility`` value in force there and the user's membership
there, plus whether the user joined after it (for ``shared``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

VISIBILITIES = frozenset({"world_readable", "shared", "invited", "joined"})

#: The spec: with no history_visibility event, or a value not understood, ``shared``.
DEFAULT_VISIBILITY = "shared"


def history_visibility(content: Mapping[str, Any] | None) -> str:
    """The visibility an ``m.room.history_visibility`` content means (``shared`` if
    there is no such event or its value is not one of the four)."""
    value = content.get("history_visibility") if content is not None else None
    return value if isinstance(value, str) and value in VISIBILITIES else DEFAULT_VISIBILITY


def may_see_event(
    visibility: str | None, membership_at_event: str | None, *, joined_since: bool
) -> bool:
    """The spec's five steps for one event.

    Args:
        visibility: ``history_visibility`` in force at the event (None or an
            unknown value mean ``shared``).
        membership_at_event: The user's membership at the event (None if never
            a member).
        joined_since: The user joined the room at some point after the event.
            Synapse reads this as "is joined now"; the rooms layer may do the same.

    For an ``m.room.history_visibility`` event itself, and for the user's own
    ``m.room.member`` events, the spec allows the event if the state before
    *or* after it allows it: call this twice and take either.
    """
    if visibility not in VISIBILITIES:
        visibility = DEFAULT_VISIBILITY
    if visibility == "world_readable":
        return True
    if membership_at_event == "join":
        return True
    if visibility == "shared" and joined_since:
        return True
    return membership_at_event == "invite" and visibility == "invited"
