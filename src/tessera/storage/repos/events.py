"""The event stream: every room's events, in one global order of stream positions.

Positions come from ``stream_positions`` with one upsert that locks its row until the
transaction ends: the next writer waits there, so positions commit in the order they are
handed out and a reader that has seen position N has seen every event up to N (sync's
tokens rely on it; a sequence would let N+1 commit before N). Writers take the room's
lock first (``RoomRepo.lock``) and this one last, always in that order.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import orjson

from tessera.core.rooms import StoredEvent
from tessera.storage.repos.base import Repo
from tessera.storage.sql import Row

_COLUMNS = "e.stream, e.event_id, e.room_id, e.pdu, e.redacted_by"
_NEXT = (
    "INSERT INTO stream_positions (stream, position) VALUES ('events', 1)"
    " ON CONFLICT (stream) DO UPDATE SET position = stream_positions.position + 1"
    " RETURNING position"
)
_CURRENT = "SELECT position FROM stream_positions WHERE stream = 'events'"
_ADD = (
    "INSERT INTO events (stream, event_id, room_id, type, state_key, sender, depth,"
    " origin_server_ts, pdu) VALUES (:stream, :event_id, :room_id, :type, :state_key, :sender,"
    " :depth, :origin_server_ts, :pdu)"
)
_GET = f"SELECT {_COLUMNS} FROM events e WHERE e.event_id = :event_id"
_AFTER = (
    f"SELECT {_COLUMNS} FROM events e WHERE e.room_id = :room_id"
    " AND e.stream > :after AND e.stream <= :until ORDER BY e.stream LIMIT :limit"
)
_BEFORE = (
    f"SELECT {_COLUMNS} FROM events e WHERE e.room_id = :room_id"
    " AND e.stream <= :before AND e.stream > :until ORDER BY e.stream DESC LIMIT :limit"
)
# The state of a room at a position: the newest event of each (type, state_key) up to it.
_STATE_AT = (
    f"SELECT {_COLUMNS} FROM events e WHERE e.room_id = :room_id AND e.state_key IS NOT NULL"
    " AND e.stream = (SELECT max(s.stream) FROM events s WHERE s.room_id = e.room_id"
    " AND s.type = e.type AND s.state_key = e.state_key AND s.state_key IS NOT NULL"
    " AND s.stream <= :at)"
)
# Every value one state key had, oldest first (memberships and history visibility over time).
_KEY_HISTORY = (
    f"SELECT {_COLUMNS} FROM events e WHERE e.room_id = :room_id AND e.type = :type"
    " AND e.state_key = :state_key AND e.state_key IS NOT NULL ORDER BY e.stream"
)
# The value a state event replaced (unsigned.prev_content).
_PREVIOUS = (
    f"SELECT {_COLUMNS} FROM events e WHERE e.room_id = :room_id AND e.type = :type"
    " AND e.state_key = :state_key AND e.state_key IS NOT NULL AND e.stream < :before"
    " ORDER BY e.stream DESC LIMIT 1"
)
_REDACT = "UPDATE events SET pdu = :pdu, redacted_by = :redacted_by WHERE event_id = :event_id"


class EventRepo(Repo):
    async def next_position(self) -> int:
        """Hand out the next stream position (and hold its lock until the transaction ends)."""
        row = await self.sql.row(_NEXT)
        assert row is not None
        return int(row["position"])

    async def current_position(self) -> int:
        """The newest committed position (0 before the first event)."""
        row = await self.sql.row(_CURRENT)
        return int(row["position"]) if row else 0

    async def add(self, stream: int, event_id: str, room_id: str, pdu: Mapping[str, Any]) -> None:
        """Append an event at ``stream`` (its room's lock and the position's must be held)."""
        state_key = pdu.get("state_key")
        await self.sql.run(
            _ADD,
            {
                "stream": stream,
                "event_id": event_id,
                "room_id": room_id,
                "type": pdu["type"],
                "state_key": state_key if isinstance(state_key, str) else None,
                "sender": pdu["sender"],
                "depth": pdu["depth"],
                "origin_server_ts": pdu["origin_server_ts"],
                "pdu": orjson.dumps(pdu).decode(),
            },
        )

    async def get(self, event_id: str) -> StoredEvent | None:
        row = await self.sql.row(_GET, {"event_id": event_id})
        return stored_event(row) if row else None

    async def after(
        self, room_id: str, after: int, until: int, limit: int
    ) -> Sequence[StoredEvent]:
        """Up to ``limit`` events with ``after < stream <= until``, oldest first."""
        params = {"room_id": room_id, "after": after, "until": until, "limit": limit}
        return [stored_event(row) for row in await self.sql.rows(_AFTER, params)]

    async def before(
        self, room_id: str, before: int, until: int, limit: int
    ) -> Sequence[StoredEvent]:
        """Up to ``limit`` events with ``until < stream <= before``, newest first."""
        params = {"room_id": room_id, "before": before, "until": until, "limit": limit}
        return [stored_event(row) for row in await self.sql.rows(_BEFORE, params)]

    async def state_at(self, room_id: str, at: int) -> Sequence[StoredEvent]:
        """The room's state as it was once the event at position ``at`` was applied."""
        rows = await self.sql.rows(_STATE_AT, {"room_id": room_id, "at": at})
        return [stored_event(row) for row in rows]

    async def key_history(
        self, room_id: str, event_type: str, state_key: str
    ) -> Sequence[StoredEvent]:
        """Every event that set ``(event_type, state_key)`` in the room, oldest first."""
        params = {"room_id": room_id, "type": event_type, "state_key": state_key}
        return [stored_event(row) for row in await self.sql.rows(_KEY_HISTORY, params)]

    async def previous_state(self, event: StoredEvent) -> StoredEvent | None:
        """The event whose (type, state_key) value ``event`` replaced, if any."""
        params = {
            "room_id": event.room_id,
            "type": event.type,
            "state_key": event.state_key,
            "before": event.stream,
        }
        row = await self.sql.row(_PREVIOUS, params)
        return stored_event(row) if row else None

    async def redact(self, event_id: str, pruned: Mapping[str, Any], redacted_by: str) -> None:
        """Replace an event's PDU with its redacted form; the original content is gone."""
        params = {
            "event_id": event_id,
            "pdu": orjson.dumps(pruned).decode(),
            "redacted_by": redacted_by,
        }
        await self.sql.run(_REDACT, params)


def stored_event(row: Row) -> StoredEvent:
    """A ``StoredEvent`` from a row with the columns of ``_COLUMNS``."""
    return StoredEvent(
        stream=int(row["stream"]),
        event_id=row["event_id"],
        room_id=row["room_id"],
        pdu=orjson.loads(row["pdu"]),
        redacted_by=row["redacted_by"],
    )
