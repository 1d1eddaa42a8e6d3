"""Who is typing in which room, until when, and each room's last typing change."""

from __future__ import annotations

from collections.abc import Sequence

from tessera.storage.repos.base import Repo

_START = (
    "INSERT INTO typing_users (room_id, user_id, expires_ts) VALUES (:room_id, :user_id, :expires)"
    " ON CONFLICT (room_id, user_id) DO UPDATE SET expires_ts = excluded.expires_ts"
)
_STOP = "DELETE FROM typing_users WHERE room_id = :room_id AND user_id = :user_id"
_ANY_EXPIRED = "SELECT 1 FROM typing_users WHERE expires_ts <= :now LIMIT 1"
_EXPIRED = "DELETE FROM typing_users WHERE expires_ts <= :now RETURNING room_id"
_TOUCH = (
    "INSERT INTO typing_rooms (room_id, stream_id) VALUES (:room_id, :stream_id)"
    " ON CONFLICT (room_id) DO UPDATE SET stream_id = excluded.stream_id"
)
_ROOM_POSITION = "SELECT stream_id FROM typing_rooms WHERE room_id = :room_id"
_TYPISTS = (
    "SELECT user_id FROM typing_users WHERE room_id = :room_id AND expires_ts > :now"
    " ORDER BY user_id"
)


class TypingRepo(Repo):
    async def start(self, room_id: str, user_id: str, expires_ts: int) -> None:
        """The user types in the room until ``expires_ts`` (ms)."""
        params = {"room_id": room_id, "user_id": user_id, "expires": expires_ts}
        await self.sql.run(_START, params)

    async def stop(self, room_id: str, user_id: str) -> bool:
        """The user stopped typing; False when they were not typing."""
        return await self.sql.run(_STOP, {"room_id": room_id, "user_id": user_id}) > 0

    async def any_expired(self, now_ms: int) -> bool:
        """Whether some typing has timed out (a read, so idle sweeps write nothing)."""
        return await self.sql.row(_ANY_EXPIRED, {"now": now_ms}) is not None

    async def expire(self, now_ms: int) -> Sequence[str]:
        """Forget typing that timed out; the rooms where someone stopped (each once)."""
        rows = await self.sql.rows(_EXPIRED, {"now": now_ms})
        return sorted({row["room_id"] for row in rows})

    async def touch(self, room_id: str, stream_id: int) -> None:
        """Record that the room's typing changed at ``stream_id``."""
        await self.sql.run(_TOUCH, {"room_id": room_id, "stream_id": stream_id})

    async def room_position(self, room_id: str) -> int:
        """The position of the room's last typing change (0 for never)."""
        row = await self.sql.row(_ROOM_POSITION, {"room_id": room_id})
        return 0 if row is None else int(row["stream_id"])

    async def typists(self, room_id: str, now_ms: int) -> Sequence[str]:
        """Who is typing in the room now."""
        rows = await self.sql.rows(_TYPISTS, {"room_id": room_id, "now": now_ms})
        return [row["user_id"] for row in rows]
