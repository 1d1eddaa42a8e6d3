"""JWT IDs that have logged in once (``jti_replay_protection``)."""

from __future__ import annotations

from tessera.storage.repos.base import Repo

_CLAIM = (
    "INSERT INTO jwt_used_ids (id_hash, expiry_ts) VALUES (:id_hash, :expiry_ts)"
    " ON CONFLICT DO NOTHING"
)
_PURGE = "DELETE FROM jwt_used_ids WHERE expiry_ts < :now"


class JwtIdRepo(Repo):
    async def claim(self, id_hash: bytes, expiry_ts: int) -> bool:
        """Record a token ID as used; False when it was used already.

        One statement (INSERT … ON CONFLICT DO NOTHING): two workers
        claiming the same ID at once cannot both succeed.
        """
        return bool(await self.sql.run(_CLAIM, {"id_hash": id_hash, "expiry_ts": expiry_ts}))

    async def purge_expired(self, now_ms: int) -> int:
        """Forget IDs of tokens that have expired (they are refused on ``exp`` anyway)."""
        return await self.sql.run(_PURGE, {"now": now_ms})
