"""User-interactive auth sessions: which stages a pending request has completed."""

from __future__ import annotations

import json

from tessera.core.models import UiAuthSession
from tessera.storage.repos.base import Repo

_CREATE = (
    "INSERT INTO ui_auth_sessions (session_id, user_id, method, uri, created_ts)"
    " VALUES (:session_id, :user_id, :method, :uri, :created_ts)"
)
_GET = (
    "SELECT session_id, user_id, method, uri, created_ts, completed FROM ui_auth_sessions"
    " WHERE session_id = :session_id"
)
_SET_COMPLETED = "UPDATE ui_auth_sessions SET completed = :completed WHERE session_id = :session_id"
_DELETE = "DELETE FROM ui_auth_sessions WHERE session_id = :session_id"
_PURGE = "DELETE FROM ui_auth_sessions WHERE created_ts < :before"


class UiAuthRepo(Repo):
    async def create(
        self, session_id: str, user_id: str, method: str, uri: str, now_ms: int
    ) -> None:
        await self.sql.run(
            _CREATE,
            {
                "session_id": session_id,
                "user_id": user_id,
                "method": method,
                "uri": uri,
                "created_ts": now_ms,
            },
        )

    async def get(self, session_id: str) -> UiAuthSession | None:
        row = await self.sql.row(_GET, {"session_id": session_id})
        if row is None:
            return None
        return UiAuthSession(
            session_id=row["session_id"],
            user_id=row["user_id"],
            method=row["method"],
            uri=row["uri"],
            created_ts=row["created_ts"],
            completed=tuple(json.loads(row["completed"])),
        )

    async def set_completed(self, session_id: str, completed: tuple[str, ...]) -> None:
        params = {"session_id": session_id, "completed": json.dumps(list(completed))}
        await self.sql.run(_SET_COMPLETED, params)

    async def delete(self, session_id: str) -> None:
        await self.sql.run(_DELETE, {"session_id": session_id})

    async def purge_older_than(self, created_before_ms: int) -> None:
        await self.sql.run(_PURGE, {"before": created_before_ms})
