"""``PUT /rooms/{roomId}/send/{type}/{txnId}`` and ``/redact`` (spec: "Sending events",
"Redactions").

A transaction ID is remembered per access token's device (or per token for a device-less
one) for as long as the database keeps the row, so a client that retries gets the event it
already made, never a second one. The check is repeated inside the room's lock, so two
retries racing each other still make one event.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tessera.core.errors import Forbidden
from tessera.core.events.auth.redactions import may_redact
from tessera.core.models import Requester
from tessera.core.rooms.ids import parse_room_id
from tessera.services.rooms.timeline import RoomWriter, Timeline
from tessera.storage.ports import Store


def txn_scope(who: Requester) -> str:
    """What a transaction ID is unique within: the device, else the token."""
    return who.device_id if who.device_id is not None else f"token:{who.token_id}"


class RoomSender:
    def __init__(self, store: Store, writer: RoomWriter) -> None:
        self._store = store
        self._writer = writer

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
        parse_room_id(room_id)
        if txn_id is not None and (seen := await self._seen(who, txn_id)) is not None:
            return seen
        async with self._writer.timeline(room_id) as timeline:
            if txn_id is not None:
                seen = await timeline.txn.event_transactions.get(
                    who.user_id, txn_scope(who), txn_id
                )
                if seen is not None:
                    return seen
            event = await timeline.append(who.user_id, event_type, content, state_key)
            if txn_id is not None:
                await timeline.txn.event_transactions.add(
                    who.user_id, txn_scope(who), txn_id, event.event_id, self._writer.now()
                )
            return event.event_id

    async def redact(
        self,
        who: Requester,
        room_id: str,
        event_id: str,
        reason: str | None,
        txn_id: str | None,
    ) -> str:
        """Redact ``event_id``: the sender's own events, or anyone's with the redact level."""
        parse_room_id(room_id)
        if txn_id is not None and (seen := await self._seen(who, txn_id)) is not None:
            return seen
        content: dict[str, Any] = {} if reason is None else {"reason": reason}
        async with self._writer.timeline(room_id) as timeline:
            await self._check_redaction(timeline, who.user_id, event_id)
            event = await timeline.append(
                who.user_id, "m.room.redaction", content, redacts=event_id
            )
            if txn_id is not None:
                await timeline.txn.event_transactions.add(
                    who.user_id, txn_scope(who), txn_id, event.event_id, self._writer.now()
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

    async def _seen(self, who: Requester, txn_id: str) -> str | None:
        async with self._store.read() as txn:
            return await txn.event_transactions.get(who.user_id, txn_scope(who), txn_id)
