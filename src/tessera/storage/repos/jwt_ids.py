"""JWT IDs that have logged in once (``jti_replay_protection``)."""

from __future__ import annotations

from sqlalchemy import delete

from tessera.storage.repos.base import Repo
from tessera.storage.tables import jwt_used_ids


class JwtIdRepo(Repo):
    async def claim(self, id_hash: bytes, expiry_ts: int) -> bool:
        """Record a token ID as used; False when it was used already.

        One statement (INSERT … ON CONFLICT DO NOTHING): two workers
        claiming the same ID at once cannot both succeed.
        """
        return await self.insert_if_absent(
            jwt_used_ids, {"id_hash": id_hash, "expiry_ts": expiry_ts}
        )

    async def purge_expired(self, now_ms: int) -> int:
        """Forget IDs of tokens that have expired (they are refused on ``exp`` anyway)."""
        result = await self.conn.execute(
            delete(jwt_used_ids).where(jwt_used_ids.c.expiry_ts < now_ms)
        )
        return result.rowcount
