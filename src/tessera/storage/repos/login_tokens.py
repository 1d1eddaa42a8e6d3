"""Single-use ``m.login.token`` tokens."""

from __future__ import annotations

from tessera.storage.repos.base import Repo

_ADD = (
    "INSERT INTO login_tokens (token_hash, user_id, expiry_ts)"
    " VALUES (:token_hash, :user_id, :expiry_ts)"
)
_TAKE = "DELETE FROM login_tokens WHERE token_hash = :token_hash RETURNING user_id, expiry_ts"
_PURGE = "DELETE FROM login_tokens WHERE expiry_ts < :now"


class LoginTokenRepo(Repo):
    async def add(self, token_hash: bytes, user_id: str, expiry_ts: int) -> None:
        params = {"token_hash": token_hash, "user_id": user_id, "expiry_ts": expiry_ts}
        await self.sql.run(_ADD, params)

    async def take(self, token_hash: bytes) -> tuple[str, int] | None:
        """Remove the token and return (user_id, expiry_ts): it can be taken only once."""
        row = await self.sql.row(_TAKE, {"token_hash": token_hash})
        return None if row is None else (row["user_id"], row["expiry_ts"])

    async def purge_expired(self, now_ms: int) -> None:
        await self.sql.run(_PURGE, {"now": now_ms})
