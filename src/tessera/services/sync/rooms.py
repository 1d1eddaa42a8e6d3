"""Sync's room events stream: the ``rooms.join``, ``rooms.invite`` and ``rooms.leave`` sections.

For each room, the timeline is the newest ``limit`` events after ``since`` (``limited`` when
there were more), ``prev_batch`` the point just before its first event (so ``/messages``
continues from it without gap or duplicate), and ``state`` what changed between ``since``
and the timeline's start: the whole state at that start for an initial sync, a room joined
since, or ``full_state``; nothing when the timeline covers everything since ``since``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from tessera.core.events.model import stripped_state
from tessera.core.rooms import Membership, StoredEvent
from tessera.core.sync.filter import RoomEventFilter, RoomFilter
from tessera.core.sync.token import pagination_token
from tessera.services.rooms.access import RoomView, Viewer, client_events, visibility_check
from tessera.services.rooms.timeline import as_event, room_version
from tessera.storage.ports import Transaction

#: What ``invite_state`` shows of a room (spec: "Stripped state"), as Synapse.
STRIPPED_TYPES = frozenset(
    {
        "m.room.create",
        "m.room.join_rules",
        "m.room.name",
        "m.room.avatar",
        "m.room.canonical_alias",
        "m.room.encryption",
        "m.room.topic",
        "m.room.member",
    }
)


@dataclass(frozen=True)
class RoomOptions:
    """The parts of a filter the rooms stream applies."""

    timeline_limit: int = 10
    lazy_load_members: bool = False
    #: Which timeline events to show (types, senders …) and which rooms at all.
    timeline: RoomEventFilter = field(default_factory=RoomEventFilter)
    rooms: RoomFilter = field(default_factory=RoomFilter)


class RoomSections:
    """Builds the room sections of one sync response inside one read transaction."""

    def __init__(
        self, txn: Transaction, viewer: Viewer, options: RoomOptions, now: int, full_state: bool
    ) -> None:
        self._txn = txn
        self._viewer = viewer
        self._user_id = viewer.user_id
        self._options = options
        self._now = now
        self._full_state = full_state

    async def joined(
        self, membership: Membership, since: int | None, until: int
    ) -> dict[str, Any] | None:
        """A ``rooms.join`` entry, or None when nothing happened in the room since ``since``."""
        txn, room_id = self._txn, membership.room_id
        room = await txn.rooms.get(room_id)
        assert room is not None
        fresh = since is None or membership.stream > since  # initial, or joined since
        after = None if fresh else since
        limit = self._options.timeline_limit
        rows = list(reversed(await txn.events.before(room_id, until, after or 0, limit + 1)))
        limited = len(rows) > limit
        rows = rows[-limit:] if limit else []
        if not rows and not fresh and not self._full_state:
            return None
        view = RoomView(room, room_version(room), self._user_id, "join", until)
        if rows and rows[0].stream < membership.stream:
            check = await visibility_check(txn, view)
            rows = [row for row in rows if check(row)]
        rows = [row for row in rows if self._options.timeline.matches(row.pdu)]
        start = rows[0].stream - 1 if rows else until
        state = await self._state(room_id, after, start, fresh or limited, rows)
        return {
            "timeline": {
                "events": await client_events(
                    txn, view.version, rows, self._now, self._viewer, timeline=True
                ),
                "limited": limited,
                "prev_batch": pagination_token(start),
            },
            "state": {"events": await client_events(txn, view.version, state, self._now)},
            "ephemeral": {"events": []},
            "account_data": {"events": []},
            "unread_notifications": {"highlight_count": 0, "notification_count": 0},
            "summary": await self._summary(room_id) if fresh or _has_members(rows) else {},
        }

    async def _state(
        self,
        room_id: str,
        since: int | None,
        start: int,
        gappy: bool,
        timeline: Sequence[StoredEvent],
    ) -> list[StoredEvent]:
        if not gappy and not self._full_state:
            return []
        at_start = list(await self._txn.events.state_at(room_id, start))
        if since is not None and not self._full_state:
            known = {e.event_id for e in await self._txn.events.state_at(room_id, since)}
            at_start = [e for e in at_start if e.event_id not in known]
        if self._options.lazy_load_members:
            senders = {e.sender for e in timeline} | {self._user_id}
            at_start = [e for e in at_start if e.type != "m.room.member" or e.state_key in senders]
        return at_start

    async def _summary(self, room_id: str) -> dict[str, Any]:
        members = await self._txn.memberships.members(room_id)
        joined = [m.user_id for m in members if m.membership == "join"]
        invited = [m.user_id for m in members if m.membership == "invite"]
        heroes = [u for u in sorted(joined + invited) if u != self._user_id][:5]
        return {
            "m.heroes": heroes,
            "m.joined_member_count": len(joined),
            "m.invited_member_count": len(invited),
        }

    async def invited(self, membership: Membership) -> dict[str, Any]:
        """A ``rooms.invite`` entry: the room's stripped state and the invite itself."""
        state = await self._txn.room_state.current(membership.room_id)
        room = await self._txn.rooms.get(membership.room_id)
        assert room is not None
        version = room_version(room)
        stripped = [
            stripped_state(as_event(e, version))
            for e in state
            if e.type in STRIPPED_TYPES
            and (e.type != "m.room.member" or e.state_key == self._user_id)
        ]
        return {"invite_state": {"events": stripped}}

    async def left(self, membership: Membership, since: int | None) -> dict[str, Any]:
        """A ``rooms.leave`` entry: the events up to the leave, and the state then."""
        room = await self._txn.rooms.get(membership.room_id)
        assert room is not None
        version = room_version(room)
        limit = self._options.timeline_limit
        rows = list(
            reversed(
                await self._txn.events.before(
                    room.room_id, membership.stream, since or 0, limit + 1
                )
            )
        )
        limited = len(rows) > limit
        rows = rows[-limit:] if limit else []
        start = rows[0].stream - 1 if rows else membership.stream
        state = await self._state(room.room_id, since, start, limited, rows)
        return {
            "timeline": {
                "events": await client_events(
                    self._txn, version, rows, self._now, self._viewer, timeline=True
                ),
                "limited": limited,
                "prev_batch": pagination_token(start),
            },
            "state": {"events": await client_events(self._txn, version, state, self._now)},
            "account_data": {"events": []},
        }


def _has_members(events: Sequence[StoredEvent]) -> bool:
    return any(e.type == "m.room.member" for e in events)
