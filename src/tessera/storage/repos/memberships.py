"""Each user's current membership of each room (a projection of the rooms' member events)."""

from __future__ import annotations

from collections.abc import Sequence

from tessera.core.rooms import Membership
from tessera.storage.repos.base import Repo
from tessera.storage.sql import Row

_COLUMNS = "room_id, user_id, membership, event_id, stream, forgotten"
_SET = (
    "INSERT INTO room_memberships (room_id, user_id, membership, event_id, stream)"
    " VALUES (:room_id, :user_id, :membership, :event_id, :stream)"
    " ON CONFLICT (room_id, user_id) DO UPDATE SET membership = excluded.membership,"
    " event_id = excluded.event_id, stream = excluded.stream, forgotten = false"
)
_GET = f"SELECT {_COLUMNS} FROM room_memberships WHERE room_id = :room_id AND user_id = :user_id"
_OF_USER = (
    f"SELECT {_COLUMNS} FROM room_memberships WHERE user_id = :user_id"
    " AND membership = :membership ORDER BY room_id"
)
_CHANGED = (
    f"SELECT {_COLUMNS} FROM room_memberships WHERE user_id = :user_id"
    " AND stream > :after AND stream <= :until"
)
_VISIBLE = (
    f"SELECT {_COLUMNS} FROM room_memberships WHERE user_id = :user_id AND forgotten = false"
    " AND membership IN ('join', 'invite', 'leave', 'ban', 'knock')"
)
_MEMBERS = f"SELECT {_COLUMNS} FROM room_memberships WHERE room_id = :room_id ORDER BY user_id"
_COUNT_JOINED = (
    "SELECT count(*) AS n FROM room_memberships WHERE room_id = :room_id AND membership = 'join'"
)
_SHARED = (
    "SELECT a.room_id FROM room_memberships a JOIN room_memberships b ON b.room_id = a.room_id"
    " WHERE a.user_id = :user_id AND a.membership = 'join'"
    " AND b.user_id = :other AND b.membership = 'join' LIMIT 1"
)
_CO_MEMBERS = (
    "SELECT DISTINCT b.user_id FROM room_memberships a"
    " JOIN room_memberships b ON b.room_id = a.room_id"
    " WHERE a.user_id = :user_id AND a.membership = 'join' AND b.membership = 'join'"
)
_FORGET = (
    "UPDATE room_memberships SET forgotten = true WHERE room_id = :room_id AND user_id = :user_id"
)


class MembershipRepo(Repo):
    async def set(
        self, room_id: str, user_id: str, membership: str, event_id: str, stream: int
    ) -> None:
        """Record the membership a member event just set (a forgotten room is remembered again)."""
        params = {
            "room_id": room_id,
            "user_id": user_id,
            "membership": membership,
            "event_id": event_id,
            "stream": stream,
        }
        await self.sql.run(_SET, params)

    async def get(self, room_id: str, user_id: str) -> Membership | None:
        row = await self.sql.row(_GET, {"room_id": room_id, "user_id": user_id})
        return _membership(row) if row else None

    async def rooms_of(self, user_id: str, membership: str) -> Sequence[Membership]:
        """The user's rooms with this membership (``join`` for /joined_rooms)."""
        params = {"user_id": user_id, "membership": membership}
        return [_membership(row) for row in await self.sql.rows(_OF_USER, params)]

    async def changed(self, user_id: str, after: int, until: int) -> Sequence[Membership]:
        """The user's memberships that changed with ``after < stream <= until``."""
        params = {"user_id": user_id, "after": after, "until": until}
        return [_membership(row) for row in await self.sql.rows(_CHANGED, params)]

    async def all_of(self, user_id: str) -> Sequence[Membership]:
        """Every room the user has a membership in and has not forgotten."""
        return [_membership(row) for row in await self.sql.rows(_VISIBLE, {"user_id": user_id})]

    async def members(self, room_id: str) -> Sequence[Membership]:
        return [_membership(row) for row in await self.sql.rows(_MEMBERS, {"room_id": room_id})]

    async def joined_count(self, room_id: str) -> int:
        row = await self.sql.row(_COUNT_JOINED, {"room_id": room_id})
        return int(row["n"]) if row else 0

    async def share_a_room(self, user_id: str, other: str) -> bool:
        """Whether both users are joined to at least one common room."""
        return await self.sql.row(_SHARED, {"user_id": user_id, "other": other}) is not None

    async def co_members(self, user_id: str) -> frozenset[str]:
        """Everyone joined to a room the user is joined to (the user included), in one query."""
        rows = await self.sql.rows(_CO_MEMBERS, {"user_id": user_id})
        return frozenset(row["user_id"] for row in rows)

    async def forget(self, room_id: str, user_id: str) -> None:
        await self.sql.run(_FORGET, {"room_id": room_id, "user_id": user_id})


def _membership(row: Row) -> Membership:
    return Membership(
        room_id=row["room_id"],
        user_id=row["user_id"],
        membership=row["membership"],
        event_id=row["event_id"],
        stream=int(row["stream"]),
        forgotten=bool(row["forgotten"]),
    )
