"""User-interactive auth sessions: which stages a pending request has completed."""

from __future__ import annotations

import json

from sqlalchemy import delete, select, update

from tessera.core.models import UiAuthSession
from tessera.storage.repos.base import Repo
from tessera.storage.tables import ui_auth_sessions


class UiAuthRepo(Repo):
    async def create(
        self, session_id: str, user_id: str, method: str, uri: str, now_ms: int
    ) -> None:
        await self.conn.execute(
            ui_auth_sessions.insert().values(
                session_id=session_id, user_id=user_id, method=method, uri=uri, created_ts=now_ms
            )
        )

    async def get(self, session_id: str) -> UiAuthSession | None:
        query = select(ui_auth_sessions).where(ui_auth_sessions.c.session_id == session_id)
        row = (await self.conn.execute(query)).first()
        if row is None:
            return None
        return UiAuthSession(
            session_id=row.session_id,
            user_id=row.user_id,
            method=row.method,
            uri=row.uri,
            created_ts=row.created_ts,
            completed=tuple(json.loads(row.completed)),
        )

    async def set_completed(self, session_id: str, completed: tuple[str, ...]) -> None:
        await self.conn.execute(
            update(ui_auth_sessions)
            .where(ui_auth_sessions.c.session_id == session_id)
            .values(completed=json.dumps(list(completed)))
        )

    async def delete(self, session_id: str) -> None:
        await self.conn.execute(
            delete(ui_auth_sessions).where(ui_auth_sessions.c.session_id == session_id)
        )

    async def purge_older_than(self, created_before_ms: int) -> None:
        await self.conn.execute(
            delete(ui_auth_sessions).where(ui_auth_sessions.c.created_ts < created_before_ms)
        )
