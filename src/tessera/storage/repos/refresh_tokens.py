"""Refresh tokens (spec v1.3), chained: each knows the token it was exchanged for."""

from __future__ import annotations

from sqlalchemy import delete, select, update

from tessera.core.models import RefreshToken
from tessera.storage.repos.base import Repo
from tessera.storage.tables import devices, refresh_tokens


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
        result = await self.conn.execute(
            refresh_tokens.insert()
            .values(
                token_hash=token_hash,
                user_id=user_id,
                device_id=device_id,
                created_ts=now_ms,
                expiry_ts=expiry_ts,
                session_expiry_ts=session_expiry_ts,
            )
            .returning(refresh_tokens.c.id)
        )
        return int(result.scalar_one())

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
        by_hash = refresh_tokens.c.token_hash == token_hash
        owner = (
            await self.conn.execute(
                select(refresh_tokens.c.user_id, refresh_tokens.c.device_id).where(by_hash)
            )
        ).first()
        if owner is None:
            return None
        await self.conn.execute(
            select(devices.c.device_id)
            .where(devices.c.user_id == owner.user_id, devices.c.device_id == owner.device_id)
            .with_for_update(read=True, key_share=True)
        )
        row = (
            await self.conn.execute(select(refresh_tokens).where(by_hash).with_for_update())
        ).first()
        if row is None:
            return None
        return RefreshToken(
            id=row.id,
            user_id=row.user_id,
            device_id=row.device_id,
            expiry_ts=row.expiry_ts,
            session_expiry_ts=row.session_expiry_ts,
            next_token_id=row.next_token_id,
        )

    async def set_next(self, token_id: int, next_token_id: int) -> None:
        await self.conn.execute(
            update(refresh_tokens)
            .where(refresh_tokens.c.id == token_id)
            .values(next_token_id=next_token_id)
        )

    async def delete(self, token_id: int) -> None:
        await self.conn.execute(delete(refresh_tokens).where(refresh_tokens.c.id == token_id))

    async def delete_predecessors(self, token_id: int) -> None:
        """Delete the token(s) exchanged for ``token_id``; their access tokens go too (CASCADE)."""
        await self.conn.execute(
            delete(refresh_tokens).where(refresh_tokens.c.next_token_id == token_id)
        )
