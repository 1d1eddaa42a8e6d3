"""``PUT /rooms/{roomId}/send/{type}/{txnId}`` and ``/redact`` (spec: "Sending events",
"Redactions").

A transaction ID is remembered per access token's device (or per token for a device-less
one) and per request path (room, and event type or redacted event), for as long as the
database keeps the row, so a client that retries gets the event it already made, never a
second one, and the same ID used for another room or type makes a new event (Synapse). The
check is repeated inside the room's lock, so two retries racing each other still make one.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from tessera.core.errors import Forbidden
from tessera.core.events.auth.redactions import may_redact
from tessera.core.events.model import Event
from tessera.core.models import Requester
from tessera.core.rooms.ids import parse_room_id
from tessera.services.rate_limits import Limit
from tessera.services.rooms.timeline import RoomWriter, Timeline
from tessera.storage.ports import Store


def txn_scope(who: Requester) -> str:
    """What a transaction ID is unique within: the device, else the token."""
    return who.device_id if who.device_id is not None else f"token:{who.token_id}"


class RoomSender:
    def __init__(self, store: Store, writer: RoomWriter, limit: Limit) -> None:
        self._store = store
        self._writer = writer
        #: ``rc_message``, per user; a retried transaction ID costs nothing.
        self._limit = limit

    async def send(
        self,
        who: Requester,
        room_id: str,
        event_type: str,
        content: Mapping[str, Any],
        txn_id: str | None,
        *,
        state_key: str | None = None,
    ) -> str:
        """Append a message (or, with ``state_key``, a state event); its event ID."""

        async def append(timeline: Timeline) -> Event:
            return await timeline.append(who.user_id, event_type, content, state_key)

        return await self._once(who, room_id, f"{room_id}/send/{event_type}", txn_id, append)

    async def redact(
        self,
        who: Requester,
        room_id: str,
        event_id: str,
        reason: str | None,
        txn_id: str | None,
    ) -> str:
        """Redact ``event_id``: the sender's own events, or anyone's with the redact level."""
        content: dict[str, Any] = {} if reason is None else {"reason": reason}

        async def append(timeline: Timeline) -> Event:
            await self._check_redaction(timeline, who.user_id, event_id)
            return await timeline.append(who.user_id, "m.room.redaction", content, redacts=event_id)

        return await self._once(who, room_id, f"{room_id}/redact/{event_id}", txn_id, append)

    async def _once(
        self,
        who: Requester,
        room_id: str,
        request: str,
        txn_id: str | None,
        append: Callable[[Timeline], Awaitable[Event]],
    ) -> str:
        """Run ``append`` in the room, unless this transaction ID of this request ran already
        (checked before the room's lock, and again under it: a racing retry waits there)."""
        parse_room_id(room_id)
        key = (who.user_id, txn_scope(who), request)
        if txn_id is not None:
            async with self._store.read() as txn:
                if (seen := await txn.event_transactions.get(*key, txn_id)) is not None:
                    return seen
        await self._limit.acquire(who.user_id)
        async with self._writer.timeline(room_id) as timeline:
            if txn_id is not None:
                seen = await timeline.txn.event_transactions.get(*key, txn_id)
                if seen is not None:
                    return seen
            event = await append(timeline)
            if txn_id is not None:
                await timeline.txn.event_transactions.add(
                    *key, txn_id, event.event_id, self._writer.now()
                )
            return event.event_id

    async def _check_redaction(self, timeline: Timeline, sender: str, event_id: str) -> None:
        target = await timeline.txn.events.get(event_id)
        if target is None or target.room_id != timeline.room.room_id:
            return  # the auth rules still decide whether the redaction event may be sent
        state = {}
        if (levels := await timeline.state("m.room.power_levels", "")) is not None:
            state[("m.room.power_levels", "")] = levels
        if not may_redact(timeline.version, sender, target.sender, state, timeline.create):
            raise Forbidden("You don't have permission to redact events")
