"""Sync filters users upload, kept as sent (one row per distinct filter per user)."""

from __future__ import annotations

from tessera.storage.repos.base import Repo

_ADD = (
    "INSERT INTO user_filters (user_id, filter_hash, filter_json)"
    " VALUES (:user_id, :filter_hash, :filter_json)"
    " ON CONFLICT (user_id, filter_hash) DO NOTHING"
)
_BY_HASH = (
    "SELECT filter_id FROM user_filters WHERE user_id = :user_id AND filter_hash = :filter_hash"
)
_GET = "SELECT filter_json FROM user_filters WHERE filter_id = :filter_id AND user_id = :user_id"


class FilterRepo(Repo):
    async def add(self, user_id: str, filter_hash: bytes, filter_json: str) -> int:
        """The ID of this filter of the user: a new one, or the one it already had."""
        key = {"user_id": user_id, "filter_hash": filter_hash}
        await self.sql.run(_ADD, {**key, "filter_json": filter_json})
        row = await self.sql.row(_BY_HASH, key)
        assert row is not None
        return int(row["filter_id"])

    async def get(self, user_id: str, filter_id: int) -> str | None:
        """The filter's JSON text, if the user has a filter of that ID."""
        row = await self.sql.row(_GET, {"filter_id": filter_id, "user_id": user_id})
        return None if row is None else str(row["filter_json"])
