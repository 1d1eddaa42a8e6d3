"""A user's third-party IDs (only e-mail addresses so far)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, select

from tessera.storage.repos.base import Repo
from tessera.storage.tables import user_threepids


class ThreepidRepo(Repo):
    async def list_for_user(self, user_id: str) -> Sequence[tuple[str, str, int, int]]:
        """(medium, address, validated_at, added_at) of each of the user's 3PIDs."""
        t = user_threepids.c
        result = await self.conn.execute(
            select(t.medium, t.address, t.validated_at, t.added_at)
            .where(t.user_id == user_id)
            .order_by(t.medium, t.address)
        )
        return [(row.medium, row.address, row.validated_at, row.added_at) for row in result]

    async def replace(self, user_id: str, medium: str, address: str | None, now_ms: int) -> bool:
        """Make ``address`` the user's only 3PID of ``medium``; True when anything changed."""
        t = user_threepids.c
        current = await self.conn.execute(
            select(t.address).where(t.user_id == user_id, t.medium == medium)
        )
        addresses = {row.address for row in current}
        wanted = {address} if address is not None else set()
        if addresses == wanted:
            return False
        await self.conn.execute(
            delete(user_threepids).where(t.user_id == user_id, t.medium == medium)
        )
        if address is not None:
            await self.conn.execute(
                user_threepids.insert().values(
                    user_id=user_id,
                    medium=medium,
                    address=address,
                    validated_at=now_ms,
                    added_at=now_ms,
                )
            )
        return True
