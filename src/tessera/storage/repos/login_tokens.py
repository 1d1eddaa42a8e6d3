"""Single-use ``m.login.token`` tokens."""

from __future__ import annotations

from sqlalchemy import delete

from tessera.storage.repos.base import Repo
from tessera.storage.tables import login_tokens


class LoginTokenRepo(Repo):
    async def add(self, token_hash: bytes, user_id: str, expiry_ts: int) -> None:
        await self.conn.execute(
            login_tokens.insert().values(
                token_hash=token_hash, user_id=user_id, expiry_ts=expiry_ts
            )
        )

    async def take(self, token_hash: bytes) -> tuple[str, int] | None:
        """Remove the token and return (user_id, expiry_ts): it can be taken only once."""
        result = await self.conn.execute(
            delete(login_tokens)
            .where(login_tokens.c.token_hash == token_hash)
            .returning(login_tokens.c.user_id, login_tokens.c.expiry_ts)
        )
        row = result.first()
        return None if row is None else (row.user_id, row.expiry_ts)

    async def purge_expired(self, now_ms: int) -> None:
        await self.conn.execute(delete(login_tokens).where(login_tokens.c.expiry_ts < now_ms))
