"""History visibility (spec: "History visibility"): may a user see an event of a room?

With one linear history per room, the state at any event is "the newest value of each key
at or before it", so what matters is known as two short timelines: the user's membership
changes and the room's ``m.room.history_visibility`` changes, each as (stream position,
value), oldest first.

The rule, per event at position p (Synapse's reading of the spec):
- ``world_readable``: everyone;
- ``shared`` (the default): members then, and whoever is joined now;
- ``invited``: whoever was joined or invited then;
- ``joined``: whoever was joined then.
"Then" is the state before the event, except that a user's own membership event counts as
"then" too, so a user sees their own join and their own leave.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence

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
    """Whether the user whose ``memberships`` these are may see the event at ``position``."""
    visibility = value_before(visibilities, position, "shared")
    if visibility == "world_readable":
        return True
    before = value_before(memberships, position, "leave")
    after = value_at(memberships, position, "leave")
    allowed = {"join", "invite"} if visibility == "invited" else {"join"}
    if before in allowed or after in allowed:
        return True
    return visibility == "shared" and current_membership == "join"
