"""A ``RoomMembership`` over memberships a test declares, until the rooms layer provides one."""

from __future__ import annotations


class Memberships:
    """Who is joined where, as the test says: the real port, over the test's own data."""

    def __init__(self, joined: dict[str, set[str]] | None = None) -> None:
        #: room ID → user IDs joined to it.
        self.joined: dict[str, set[str]] = joined or {}

    def join(self, room_id: str, *user_ids: str) -> None:
        self.joined.setdefault(room_id, set()).update(user_ids)

    def leave(self, room_id: str, user_id: str) -> None:
        self.joined.get(room_id, set()).discard(user_id)

    async def is_joined(self, user_id: str, room_id: str) -> bool:
        return user_id in self.joined.get(room_id, set())

    async def shares_room(self, user_id: str, other_user_id: str) -> bool:
        return any({user_id, other_user_id} <= members for members in self.joined.values())
