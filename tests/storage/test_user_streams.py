"""The per-user sync streams (services/sync/user_streams.py): what each collects, and the
sync filter's sections applied to it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from tessera.core.models import Requester
from tessera.core.sync.filter import Filter, parse_filter
from tessera.services.account_data import AccountData
from tessera.services.presence import Presence
from tessera.services.receipts import Receipts
from tessera.services.streams import PRESENCE, current_positions
from tessera.services.sync.streams import SyncParts, SyncRequest
from tessera.services.sync.user_streams import (
    AccountDataStream,
    ReceiptStream,
    TypingStream,
    apply_filter,
)
from tessera.services.typing import Typing
from tessera.storage.database import Database
from tests.support.rooms import Memberships

ALICE, BOB, CAROL = "@alice:test.local", "@bob:test.local", "@carol:test.local"
ROOM, OTHER = "!room:test.local", "!other:test.local"


def me(user_id: str) -> Requester:
    return Requester(user_id, "DEVICE", 1, False)


class World:
    """Alice and Bob share ROOM; Carol is alone in OTHER."""

    def __init__(self, database: Database) -> None:
        rooms = Memberships({ROOM: {ALICE, BOB}, OTHER: {ALICE, CAROL}})
        self.database = database
        self.account_data = AccountData(database)
        self.receipts = Receipts(database, rooms)
        self.typing = Typing(database, rooms)
        self.presence = Presence(database, rooms)
        # PresenceStream finds who shares a room in the rooms tables, which this test has
        # not; its presence part comes from ``Presence.changes_for`` with the users named.
        self.streams = (
            AccountDataStream(self.account_data),
            ReceiptStream(self.receipts),
            TypingStream(self.typing),
        )

    async def positions(self) -> dict[str, int]:
        return await current_positions(self.database)

    async def changes(
        self,
        user_id: str,
        room_ids: list[str],
        visible_users: set[str],
        since: Mapping[str, int] | None,
        until: Mapping[str, int],
        flt: Filter | None = None,
    ) -> SyncParts:
        """What a sync collects from ``since`` (None: initial) to ``until``, filtered."""
        request = SyncRequest(user_id, "DEVICE", False, since is None, tuple(room_ids))
        parts = SyncParts()
        for stream in self.streams:
            previous = None if since is None else since[stream.name]
            await stream.collect(request, previous, until[stream.name], parts)
        start = 0 if since is None else since[PRESENCE]
        parts.presence += await self.presence.changes_for(visible_users, start, until[PRESENCE])
        apply_filter(parts, flt or Filter())
        return parts


@pytest.fixture
async def world(database: Database) -> World:
    async with database.write() as txn:
        for user in (ALICE, BOB, CAROL):
            await txn.users.create(user, None, 0)
    return World(database)


def types(events: list[dict[str, Any]]) -> list[str]:
    return [event["type"] for event in events]


async def fill(world: World) -> None:
    await world.account_data.put(me(ALICE), ALICE, None, "org.example.a", {"a": 1})
    await world.account_data.put(me(ALICE), ALICE, ROOM, "m.tag", {"tags": {}})
    await world.receipts.receipt(me(BOB), ROOM, "m.read", "$e1", {})
    await world.typing.set_typing(me(BOB), ROOM, BOB, {"typing": True})
    await world.presence.set_state(BOB, "online", None)
    await world.presence.set_state(CAROL, "online", None)


async def test_an_initial_sync_gets_every_stream(world: World) -> None:
    await fill(world)
    until = await world.positions()

    data = await world.changes(ALICE, [ROOM], {ALICE, BOB}, None, until)

    assert types(data.account_data) == ["org.example.a", "m.push_rules"]
    assert [event["sender"] for event in data.presence] == [BOB]
    assert set(data.ephemeral) == set(data.room_account_data) == {ROOM}
    assert data.room_account_data[ROOM] == [{"type": "m.tag", "content": {"tags": {}}}]
    ephemeral = data.ephemeral[ROOM]
    assert types(ephemeral) == ["m.receipt", "m.typing"]
    assert ephemeral[1]["content"] == {"user_ids": [BOB]}
    assert BOB in ephemeral[0]["content"]["$e1"]["m.read"]


async def test_an_incremental_sync_gets_only_what_changed(world: World) -> None:
    await fill(world)
    since = await world.positions()
    await world.receipts.receipt(me(ALICE), ROOM, "m.read", "$e2", {})
    until = await world.positions()

    data = await world.changes(ALICE, [ROOM], {ALICE, BOB}, since, until)

    assert data.account_data == [] and data.presence == []
    assert types(data.ephemeral[ROOM]) == ["m.receipt"]
    assert set(data.ephemeral[ROOM][0]["content"]) == {"$e2"}
    assert data.room_account_data == {}
    nothing = await world.changes(ALICE, [ROOM], {ALICE, BOB}, until, until)
    assert nothing.is_empty()


async def test_the_sync_filter_applies_to_every_part(world: World) -> None:
    await fill(world)
    await world.receipts.receipt(me(CAROL), OTHER, "m.read", "$o", {})
    until = await world.positions()
    flt = parse_filter(
        {
            "account_data": {"types": ["org.*"]},
            "presence": {"not_types": ["*"]},
            "room": {
                "not_rooms": [OTHER],
                "ephemeral": {"not_types": ["m.typing"]},
                "account_data": {"limit": 1, "types": ["m.fully_read"]},
            },
        }
    )

    data = await world.changes(ALICE, [ROOM, OTHER], {ALICE, BOB, CAROL}, None, until, flt)

    assert types(data.account_data) == ["org.example.a"]
    assert data.presence == []
    assert set(data.ephemeral) == {ROOM}
    assert types(data.ephemeral[ROOM]) == ["m.receipt"]
    assert data.room_account_data == {}


async def test_limits_cut_lists(world: World) -> None:
    for n in range(3):
        await world.account_data.put(me(ALICE), ALICE, None, f"org.example.{n}", {})
    until = await world.positions()

    data = await world.changes(
        ALICE, [], set(), None, until, parse_filter({"account_data": {"limit": 2}})
    )

    assert types(data.account_data) == ["org.example.0", "org.example.1"]


async def test_the_ephemeral_limit_counts_receipts_and_typing_together(world: World) -> None:
    await fill(world)
    until = await world.positions()
    flt = parse_filter({"room": {"ephemeral": {"limit": 1}, "account_data": {"limit": 0}}})

    data = await world.changes(ALICE, [ROOM], {ALICE, BOB}, None, until, flt)

    assert types(data.ephemeral[ROOM]) == ["m.receipt"]
    assert data.room_account_data == {}
