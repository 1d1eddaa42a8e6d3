"""The presence each user last set."""

from __future__ import annotations

from collections.abc import Sequence

from tessera.core.sync.records import PresenceRow
from tessera.storage.repos.base import Repo

_PUT = (
    "INSERT INTO presence (user_id, state, status_msg, last_active_ts, stream_id)"
    " VALUES (:user_id, :state, :status_msg, :last_active_ts, :stream_id)"
    " ON CONFLICT (user_id) DO UPDATE SET state = excluded.state,"
    " status_msg = excluded.status_msg, last_active_ts = excluded.last_active_ts,"
    " stream_id = excluded.stream_id"
)
_GET = "SELECT user_id, state, status_msg, last_active_ts FROM presence WHERE user_id = :user_id"
_TOUCH = "UPDATE presence SET last_active_ts = :now WHERE user_id = :user_id"
_SINCE = (
    "SELECT user_id, state, status_msg, last_active_ts FROM presence"
    " WHERE stream_id > :since AND stream_id <= :until ORDER BY stream_id"
)


class PresenceRepo(Repo):
    async def put(self, row: PresenceRow, stream_id: int) -> None:
        """Store the user's presence at position ``stream_id``."""
        await self.sql.run(
            _PUT,
            {
                "user_id": row.user_id,
                "state": row.state,
                "status_msg": row.status_msg,
                "last_active_ts": row.last_active_ts,
                "stream_id": stream_id,
            },
        )

    async def touch(self, user_id: str, now_ms: int) -> None:
        """The user was active now: a new ``last_active_ts``, no new stream position."""
        await self.sql.run(_TOUCH, {"user_id": user_id, "now": now_ms})

    async def get(self, user_id: str) -> PresenceRow | None:
        row = await self.sql.row(_GET, {"user_id": user_id})
        if row is None:
            return None
        return PresenceRow(row["user_id"], row["state"], row["status_msg"], row["last_active_ts"])

    async def changed(self, since: int, until: int) -> Sequence[PresenceRow]:
        """Presence stored in (since, until], oldest first (the stream_id index finds it)."""
        rows = await self.sql.rows(_SINCE, {"since": since, "until": until})
        return [
            PresenceRow(r["user_id"], r["state"], r["status_msg"], r["last_active_ts"])
            for r in rows
        ]
