"""Appending to a room's one linear history, one event at a time.

Every write to a room goes through ``RoomWriter.timeline``: an in-process lock per room
(so the workers' tasks queue here rather than in the database), then one write
transaction that locks the room's row (so two workers never append at once, see
repos/rooms.py), reads the tip, and appends events each pointing at the one before. Each
event is authorized against the current state before it is stored; the notifier wakes
the syncs that wait for the room once the transaction commits (other workers through
``NOTIFY``, delivered on commit too).
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from tessera.core.errors import NotFound
from tessera.core.events.builder import build_event
from tessera.core.events.model import Event
from tessera.core.events.redaction import redact
from tessera.core.events.room_versions import ROOM_VERSIONS, RoomVersion
from tessera.core.events.signing import SigningKey
from tessera.core.rooms import Room, StoredEvent
from tessera.services.clock import Clock, now_ms
from tessera.services.rooms.authorization import (
    CREATE,
    StateKey,
    auth_types_for_event,
    authorize,
)
from tessera.services.sync.notifier import Notifier, room_key, user_key
from tessera.storage.ports import Store, Transaction


@dataclass(frozen=True)
class Signer:
    """Who signs this server's events: its name and its ed25519 key."""

    server_name: str
    key: SigningKey


def as_event(stored: StoredEvent, version: RoomVersion) -> Event:
    """The ``Event`` of a stored one (its ID is stored, not recomputed)."""
    return Event(stored.event_id, stored.room_id, stored.pdu, version)


def room_version(room: Room) -> RoomVersion:
    return ROOM_VERSIONS[room.room_version]


class Timeline:
    """One room's history inside one write transaction, with its current state at hand."""

    def __init__(
        self, txn: Transaction, room: Room, create: Event, signer: Signer, now: int
    ) -> None:
        self.txn = txn
        self.room = room
        self.version = room_version(room)
        self.create = create
        self._signer = signer
        self._now = now
        self._head = (room.head_event_id, room.head_depth)
        self._state: dict[StateKey, Event | None] = {CREATE: create}
        #: The notifier keys to wake once the transaction commits.
        self.wake: set[str] = {room_key(room.room_id)}

    async def state(self, event_type: str, state_key: str) -> Event | None:
        """The current value of ``(event_type, state_key)``, as of the last append."""
        key = (event_type, state_key)
        if key not in self._state:
            stored = await self.txn.room_state.get(self.room.room_id, event_type, state_key)
            self._state[key] = None if stored is None else as_event(stored, self.version)
        return self._state[key]

    async def append(
        self,
        sender: str,
        event_type: str,
        content: Mapping[str, Any],
        state_key: str | None = None,
        *,
        redacts: str | None = None,
    ) -> Event:
        """Authorize, sign and store one event after the current tip; it becomes the tip."""
        keys = auth_types_for_event(self.version, event_type, sender, state_key, content)
        auth_state = {key: event for key in keys if (event := await self.state(*key))}
        head_id, depth = self._head
        event = build_event(
            version=self.version,
            room_id=self.room.room_id,
            sender=sender,
            event_type=event_type,
            content=content,
            state_key=state_key,
            prev_event_ids=[head_id] if head_id else [],
            auth_event_ids=[e.event_id for e in auth_state.values()],
            depth=depth + 1,
            origin_server_ts=self._now,
            origin=self._signer.server_name,
            key=self._signer.key,
            redacts=redacts,
        )
        authorize(self.version, event, auth_state, self.create)
        await self.record(event)
        return event

    async def record(self, event: Event) -> None:
        """Store an authorized event at the tip and update state, memberships, redactions."""
        txn, room_id = self.txn, self.room.room_id
        stream = await txn.events.next_position()
        await txn.events.add(stream, event.event_id, room_id, event.pdu)
        self._head = (event.event_id, event.depth)
        await txn.rooms.set_head(room_id, event.event_id, event.depth)
        if event.state_key is not None:
            self._state[(event.type, event.state_key)] = event
            await txn.room_state.set(room_id, event.type, event.state_key, event.event_id, stream)
        if event.membership is not None and event.state_key is not None:
            await txn.memberships.set(
                room_id, event.state_key, event.membership, event.event_id, stream
            )
            self.wake.add(user_key(event.state_key))
        if event.redacts is not None:
            await self._apply_redaction(event.redacts, event.event_id)

    async def _apply_redaction(self, target_id: str, redaction_id: str) -> None:
        target = await self.txn.events.get(target_id)
        if target is None or target.room_id != self.room.room_id:
            return  # nothing of this room to strip (spec: the redaction stands on its own)
        await self.txn.events.redact(target_id, redact(target.pdu, self.version), redaction_id)


class RoomWriter:
    """Opens ``Timeline``s: the only way events are created."""

    def __init__(self, store: Store, signer: Signer, clock: Clock, notifier: Notifier) -> None:
        self._store = store
        self.signer = signer
        self._clock = clock
        self._notifier = notifier
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()

    def now(self) -> int:
        return now_ms(self._clock)

    @asynccontextmanager
    async def timeline(self, room_id: str) -> AsyncIterator[Timeline]:
        """A ``Timeline`` of an existing room; 404 ``M_NOT_FOUND`` for an unknown one."""
        async with self._lock(room_id):
            async with self._store.write() as txn:
                room = await txn.rooms.lock(room_id)
                if room is None:
                    raise NotFound(f"Unknown room {room_id}")
                stored = await txn.room_state.get(room_id, *CREATE)
                assert stored is not None, room_id
                create = as_event(stored, room_version(room))
                timeline = Timeline(txn, room, create, self.signer, self.now())
                yield timeline
                await txn.notifications.wake(sorted(timeline.wake))
            self._notifier.notify(timeline.wake)

    @asynccontextmanager
    async def new_room(self, create: Event, is_public: bool) -> AsyncIterator[Timeline]:
        """Store a room's create event and open its ``Timeline`` (room creation)."""
        async with self._store.write() as txn:
            room_id = create.room_id
            version = create.version.identifier
            await txn.rooms.add(room_id, version, create.sender, is_public, self.now())
            room = Room(room_id, version, create.sender, is_public, None, 0)
            timeline = Timeline(txn, room, create, self.signer, self.now())
            await timeline.record(create)
            yield timeline
            await txn.notifications.wake(sorted(timeline.wake))
        self._notifier.notify(timeline.wake)

    def _lock(self, room_id: str) -> asyncio.Lock:
        lock = self._locks.get(room_id)
        if lock is None:
            lock = self._locks[room_id] = asyncio.Lock()
        return lock
