"""A room's current state: (type, state_key) → the event that set it, beside the event log."""

from __future__ import annotations

from collections.abc import Sequence

from tessera.core.rooms import StoredEvent
from tessera.storage.repos.base import Repo
from tessera.storage.repos.events import stored_event

_EVENT = "e.stream, e.event_id, e.room_id, e.pdu, e.redacted_by"
_SET = (
    "INSERT INTO room_state (room_id, type, state_key, event_id, stream)"
    " VALUES (:room_id, :type, :state_key, :event_id, :stream)"
    " ON CONFLICT (room_id, type, state_key)"
    " DO UPDATE SET event_id = excluded.event_id, stream = excluded.stream"
)
_ALL = (
    f"SELECT {_EVENT} FROM room_state s JOIN events e ON e.event_id = s.event_id"
    " WHERE s.room_id = :room_id"
)
_ONE = (
    f"SELECT {_EVENT} FROM room_state s JOIN events e ON e.event_id = s.event_id"
    " WHERE s.room_id = :room_id AND s.type = :type AND s.state_key = :state_key"
)


class RoomStateRepo(Repo):
    async def set(
        self, room_id: str, event_type: str, state_key: str, event_id: str, stream: int
    ) -> None:
        """Make ``event_id`` the room's current value of ``(event_type, state_key)``."""
        params = {
            "room_id": room_id,
            "type": event_type,
            "state_key": state_key,
            "event_id": event_id,
            "stream": stream,
        }
        await self.sql.run(_SET, params)

    async def current(self, room_id: str) -> Sequence[StoredEvent]:
        """Every event of the room's current state."""
        return [stored_event(row) for row in await self.sql.rows(_ALL, {"room_id": room_id})]

    async def get(self, room_id: str, event_type: str, state_key: str) -> StoredEvent | None:
        params = {"room_id": room_id, "type": event_type, "state_key": state_key}
        row = await self.sql.row(_ONE, params)
        return stored_event(row) if row else None
