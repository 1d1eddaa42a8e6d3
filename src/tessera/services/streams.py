"""What the per-user streams share, and the two ports the composition root wires.

Each stream (account data, receipts, typing, presence) has one position,
taken from ``stream_positions`` in the transaction that makes the change.
After the commit its service calls the ``Wakeup`` port with a
``StreamChange`` naming the stream, the new position and whom it concerns;
on PostgreSQL the same change is also announced with ``NOTIFY`` on
``tessera_streams`` (``storage/repos/streams.py``), so a sync notifier on
another worker can wake its waiters too.

The "is this user in that room" questions go to the ``RoomMembership`` port,
which the rooms layer implements.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from tessera.core.sync.records import StreamChange as StreamChange  # re-exported for callers
from tessera.storage.ports import StreamStore, StreamTransaction

ACCOUNT_DATA = "account_data"
RECEIPTS = "receipts"
TYPING = "typing"
PRESENCE = "presence"
STREAMS = (ACCOUNT_DATA, RECEIPTS, TYPING, PRESENCE)


class Wakeup(Protocol):
    """Called after a change commits (in-process; other workers hear the NOTIFY)."""

    def __call__(self, change: StreamChange) -> None: ...


def no_wakeup(change: StreamChange) -> None:
    """The ``Wakeup`` until a sync notifier is wired: nobody waits yet."""


class RoomMembership(Protocol):
    """What the rooms layer answers for these streams."""

    async def is_joined(self, user_id: str, room_id: str) -> bool:
        """Whether the user's membership in the room is ``join`` now."""
        ...

    async def shares_room(self, user_id: str, other_user_id: str) -> bool:
        """Whether both users are joined to at least one common room."""
        ...


class NoRooms:
    """``RoomMembership`` of a server without rooms: nobody is in any room."""

    async def is_joined(self, user_id: str, room_id: str) -> bool:
        return False

    async def shares_room(self, user_id: str, other_user_id: str) -> bool:
        return False


async def advance(
    txn: StreamTransaction,
    stream: str,
    users: Sequence[str] = (),
    rooms: Sequence[str] = (),
) -> StreamChange:
    """Take the stream's next position in ``txn`` and announce it to other workers."""
    position = await txn.streams.advance(stream)
    await txn.streams.announce(stream, position, users, rooms)
    return StreamChange(stream, position, tuple(users), tuple(rooms))


async def current_positions(store: StreamStore) -> dict[str, int]:
    """Every stream's newest position, read at once (what a sync token records)."""
    async with store.read() as txn:
        return {stream: await txn.streams.current(stream) for stream in STREAMS}
