"""History visibility (spec: "History visibility"): may a user see an event of a room?

With one linear history per room, the state at any event is "the newest value of each key
at or before it", so what matters is known as two short timelines: the user's membership
changes and the room's ``m.room.history_visibility`` changes, each as (stream position,
value), oldest first.

The rule for one event is ``core.events.visibility.may_see_event`` (the spec's steps, with
Synapse's reading of "joined since" as "joined now"); this module finds its inputs.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence

from tessera.core.events.visibility import DEFAULT_VISIBILITY, may_see_event

Changes = Sequence[tuple[int, str]]


def value_before(changes: Changes, position: int, default: str) -> str:
    """The value in force just before ``position`` (changes are sorted by position)."""
    index = bisect.bisect_left([p for p, _ in changes], position)
    return changes[index - 1][1] if index else default


def value_at(changes: Changes, position: int, default: str) -> str:
    """The value in force once the event at ``position`` applied."""
    index = bisect.bisect_right([p for p, _ in changes], position)
    return changes[index - 1][1] if index else default


def visible(
    position: int,
    memberships: Changes,
    visibilities: Changes,
    current_membership: str,
) -> bool:
    """Whether the user whose ``memberships`` these are may see the event at ``position``.

    The state before the event decides, or the state after it where the event itself
    changed it (the user's own membership, the visibility): the spec allows either.
    """
    joined_now = current_membership == "join"
    before = may_see_event(
        value_before(visibilities, position, DEFAULT_VISIBILITY),
        value_before(memberships, position, "leave"),
        joined_since=joined_now,
    )
    return before or may_see_event(
        value_at(visibilities, position, DEFAULT_VISIBILITY),
        value_at(memberships, position, "leave"),
        joined_since=joined_now,
    )
