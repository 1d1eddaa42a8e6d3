"""Users and their profile fields."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tessera.core.models import User
from tessera.storage.repos.base import Repo
from tessera.storage.sql import Row

_COLUMNS = (
    "user_id, display_name, avatar_url, password_hash, is_admin, deactivated, created_ts, erased"
)
_BY_ID = f"SELECT {_COLUMNS} FROM users WHERE user_id = :user_id"
# Served by the unique index on lower(user_id).
_BY_LOWER_ID = f"SELECT {_COLUMNS} FROM users WHERE lower(user_id) = :lower_id"
_CREATE = (
    "INSERT INTO users (user_id, display_name, created_ts)"
    " VALUES (:user_id, :display_name, :created_ts) ON CONFLICT DO NOTHING"
)
# One statement for the common login: the user a (provider, subject) is linked to.
_BY_EXTERNAL_ID = (
    f"SELECT {', '.join(f'u.{c}' for c in _COLUMNS.split(', '))} FROM user_external_ids e"
    " JOIN users u ON u.user_id = e.user_id"
    " WHERE e.auth_provider = :auth_provider AND e.external_id = :external_id"
)
_COUNT_ACTIVE = "SELECT count(*) AS n FROM users WHERE deactivated = false"

#: Synapse's ``order_by`` values that mean something here → the column.
_ORDER_COLUMNS = {
    "name": "user_id",
    "displayname": "display_name",
    "admin": "is_admin",
    "deactivated": "deactivated",
    "avatar_url": "avatar_url",
    "creation_ts": "created_ts",
}
#: The columns ``_set`` may change (names are spliced into SQL: never from a request).
_SETTABLE = frozenset(
    {"display_name", "avatar_url", "password_hash", "is_admin", "deactivated", "erased"}
)


class UserRepo(Repo):
    async def get(self, user_id: str) -> User | None:
        row = await self.sql.row(_BY_ID, {"user_id": user_id})
        return _user(row) if row else None

    async def linked_to(self, auth_provider: str, external_id: str) -> User | None:
        """The user (provider, subject) is linked to (``user_external_ids``), if any."""
        values = {"auth_provider": auth_provider, "external_id": external_id}
        row = await self.sql.row(_BY_EXTERNAL_ID, values)
        return _user(row) if row else None

    async def find_case_insensitive(self, user_id: str) -> Sequence[User]:
        """Every user whose ID equals ``user_id`` ignoring case."""
        rows = await self.sql.rows(_BY_LOWER_ID, {"lower_id": user_id.lower()})
        return [_user(row) for row in rows]

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
        conditions = ["1 = 1"]
        params: dict[str, Any] = {"limit": limit, "offset": offset}
        if name:
            conditions.append("(lower(user_id) LIKE :needle OR lower(display_name) LIKE :needle)")
            params["needle"] = f"%{name.lower()}%"
        if deactivated is not None:
            conditions.append("deactivated = :deactivated")
            params["deactivated"] = deactivated
        if admins is not None:
            conditions.append("is_admin = :admins")
            params["admins"] = admins
        where = " AND ".join(conditions)
        total = await self.sql.row(f"SELECT count(*) AS n FROM users WHERE {where}", params)
        direction = "DESC" if descending else "ASC"
        order = f"{_ORDER_COLUMNS[order_by]} {direction}, user_id ASC"
        rows = await self.sql.rows(
            f"SELECT {_COLUMNS} FROM users WHERE {where} ORDER BY {order}"
            " LIMIT :limit OFFSET :offset",
            params,
        )
        return [_user(row) for row in rows], int(total["n"]) if total else 0

    async def count_active(self) -> int:
        row = await self.sql.row(_COUNT_ACTIVE)
        return int(row["n"]) if row else 0

    async def set_admin(self, user_id: str, admin: bool) -> None:
        await self._set(user_id, is_admin=admin)

    async def create(self, user_id: str, display_name: str | None, now_ms: int) -> bool:
        """Add a user; False when one with the same (case-folded) ID exists already."""
        values = {"user_id": user_id, "display_name": display_name, "created_ts": now_ms}
        return bool(await self.sql.run(_CREATE, values))

    async def set_deactivated(self, user_id: str, deactivated: bool) -> None:
        await self._set(user_id, deactivated=deactivated)

    async def set_erased(self, user_id: str, erased: bool) -> None:
        await self._set(user_id, erased=erased)

    async def set_profile(self, user_id: str, **fields: str | None) -> None:
        """Set ``display_name`` and/or ``avatar_url``."""
        await self._set(user_id, **fields)

    async def set_password_hash(self, user_id: str, password_hash: str | None) -> None:
        await self._set(user_id, password_hash=password_hash)

    async def _set(self, user_id: str, **values: object) -> None:
        unknown = values.keys() - _SETTABLE
        if unknown:
            raise ValueError(f"not a settable user column: {sorted(unknown)}")
        assignments = ", ".join(f"{column} = :{column}" for column in values)
        await self.sql.run(
            f"UPDATE users SET {assignments} WHERE user_id = :user_id",
            {**values, "user_id": user_id},
        )


def _user(row: Row) -> User:
    return User(
        user_id=row["user_id"],
        display_name=row["display_name"],
        avatar_url=row["avatar_url"],
        is_admin=bool(row["is_admin"]),
        deactivated=bool(row["deactivated"]),
        created_ts=row["created_ts"],
        password_hash=row["password_hash"],
        erased=bool(row["erased"]),
    )
