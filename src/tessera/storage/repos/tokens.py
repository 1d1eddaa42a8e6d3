"""Access tokens, stored and looked up by hash only."""

from __future__ import annotations

from sqlalchemy import select

from tessera.core.models import Requester
from tessera.storage.repos.base import Repo
from tessera.storage.tables import access_tokens, users


class TokenRepo(Repo):
    async def add(self, token_hash: bytes, user_id: str, device_id: str, now_ms: int) -> None:
        await self.conn.execute(
            access_tokens.insert().values(
                token_hash=token_hash, user_id=user_id, device_id=device_id, created_ts=now_ms
            )
        )

    async def requester(self, token_hash: bytes) -> Requester | None:
        """Who a token belongs to; None for unknown tokens and deactivated users."""
        query = (
            select(
                access_tokens.c.id,
                access_tokens.c.user_id,
                access_tokens.c.device_id,
                users.c.is_admin,
            )
            .join(users, users.c.user_id == access_tokens.c.user_id)
            .where(access_tokens.c.token_hash == token_hash, users.c.deactivated.is_(False))
        )
        row = (await self.conn.execute(query)).first()
        if row is None:
            return None
        return Requester(
            user_id=row.user_id,
            device_id=row.device_id,
            token_id=row.id,
            is_admin=bool(row.is_admin),
        )
