"""Account data: one JSON object per (user, room or '' for global, type)."""

from __future__ import annotations

from collections.abc import Sequence

from tessera.storage.repos.base import Repo

_PUT = (
    "INSERT INTO account_data (user_id, room_id, type, content, stream_id)"
    " VALUES (:user_id, :room_id, :type, :content, :stream_id)"
    " ON CONFLICT (user_id, room_id, type)"
    " DO UPDATE SET content = excluded.content, stream_id = excluded.stream_id"
)
_GET = (
    "SELECT content FROM account_data"
    " WHERE user_id = :user_id AND room_id = :room_id AND type = :type"
)
_SINCE = (
    "SELECT room_id, type, content FROM account_data"
    " WHERE user_id = :user_id AND stream_id > :since AND stream_id <= :until"
    " ORDER BY stream_id"
)


class AccountDataRepo(Repo):
    async def put(
        self, user_id: str, room_id: str, data_type: str, content: str, stream_id: int
    ) -> None:
        """Store ``content`` (JSON text) for the type, at position ``stream_id``."""
        await self.sql.run(
            _PUT,
            {
                "user_id": user_id,
                "room_id": room_id,
                "type": data_type,
                "content": content,
                "stream_id": stream_id,
            },
        )

    async def get(self, user_id: str, room_id: str, data_type: str) -> str | None:
        """The stored JSON text, or None."""
        params = {"user_id": user_id, "room_id": room_id, "type": data_type}
        row = await self.sql.row(_GET, params)
        return None if row is None else str(row["content"])

    async def changed(self, user_id: str, since: int, until: int) -> Sequence[tuple[str, str, str]]:
        """(room_id, type, content) of entries changed in (since, until], oldest first."""
        rows = await self.sql.rows(_SINCE, {"user_id": user_id, "since": since, "until": until})
        return [(r["room_id"], r["type"], r["content"]) for r in rows]
