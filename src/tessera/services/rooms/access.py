"""What a user may read of a room, and events in the client format.

A member reads the room as it is; someone who left or was banned reads it as it was when
they left (Synapse's rule); anyone else is refused unless the room is world-readable.
Which events of a range they see is history visibility (core/rooms/visibility.py).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from tessera.core.errors import Forbidden, NotFound
from tessera.core.events.model import client_event
from tessera.core.events.room_versions import RoomVersion
from tessera.core.rooms import Room, StoredEvent
from tessera.core.rooms.visibility import visible
from tessera.services.rooms.timeline import as_event, room_version
from tessera.storage.ports import Transaction

HISTORY_VISIBILITY = ("m.room.history_visibility", "")


@dataclass(frozen=True)
class RoomView:
    """A room as one user may read it."""

    room: Room
    version: RoomVersion
    user_id: str
    membership: str
    #: The last stream position the user may read (where they left, for a former member).
    until: int


async def room_view(txn: Transaction, user_id: str, room_id: str) -> RoomView:
    """The user's view of the room: 404 for an unknown room, 403 for a stranger."""
    room = await txn.rooms.get(room_id)
    if room is None:
        raise NotFound(f"Unknown room {room_id}")
    membership = await txn.memberships.get(room_id, user_id)
    current = await txn.events.current_position()
    if membership is not None and membership.membership in ("join", "invite"):
        return RoomView(room, room_version(room), user_id, membership.membership, current)
    if membership is not None and membership.membership in ("leave", "ban"):
        return RoomView(room, room_version(room), user_id, membership.membership, membership.stream)
    visibility = await txn.room_state.get(room_id, *HISTORY_VISIBILITY)
    if visibility is not None and visibility.content.get("history_visibility") == "world_readable":
        return RoomView(room, room_version(room), user_id, "leave", current)
    raise Forbidden(f"User {user_id} not in room {room_id}, and room previews are disabled")


async def visibility_check(txn: Transaction, view: RoomView) -> Callable[[StoredEvent], bool]:
    """A predicate: may the view's user see this event of the room?"""
    room_id = view.room.room_id
    memberships = [
        (e.stream, str(e.content.get("membership", "leave")))
        for e in await txn.events.key_history(room_id, "m.room.member", view.user_id)
    ]
    visibilities = [
        (e.stream, str(e.content.get("history_visibility", "shared")))
        for e in await txn.events.key_history(room_id, *HISTORY_VISIBILITY)
    ]

    def check(event: StoredEvent) -> bool:
        return visible(event.stream, memberships, visibilities, view.membership)

    return check


@dataclass(frozen=True)
class Viewer:
    """Who reads: their own events carry the transaction ID they were sent with."""

    user_id: str
    #: The device (or token) transaction IDs are kept per (``services.rooms.send.txn_scope``).
    scope: str


async def client_events(
    txn: Transaction,
    version: RoomVersion,
    events: Sequence[StoredEvent],
    now: int,
    viewer: Viewer | None = None,
    *,
    timeline: bool = False,
) -> list[dict[str, Any]]:
    """The events as ``ClientEvent``s, with ``unsigned``: ``age``, ``redacted_because``,
    and for timelines ``prev_content`` and, on the sender's own echo, ``transaction_id``."""
    result = []
    own: dict[str, str] = {}
    if timeline and viewer is not None:
        mine = [stored.event_id for stored in events if stored.sender == viewer.user_id]
        if mine:
            own = await txn.event_transactions.of_events(mine, viewer.user_id, viewer.scope)
    for stored in events:
        unsigned: dict[str, Any] = {"age": max(0, now - int(stored.pdu["origin_server_ts"]))}
        if stored.redacted_by is not None:
            redaction = await txn.events.get(stored.redacted_by)
            if redaction is not None:
                unsigned["redacted_because"] = client_event(as_event(redaction, version))
        if timeline:
            await _timeline_unsigned(txn, stored, own, unsigned)
        result.append(client_event(as_event(stored, version), unsigned))
    return result


async def _timeline_unsigned(
    txn: Transaction, stored: StoredEvent, own: Mapping[str, str], unsigned: dict[str, Any]
) -> None:
    if stored.state_key is not None:
        previous = await txn.events.previous_state(stored)
        if previous is not None:
            unsigned["prev_content"] = dict(previous.content)
            unsigned["replaces_state"] = previous.event_id
    txn_id = own.get(stored.event_id)  # only the viewer's own events are in ``own``
    if txn_id is not None:
        unsigned["transaction_id"] = txn_id
