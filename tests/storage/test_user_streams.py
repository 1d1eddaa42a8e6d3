"""``UserStreams``: the account data, receipts, typing and presence parts of a sync, filtered."""

from __future__ import annotations

from typing import Any

import pytest

from tessera.core.models import Requester
from tessera.core.sync.filter import parse_filter
from tessera.services.account_data import AccountData
from tessera.services.presence import Presence
from tessera.services.receipts import Receipts
from tessera.services.typing import Typing
from tessera.services.user_streams import UserStreams
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
        self.account_data = AccountData(database)
        self.receipts = Receipts(database, rooms)
        self.typing = Typing(database, rooms)
        self.presence = Presence(database, rooms)
        self.streams = UserStreams(
            database, self.account_data, self.receipts, self.typing, self.presence
        )


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
    until = await world.streams.positions()

    data = await world.streams.changes(ALICE, [ROOM], {ALICE, BOB}, {}, until)

    assert types(data.account_data) == ["org.example.a", "m.push_rules"]
    assert [event["sender"] for event in data.presence] == [BOB]
    assert set(data.rooms) == {ROOM}
    room = data.rooms[ROOM]
    assert room.account_data == [{"type": "m.tag", "content": {"tags": {}}}]
    assert types(room.ephemeral) == ["m.receipt", "m.typing"]
    assert room.ephemeral[1]["content"] == {"user_ids": [BOB]}
    assert BOB in room.ephemeral[0]["content"]["$e1"]["m.read"]


async def test_an_incremental_sync_gets_only_what_changed(world: World) -> None:
    await fill(world)
    since = await world.streams.positions()
    await world.receipts.receipt(me(ALICE), ROOM, "m.read", "$e2", {})
    until = await world.streams.positions()

    data = await world.streams.changes(ALICE, [ROOM], {ALICE, BOB}, since, until)

    assert data.account_data == [] and data.presence == []
    assert types(data.rooms[ROOM].ephemeral) == ["m.receipt"]
    assert set(data.rooms[ROOM].ephemeral[0]["content"]) == {"$e2"}
    assert data.rooms[ROOM].account_data == []
    nothing = await world.streams.changes(ALICE, [ROOM], {ALICE, BOB}, until, until)
    assert (nothing.account_data, nothing.presence, nothing.rooms) == ([], [], {})


async def test_the_sync_filter_applies_to_every_part(world: World) -> None:
    await fill(world)
    await world.receipts.receipt(me(CAROL), OTHER, "m.read", "$o", {})
    until = await world.streams.positions()
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

    data = await world.streams.changes(ALICE, [ROOM, OTHER], {ALICE, BOB, CAROL}, {}, until, flt)

    assert types(data.account_data) == ["org.example.a"]
    assert data.presence == []
    assert set(data.rooms) == {ROOM}
    assert types(data.rooms[ROOM].ephemeral) == ["m.receipt"]
    assert data.rooms[ROOM].account_data == []


async def test_limits_cut_lists(world: World) -> None:
    for n in range(3):
        await world.account_data.put(me(ALICE), ALICE, None, f"org.example.{n}", {})
    until = await world.streams.positions()

    data = await world.streams.changes(
        ALICE, [], set(), {}, until, parse_filter({"account_data": {"limit": 2}})
    )

    assert types(data.account_data) == ["org.example.0", "org.example.1"]
