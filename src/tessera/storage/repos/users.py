"""Users and their profile fields."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select, update

from tessera.core.models import User
from tessera.storage.repos.base import Repo
from tessera.storage.tables import users


class UserRepo(Repo):
    async def get(self, user_id: str) -> User | None:
        row = (await self.conn.execute(select(users).where(users.c.user_id == user_id))).first()
        return _user(row._mapping) if row else None

    async def find_case_insensitive(self, user_id: str) -> Sequence[User]:
        """Every user whose ID equals ``user_id`` ignoring case."""
        query = select(users).where(func.lower(users.c.user_id) == user_id.lower())
        return [_user(row._mapping) for row in await self.conn.execute(query)]

    async def create(self, user_id: str, display_name: str | None, now_ms: int) -> bool:
        """Add a user; False when one with the same (case-folded) ID exists already."""
        values = {"user_id": user_id, "display_name": display_name, "created_ts": now_ms}
        return await self.insert_if_absent(users, values)

    async def set_deactivated(self, user_id: str, deactivated: bool) -> None:
        await self._set(user_id, deactivated=deactivated)

    async def set_profile(self, user_id: str, **fields: str | None) -> None:
        """Set ``display_name`` and/or ``avatar_url``."""
        await self._set(user_id, **fields)

    async def set_password_hash(self, user_id: str, password_hash: str | None) -> None:
        await self._set(user_id, password_hash=password_hash)

    async def _set(self, user_id: str, **values: object) -> None:
        await self.conn.execute(update(users).where(users.c.user_id == user_id).values(**values))


def _user(row: Any) -> User:
    return User(
        user_id=row["user_id"],
        display_name=row["display_name"],
        avatar_url=row["avatar_url"],
        is_admin=bool(row["is_admin"]),
        deactivated=bool(row["deactivated"]),
        created_ts=row["created_ts"],
        password_hash=row["password_hash"],
    )
