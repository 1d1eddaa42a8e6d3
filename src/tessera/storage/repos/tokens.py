"""Access tokens, stored and looked up by hash only."""

from __future__ import annotations

from tessera.core.models import AccessTokenInfo, Requester
from tessera.storage.repos.base import Repo

_ADD = (
    "INSERT INTO access_tokens (token_hash, user_id, device_id, created_ts, valid_until_ms,"
    " refresh_token_id, puppeted_by) VALUES (:token_hash, :user_id, :device_id, :created_ts,"
    " :valid_until_ms, :refresh_token_id, :puppeted_by)"
)
_LOOKUP = (
    "SELECT t.id, t.user_id, t.device_id, t.valid_until_ms, t.refresh_token_id, t.used,"
    " t.puppeted_by, u.is_admin FROM access_tokens t JOIN users u ON u.user_id = t.user_id"
    " WHERE t.token_hash = :token_hash AND u.deactivated = false"
)
_DELETE = "DELETE FROM access_tokens WHERE id = :id"
_DELETE_DEVICELESS = "DELETE FROM access_tokens WHERE user_id = :user_id AND device_id IS NULL"
_MARK_USED = "UPDATE access_tokens SET used = true WHERE id = :id"


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
        await self.sql.run(
            _ADD,
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
        row = await self.sql.row(_LOOKUP, {"token_hash": token_hash})
        if row is None:
            return None
        requester = Requester(
            user_id=row["user_id"],
            device_id=row["device_id"],
            token_id=row["id"],
            is_admin=bool(row["is_admin"]),
            puppeted_by=row["puppeted_by"],
        )
        return AccessTokenInfo(
            requester, row["valid_until_ms"], row["refresh_token_id"], bool(row["used"])
        )

    async def requester(self, token_hash: bytes) -> Requester | None:
        info = await self.lookup(token_hash)
        return None if info is None else info.requester

    async def delete(self, token_id: int) -> None:
        """Remove one token (logging out a device-less token: there is no device to delete)."""
        await self.sql.run(_DELETE, {"id": token_id})

    async def delete_deviceless(self, user_id: str) -> None:
        """Remove the user's tokens that have no device (admins' "log in as user" tokens).

        Tokens with a device go with their device (ON DELETE CASCADE).
        """
        await self.sql.run(_DELETE_DEVICELESS, {"user_id": user_id})

    async def mark_used(self, token_id: int) -> None:
        await self.sql.run(_MARK_USED, {"id": token_id})
