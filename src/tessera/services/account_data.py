"""Account data, global and per room (spec: Client-Server API, "Client Config").

A stream for sync: ``changes_for`` gives what a sync shows between two
positions. ``m.push_rules`` is written by the push rules service (whenever the
user changes a rule) and ``m.fully_read`` by read markers, never directly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson

from tessera.core.errors import ErrCode, Forbidden, InvalidParam, MatrixError, NotFound
from tessera.core.ids import parse_user_id, storable
from tessera.core.models import Requester
from tessera.core.push.rules import ruleset
from tessera.core.rooms.ids import is_room_id
from tessera.services.streams import ACCOUNT_DATA, StreamChange, Wakeup, advance, no_wakeup
from tessera.storage.ports import StreamStore, StreamTransaction

PUSH_RULES = "m.push_rules"
FULLY_READ = "m.fully_read"
#: Types are keys of the primary key: bounded like IDs.
MAX_TYPE_LENGTH = 255
#: The room_id column's value for global account data.
GLOBAL = ""


@dataclass(frozen=True, slots=True)
class AccountDataChanges:
    """What sync shows: ``global_`` by type, ``rooms`` by room ID then type."""

    global_: dict[str, Any] = field(default_factory=dict)
    rooms: dict[str, dict[str, Any]] = field(default_factory=dict)


class AccountData:
    def __init__(self, store: StreamStore, wakeup: Wakeup = no_wakeup) -> None:
        self._store = store
        self._wakeup = wakeup

    async def put(
        self,
        requester: Requester,
        user_id: str,
        room_id: str | None,
        data_type: str,
        content: dict[str, Any],
    ) -> None:
        """Set one type of the requester's global (``room_id`` None) or room account data.

        Raises:
            MatrixError: 403 for another user; 400 for a malformed user or room
                ID or type; 405 for ``m.fully_read`` and ``m.push_rules`` (Synapse's
                answer: they have APIs of their own).
        """
        self._check(requester, user_id, room_id, data_type, "add")
        for reserved, api in (
            (FULLY_READ, "/rooms/{roomId}/read_markers"),
            (PUSH_RULES, "/pushrules"),
        ):
            if data_type == reserved:
                raise MatrixError(
                    ErrCode.BAD_JSON,
                    f"Cannot set {reserved} through this API. Use {api}",
                    status=405,
                )
        async with self._store.write() as txn:
            change = await self.write(txn, user_id, room_id or GLOBAL, data_type, content)
        self._wakeup(change)

    async def get(
        self, requester: Requester, user_id: str, room_id: str | None, data_type: str
    ) -> dict[str, Any]:
        """One type of the requester's account data.

        Raises:
            MatrixError: as ``put`` (but ``m.fully_read`` may be read), 404 when unset.
        """
        self._check(requester, user_id, room_id, data_type, "get")
        async with self._store.read() as txn:
            text = await txn.account_data.get(user_id, room_id or GLOBAL, data_type)
            if text is None and data_type == PUSH_RULES and room_id is None:
                return ruleset(user_id, await txn.push_rules.list_for_user(user_id))
        if text is None:
            raise NotFound("Room account data not found" if room_id else "Account data not found")
        content: dict[str, Any] = orjson.loads(text)
        return content

    @staticmethod
    async def write(
        txn: StreamTransaction, user_id: str, room_id: str, data_type: str, content: Any
    ) -> StreamChange:
        """Store one entry at the stream's next position, in ``txn`` (for other services too)."""
        change = await advance(txn, ACCOUNT_DATA, users=(user_id,))
        text = orjson.dumps(content).decode()
        await txn.account_data.put(user_id, room_id, data_type, text, change.position)
        return change

    async def current_position(self) -> int:
        """The newest position of the account data stream."""
        async with self._store.read() as txn:
            return await txn.streams.current(ACCOUNT_DATA)

    async def changes_for(self, user_id: str, since: int, until: int) -> AccountDataChanges:
        """The user's account data changed in (since, until]; the newest of each type.

        An initial sync (``since`` 0) always includes ``m.push_rules``, the
        default rule set when the user never changed a rule.
        """
        changes = AccountDataChanges()
        async with self._store.read() as txn:
            for room_id, data_type, text in await txn.account_data.changed(user_id, since, until):
                target = changes.rooms.setdefault(room_id, {}) if room_id else changes.global_
                target[data_type] = orjson.loads(text)
            if since == 0 and PUSH_RULES not in changes.global_:
                stored = await txn.push_rules.list_for_user(user_id)
                changes.global_[PUSH_RULES] = ruleset(user_id, stored)
        return changes

    @staticmethod
    def _check(
        requester: Requester, user_id: str, room_id: str | None, data_type: str, verb: str
    ) -> None:
        parse_user_id(user_id)
        if user_id != requester.user_id:
            raise Forbidden(f"Cannot {verb} account data for other users.")
        if room_id is not None and not is_room_id(room_id):
            raise InvalidParam(f"{room_id} is not a valid room ID")
        if not data_type or not storable(data_type) or len(data_type) > MAX_TYPE_LENGTH:
            raise InvalidParam("Invalid account data type")
