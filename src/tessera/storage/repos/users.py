"""Users and their profile fields."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import bindparam, func, or_, select, update

from tessera.core.models import User
from tessera.storage.repos.base import Repo
from tessera.storage.tables import users


class UserRepo(Repo):
    async def get(self, user_id: str) -> User | None:
        row = (await self.conn.execute(_BY_ID, {"user_id": user_id})).first()
        return _user(row._mapping) if row else None

    async def find_case_insensitive(self, user_id: str) -> Sequence[User]:
        """Every user whose ID equals ``user_id`` ignoring case."""
        rows = await self.conn.execute(_BY_LOWER_ID, {"lower_id": user_id.lower()})
        return [_user(row._mapping) for row in rows]

    async def page(
        self,
        *,
        offset: int,
        limit: int,
        name: str | None = None,
        deactivated: bool | None = False,
        admins: bool | None = None,
        order_by: str = "name",
        descending: bool = False,
    ) -> tuple[Sequence[User], int]:
        """One page of users and how many match in all (the admin API's listing).

        ``name`` matches inside the localpart or the display name, ignoring case.
        """
        conditions = []
        if name:
            needle = f"%{name.lower()}%"
            conditions.append(
                or_(
                    func.lower(users.c.user_id).like(needle),
                    func.lower(users.c.display_name).like(needle),
                )
            )
        if deactivated is not None:
            conditions.append(users.c.deactivated.is_(deactivated))
        if admins is not None:
            conditions.append(users.c.is_admin.is_(admins))
        total = (
            await self.conn.execute(select(func.count()).select_from(users).where(*conditions))
        ).scalar_one()
        column = _ORDER_COLUMNS[order_by]
        ordering = [column.desc() if descending else column.asc(), users.c.user_id.asc()]
        query = select(users).where(*conditions).order_by(*ordering).offset(offset).limit(limit)
        return [_user(row._mapping) for row in await self.conn.execute(query)], int(total)

    async def count_active(self) -> int:
        query = select(func.count()).select_from(users).where(users.c.deactivated.is_(False))
        return int((await self.conn.execute(query)).scalar_one())

    async def set_admin(self, user_id: str, admin: bool) -> None:
        await self._set(user_id, is_admin=admin)

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


_BY_ID = select(users).where(users.c.user_id == bindparam("user_id"))
_BY_LOWER_ID = select(users).where(func.lower(users.c.user_id) == bindparam("lower_id"))

#: Synapse's ``order_by`` values that mean something here.
_ORDER_COLUMNS = {
    "name": users.c.user_id,
    "displayname": users.c.display_name,
    "admin": users.c.is_admin,
    "deactivated": users.c.deactivated,
    "avatar_url": users.c.avatar_url,
    "creation_ts": users.c.created_ts,
}


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
