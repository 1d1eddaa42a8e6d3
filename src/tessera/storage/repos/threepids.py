"""A user's third-party IDs (only e-mail addresses so far)."""

from __future__ import annotations

from collections.abc import Sequence

from tessera.core.models import Threepid
from tessera.storage.repos.base import Repo

_LIST = (
    "SELECT medium, address, validated_at, added_at FROM user_threepids"
    " WHERE user_id = :user_id ORDER BY medium, address"
)
_OF_MEDIUM = "SELECT address FROM user_threepids WHERE user_id = :user_id AND medium = :medium"
_DELETE_MEDIUM = "DELETE FROM user_threepids WHERE user_id = :user_id AND medium = :medium"
_DELETE_ALL = "DELETE FROM user_threepids WHERE user_id = :user_id"
_ADD = (
    "INSERT INTO user_threepids (user_id, medium, address, validated_at, added_at)"
    " VALUES (:user_id, :medium, :address, :now, :now)"
)


class ThreepidRepo(Repo):
    async def list_for_user(self, user_id: str) -> Sequence[Threepid]:
        """The user's 3PIDs, by medium and address."""
        rows = await self.sql.rows(_LIST, {"user_id": user_id})
        return [Threepid(r["medium"], r["address"], r["validated_at"], r["added_at"]) for r in rows]

    async def delete_all(self, user_id: str) -> None:
        """Forget every 3PID of the user (deactivation, as in Synapse)."""
        await self.sql.run(_DELETE_ALL, {"user_id": user_id})

    async def replace(self, user_id: str, medium: str, address: str | None, now_ms: int) -> bool:
        """Make ``address`` the user's only 3PID of ``medium``; True when anything changed."""
        of_medium = {"user_id": user_id, "medium": medium}
        addresses = {row["address"] for row in await self.sql.rows(_OF_MEDIUM, of_medium)}
        wanted = {address} if address is not None else set()
        if addresses == wanted:
            return False
        await self.sql.run(_DELETE_MEDIUM, of_medium)
        if address is not None:
            await self.sql.run(_ADD, {**of_medium, "address": address, "now": now_ms})
        return True
