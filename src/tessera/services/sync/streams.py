"""The shape every sync stream has, and what one sync request hands them.

Sync is a set of streams, one position each in the token (core/sync/token.py): room events
(services/sync/rooms.py) and, slotting in beside it, account data, receipts, typing,
presence, to-device messages and device lists. A stream says where it is now
(``current_position``) and adds to the response what changed for the user between two of
its positions (``collect``); the notifier wakes a waiting sync when any of them moves.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class SyncRequest:
    """Who is syncing, and what the rooms stream found they are in."""

    user_id: str
    device_id: str | None
    full_state: bool
    initial: bool
    #: Rooms in the response's ``join`` section (other streams add ephemeral/account data).
    joined_room_ids: tuple[str, ...] = ()


@dataclass
class SyncParts:
    """The response being built; each stream fills its part."""

    rooms_join: dict[str, dict[str, Any]] = field(default_factory=dict)
    rooms_invite: dict[str, dict[str, Any]] = field(default_factory=dict)
    rooms_leave: dict[str, dict[str, Any]] = field(default_factory=dict)
    account_data: list[dict[str, Any]] = field(default_factory=list)
    presence: list[dict[str, Any]] = field(default_factory=list)
    to_device: list[dict[str, Any]] = field(default_factory=list)
    #: room ID → ephemeral events (typing, receipts) / that room's account data.
    ephemeral: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    room_account_data: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def is_empty(self) -> bool:
        return not (
            self.rooms_join
            or self.rooms_invite
            or self.rooms_leave
            or self.account_data
            or self.presence
            or self.to_device
            or any(self.ephemeral.values())
            or any(self.room_account_data.values())
        )


class SyncStream(Protocol):
    """One stream of sync (account data, receipts, typing, presence …)."""

    #: Its name in the token (one of ``core.sync.token.STREAMS``).
    name: str

    async def current_position(self) -> int:
        """Where the stream is now (valid on every worker, and after a restart)."""
        ...

    async def collect(
        self, request: SyncRequest, since: int | None, until: int, parts: SyncParts
    ) -> None:
        """Add what changed for ``request.user_id`` with ``since < position <= until``
        (everything current when ``since`` is None: an initial sync)."""
        ...
