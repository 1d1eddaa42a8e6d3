"""Who is in which room, for the per-user streams (receipts, typing, presence)."""

from __future__ import annotations

from tessera.storage.ports import Store


class RoomMembers:
    """``services.streams.RoomMembership`` over the rooms' memberships."""

    def __init__(self, store: Store) -> None:
        self._store = store

    async def is_joined(self, user_id: str, room_id: str) -> bool:
        async with self._store.read() as txn:
            membership = await txn.memberships.get(room_id, user_id)
        return membership is not None and membership.membership == "join"

    async def shares_room(self, user_id: str, other_user_id: str) -> bool:
        async with self._store.read() as txn:
            return await txn.memberships.share_a_room(user_id, other_user_id)
