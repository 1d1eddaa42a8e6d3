"""Links from a (JWT provider, subject) to the user it logs in as (``user_external_ids``)."""

from __future__ import annotations

from collections.abc import Sequence

from tessera.storage.repos.base import Repo

_USER_FOR = (
    "SELECT user_id FROM user_external_ids"
    " WHERE auth_provider = :auth_provider AND external_id = :external_id"
)
_OF_USER = (
    "SELECT auth_provider, external_id FROM user_external_ids"
    " WHERE user_id = :user_id ORDER BY auth_provider, external_id"
)
_LINKED = (
    "SELECT 1 AS linked FROM user_external_ids"
    " WHERE user_id = :user_id AND auth_provider = :auth_provider LIMIT 1"
)
_ADD = (
    "INSERT INTO user_external_ids (auth_provider, external_id, user_id)"
    " VALUES (:auth_provider, :external_id, :user_id) ON CONFLICT DO NOTHING"
)
_REMOVE = (
    "DELETE FROM user_external_ids WHERE auth_provider = :auth_provider"
    " AND external_id = :external_id AND user_id = :user_id"
)
_REMOVE_ALL = "DELETE FROM user_external_ids WHERE user_id = :user_id"


class ExternalIdRepo(Repo):
    async def user_for(self, auth_provider: str, external_id: str) -> str | None:
        """The user (provider, subject) is linked to, if any."""
        row = await self.sql.row(
            _USER_FOR, {"auth_provider": auth_provider, "external_id": external_id}
        )
        return None if row is None else str(row["user_id"])

    async def list_for_user(self, user_id: str) -> Sequence[tuple[str, str]]:
        """(provider, subject) of each of the user's links, sorted."""
        rows = await self.sql.rows(_OF_USER, {"user_id": user_id})
        return [(row["auth_provider"], row["external_id"]) for row in rows]

    async def is_linked(self, user_id: str, auth_provider: str) -> bool:
        """Whether the user has any link with ``auth_provider``."""
        row = await self.sql.row(_LINKED, {"user_id": user_id, "auth_provider": auth_provider})
        return row is not None

    async def add(self, auth_provider: str, external_id: str, user_id: str) -> bool:
        """Link (provider, subject) to the user; False when that pair is linked already."""
        values = {"auth_provider": auth_provider, "external_id": external_id, "user_id": user_id}
        return bool(await self.sql.run(_ADD, values))

    async def remove(self, auth_provider: str, external_id: str, user_id: str) -> bool:
        """Unlink (provider, subject) from the user; False when it was not theirs."""
        values = {"auth_provider": auth_provider, "external_id": external_id, "user_id": user_id}
        return bool(await self.sql.run(_REMOVE, values))

    async def remove_all(self, user_id: str) -> None:
        """Every link of the user goes."""
        await self.sql.run(_REMOVE_ALL, {"user_id": user_id})
