"""Refresh tokens (spec v1.3), chained: each knows the token it was exchanged for."""

from __future__ import annotations

from tessera.core.models import RefreshToken
from tessera.storage.repos.base import Repo

_ADD = (
    "INSERT INTO refresh_tokens (token_hash, user_id, device_id, created_ts, expiry_ts,"
    " session_expiry_ts) VALUES (:token_hash, :user_id, :device_id, :created_ts, :expiry_ts,"
    " :session_expiry_ts) RETURNING id"
)
_OWNER = "SELECT user_id, device_id FROM refresh_tokens WHERE token_hash = :token_hash"
_LOCK_DEVICE = (
    "SELECT device_id FROM devices WHERE user_id = :user_id AND device_id = :device_id"
    " FOR KEY SHARE"
)
_GET = (
    "SELECT id, user_id, device_id, expiry_ts, session_expiry_ts, next_token_id"
    " FROM refresh_tokens WHERE token_hash = :token_hash"
)
_SET_NEXT = "UPDATE refresh_tokens SET next_token_id = :next_id WHERE id = :id"
_DELETE = "DELETE FROM refresh_tokens WHERE id = :id"
_DELETE_PREDECESSORS = "DELETE FROM refresh_tokens WHERE next_token_id = :id"


class RefreshTokenRepo(Repo):
    async def add(
        self,
        token_hash: bytes,
        user_id: str,
        device_id: str,
        now_ms: int,
        *,
        expiry_ts: int | None,
        session_expiry_ts: int | None,
    ) -> int:
        row = await self.sql.row(
            _ADD,
            {
                "token_hash": token_hash,
                "user_id": user_id,
                "device_id": device_id,
                "created_ts": now_ms,
                "expiry_ts": expiry_ts,
                "session_expiry_ts": session_expiry_ts,
            },
        )
        assert row is not None  # INSERT … RETURNING returns the row it made
        return int(row["id"])

    async def get(self, token_hash: bytes) -> RefreshToken | None:
        """The token, its row locked until the transaction ends (``FOR UPDATE``).

        Concurrent refreshes of one token then run one after the other, each
        seeing the ``next_token_id`` the last one set (under PostgreSQL's READ
        COMMITTED, unlocked, they all saw none and every pair they made stayed
        valid). Its device row is locked first (``FOR KEY SHARE``), in the
        order a logout or device deletion takes them (device, then its tokens
        by cascade), so the two wait for each other instead of deadlocking.
        SQLite has one writer at a time and no ``FOR ...`` clauses.
        """
        by_hash = {"token_hash": token_hash}
        postgres = self.sql.dialect == "postgresql"
        if postgres:
            owner = await self.sql.row(_OWNER, by_hash)
            if owner is None:
                return None
            await self.sql.rows(_LOCK_DEVICE, owner)
        row = await self.sql.row(_GET + " FOR UPDATE" if postgres else _GET, by_hash)
        if row is None:
            return None
        return RefreshToken(
            id=row["id"],
            user_id=row["user_id"],
            device_id=row["device_id"],
            expiry_ts=row["expiry_ts"],
            session_expiry_ts=row["session_expiry_ts"],
            next_token_id=row["next_token_id"],
        )

    async def set_next(self, token_id: int, next_token_id: int) -> None:
        await self.sql.run(_SET_NEXT, {"id": token_id, "next_id": next_token_id})

    async def delete(self, token_id: int) -> None:
        await self.sql.run(_DELETE, {"id": token_id})

    async def delete_predecessors(self, token_id: int) -> None:
        """Delete the token(s) exchanged for ``token_id``; their access tokens go too (CASCADE)."""
        await self.sql.run(_DELETE_PREDECESSORS, {"id": token_id})
