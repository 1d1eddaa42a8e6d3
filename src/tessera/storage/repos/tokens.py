"""Access tokens, stored and looked up by hash only."""

from __future__ import annotations

from sqlalchemy import bindparam, delete, select, update

from tessera.core.models import AccessTokenInfo, Requester
from tessera.storage.repos.base import Repo
from tessera.storage.tables import access_tokens, users

_INSERT = access_tokens.insert()
_LOOKUP = (
    select(
        access_tokens.c.id,
        access_tokens.c.user_id,
        access_tokens.c.device_id,
        access_tokens.c.valid_until_ms,
        access_tokens.c.refresh_token_id,
        access_tokens.c.used,
        access_tokens.c.puppeted_by,
        users.c.is_admin,
    )
    .join(users, users.c.user_id == access_tokens.c.user_id)
    .where(access_tokens.c.token_hash == bindparam("token_hash"), users.c.deactivated.is_(False))
)


class TokenRepo(Repo):
    async def add(
        self,
        token_hash: bytes,
        user_id: str,
        device_id: str | None,
        now_ms: int,
        *,
        valid_until_ms: int | None = None,
        refresh_token_id: int | None = None,
        puppeted_by: str | None = None,
    ) -> None:
        """Store a token; ``device_id`` is None only for an admin's ``puppeted_by`` token."""
        await self.conn.execute(
            _INSERT,
            {
                "token_hash": token_hash,
                "user_id": user_id,
                "device_id": device_id,
                "created_ts": now_ms,
                "valid_until_ms": valid_until_ms,
                "refresh_token_id": refresh_token_id,
                "puppeted_by": puppeted_by,
            },
        )

    async def lookup(self, token_hash: bytes) -> AccessTokenInfo | None:
        """The token and who it belongs to; None for unknown tokens and deactivated users."""
        row = (await self.conn.execute(_LOOKUP, {"token_hash": token_hash})).first()
        if row is None:
            return None
        requester = Requester(
            user_id=row.user_id,
            device_id=row.device_id,
            token_id=row.id,
            is_admin=bool(row.is_admin),
            puppeted_by=row.puppeted_by,
        )
        return AccessTokenInfo(requester, row.valid_until_ms, row.refresh_token_id, bool(row.used))

    async def requester(self, token_hash: bytes) -> Requester | None:
        info = await self.lookup(token_hash)
        return None if info is None else info.requester

    async def delete(self, token_id: int) -> None:
        """Remove one token (logging out a device-less token: there is no device to delete)."""
        await self.conn.execute(delete(access_tokens).where(access_tokens.c.id == token_id))

    async def delete_deviceless(self, user_id: str) -> None:
        """Remove the user's tokens that have no device (admins' "log in as user" tokens).

        Tokens with a device go with their device (ON DELETE CASCADE).
        """
        await self.conn.execute(
            delete(access_tokens).where(
                access_tokens.c.user_id == user_id, access_tokens.c.device_id.is_(None)
            )
        )

    async def mark_used(self, token_id: int) -> None:
        await self.conn.execute(
            update(access_tokens).where(access_tokens.c.id == token_id).values(used=True)
        )
