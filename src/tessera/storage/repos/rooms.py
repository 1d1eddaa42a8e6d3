"""Rooms: version, creator, directory visibility and the tip of their one linear history."""

from __future__ import annotations

from collections.abc import Sequence

from tessera.core.rooms import Room
from tessera.storage.repos.base import Repo
from tessera.storage.sql import Row

_COLUMNS = "room_id, room_version, creator, is_public, head_event_id, head_depth"
_ADD = (
    "INSERT INTO rooms (room_id, room_version, creator, is_public, created_ts)"
    " VALUES (:room_id, :room_version, :creator, :is_public, :created_ts)"
)
_GET = f"SELECT {_COLUMNS} FROM rooms WHERE room_id = :room_id"
# An UPDATE that changes nothing still takes the row's lock (PostgreSQL) until the
# transaction ends: the next writer of this room waits here, then reads the new head.
_LOCK = "UPDATE rooms SET head_depth = head_depth WHERE room_id = :room_id"
_SET_HEAD = (
    "UPDATE rooms SET head_event_id = :event_id, head_depth = :depth WHERE room_id = :room_id"
)
_SET_PUBLIC = "UPDATE rooms SET is_public = :is_public WHERE room_id = :room_id"
_PUBLIC = "SELECT room_id FROM rooms WHERE is_public = true ORDER BY room_id"


class RoomRepo(Repo):
    async def add(
        self, room_id: str, room_version: str, creator: str, is_public: bool, now_ms: int
    ) -> None:
        params = {
            "room_id": room_id,
            "room_version": room_version,
            "creator": creator,
            "is_public": is_public,
            "created_ts": now_ms,
        }
        await self.sql.run(_ADD, params)

    async def get(self, room_id: str) -> Room | None:
        row = await self.sql.row(_GET, {"room_id": room_id})
        return _room(row) if row else None

    async def lock(self, room_id: str) -> Room | None:
        """The room, locked for appending to its history until the transaction ends."""
        if not await self.sql.run(_LOCK, {"room_id": room_id}):
            return None
        return await self.get(room_id)

    async def set_head(self, room_id: str, event_id: str, depth: int) -> None:
        await self.sql.run(_SET_HEAD, {"room_id": room_id, "event_id": event_id, "depth": depth})

    async def set_public(self, room_id: str, is_public: bool) -> None:
        await self.sql.run(_SET_PUBLIC, {"room_id": room_id, "is_public": is_public})

    async def public_room_ids(self) -> Sequence[str]:
        return [row["room_id"] for row in await self.sql.rows(_PUBLIC)]


def _room(row: Row) -> Room:
    return Room(
        room_id=row["room_id"],
        room_version=row["room_version"],
        creator=row["creator"],
        is_public=bool(row["is_public"]),
        head_event_id=row["head_event_id"],
        head_depth=int(row["head_depth"]),
    )
