"""Room aliases (``#name:server`` → room ID) of this server."""

from __future__ import annotations

from collections.abc import Sequence

from tessera.storage.repos.base import Repo

_ADD = (
    "INSERT INTO room_aliases (alias, room_id, creator) VALUES (:alias, :room_id, :creator)"
    " ON CONFLICT DO NOTHING"
)
_GET = "SELECT room_id, creator FROM room_aliases WHERE alias = :alias"
_DELETE = "DELETE FROM room_aliases WHERE alias = :alias"
_OF_ROOM = "SELECT alias FROM room_aliases WHERE room_id = :room_id ORDER BY alias"


class RoomAliasRepo(Repo):
    async def add(self, alias: str, room_id: str, creator: str) -> bool:
        """Create the alias; False when it exists already (nothing changes)."""
        params = {"alias": alias, "room_id": room_id, "creator": creator}
        return bool(await self.sql.run(_ADD, params))

    async def get(self, alias: str) -> tuple[str, str] | None:
        """``(room_id, creator)`` of the alias, or None."""
        row = await self.sql.row(_GET, {"alias": alias})
        return None if row is None else (row["room_id"], row["creator"])

    async def delete(self, alias: str) -> bool:
        return bool(await self.sql.run(_DELETE, {"alias": alias}))

    async def of_room(self, room_id: str) -> Sequence[str]:
        return [row["alias"] for row in await self.sql.rows(_OF_ROOM, {"room_id": room_id})]
