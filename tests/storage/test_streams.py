"""The per-user streams on each engine: positions, what sync is given, and who is woken.

Services run on the real database; changes are made through them as the
endpoints make them.
"""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg
import orjson
import pytest

from tessera.core.models import Requester
from tessera.services.account_data import AccountData
from tessera.services.push_rules import PushRules
from tessera.services.streams import ACCOUNT_DATA, StreamChange, current_positions
from tessera.storage.database import Database
from tessera.storage.repos.streams import CHANNEL, MAX_PAYLOAD, decode, encode
from tests.conftest import POSTGRES_DSN

ALICE = "@alice:test.local"
ROOM = "!room:test.local"
WAIT = 10.0


def requester(user_id: str = ALICE) -> Requester:
    return Requester(user_id, "DEVICE", 1, False)


async def add_user(database: Database, user_id: str = ALICE) -> None:
    async with database.write() as txn:
        await txn.users.create(user_id, None, 0)


async def test_each_stream_counts_on_its_own_from_zero(database: Database) -> None:
    async with database.read() as txn:
        assert await txn.streams.current("receipts") == 0
    async with database.write() as txn:
        first = [await txn.streams.advance("receipts") for _ in range(3)]
        other = await txn.streams.advance("typing")

    assert first == [1, 2, 3]
    assert other == 1
    async with database.read() as txn:
        assert await txn.streams.current("receipts") == 3


async def test_a_rolled_back_position_is_not_current(database: Database) -> None:
    async with database.write() as txn:
        await txn.streams.advance("presence")
    with pytest.raises(RuntimeError):
        async with database.write() as txn:
            await txn.streams.advance("presence")
            raise RuntimeError("abort")

    async with database.read() as txn:
        assert await txn.streams.current("presence") == 1


async def test_concurrent_writers_get_distinct_positions(database: Database) -> None:
    async def take() -> int:
        async with database.write() as txn:
            return await txn.streams.advance("receipts")

    positions = await asyncio.gather(*(take() for _ in range(20)))

    assert sorted(positions) == list(range(1, 21))


async def test_account_data_changes_for_a_window(database: Database) -> None:
    await add_user(database)
    woken: list[StreamChange] = []
    service = AccountData(database, woken.append)
    await service.put(requester(), ALICE, None, "org.a", {"v": 1})
    middle = await service.current_position()
    await service.put(requester(), ALICE, ROOM, "org.b", {"v": 2})
    await service.put(requester(), ALICE, None, "org.a", {"v": 3})
    end = await service.current_position()

    later = await service.changes_for(ALICE, middle, end)
    earlier = await service.changes_for(ALICE, 1, middle)

    assert later.global_ == {"org.a": {"v": 3}}
    assert later.rooms == {ROOM: {"org.b": {"v": 2}}}
    assert earlier.global_ == {} and earlier.rooms == {}
    assert [change.position for change in woken] == [middle, middle + 1, end]
    assert all(c.stream == ACCOUNT_DATA and c.user_ids == (ALICE,) for c in woken)
    assert (await service.changes_for("@bob:test.local", 0, end)).rooms == {}


async def test_an_initial_sync_gets_the_push_rules_even_if_never_changed(
    database: Database,
) -> None:
    await add_user(database)
    service = AccountData(database)

    initial = await service.changes_for(ALICE, 0, await service.current_position())

    assert initial.global_["m.push_rules"]["global"]["override"][0]["rule_id"] == ".m.rule.master"
    assert (await service.changes_for(ALICE, 1, 1)).global_ == {}


async def test_a_push_rule_change_is_m_push_rules_account_data(database: Database) -> None:
    await add_user(database)
    woken: list[StreamChange] = []
    account_data = AccountData(database)
    push_rules = PushRules(database, woken.append)
    before = await account_data.current_position()

    await push_rules.add(requester(), "room", ROOM, {"actions": ["dont_notify"]})

    after = await account_data.current_position()
    assert after == before + 1
    assert woken == [StreamChange(ACCOUNT_DATA, after, (ALICE,))]
    changes = await account_data.changes_for(ALICE, before, after)
    room_rules = changes.global_["m.push_rules"]["global"]["room"]
    assert [rule["rule_id"] for rule in room_rules] == [ROOM]
    assert changes.global_["m.push_rules"] == await push_rules.ruleset(ALICE)


def test_a_notification_payload_names_whom_it_concerns_or_everyone() -> None:
    small = orjson.loads(encode("receipts", 7, ["@a:hs"], [ROOM]))
    big = orjson.loads(encode("receipts", 8, ["@" + "a" * 100 + ":hs"] * 100, []))

    assert small == {"s": "receipts", "p": 7, "u": ["@a:hs"], "r": [ROOM]}
    assert big == {"s": "receipts", "p": 8, "all": True}
    assert len(encode("receipts", 8, ["@" + "a" * 100 + ":hs"] * 100, []).encode()) <= MAX_PAYLOAD


async def test_other_workers_hear_a_change_only_once_it_commits(
    engine_name: str, database: Database
) -> None:
    if engine_name != "postgres":
        pytest.skip("NOTIFY is PostgreSQL's; SQLite is one process")
    await add_user(database)
    heard: asyncio.Queue[Any] = asyncio.Queue()
    listener = await asyncpg.connect(POSTGRES_DSN)
    try:
        await listener.add_listener(CHANNEL, lambda *args: heard.put_nowait(orjson.loads(args[3])))
        with pytest.raises(RuntimeError):
            async with database.write() as txn:
                await AccountData.write(txn, ALICE, "", "org.rolled.back", {})
                raise RuntimeError("abort")
        await AccountData(database).put(requester(), ALICE, None, "org.kept", {})

        async with asyncio.timeout(WAIT):
            message = await heard.get()
    finally:
        await listener.close()

    position = await AccountData(database).current_position()
    assert message == {"s": ACCOUNT_DATA, "p": position, "u": [ALICE], "r": []}
    assert heard.empty()


async def test_current_positions_of_every_stream(database: Database) -> None:
    async with database.write() as txn:
        await txn.streams.advance("typing")
        await txn.streams.advance("typing")
        await txn.streams.advance("presence")

    assert await current_positions(database) == {
        "account_data": 0,
        "receipts": 0,
        "typing": 2,
        "presence": 1,
    }


@pytest.mark.parametrize(
    ("payload", "change"),
    [
        (encode("typing", 3, [], [ROOM]), StreamChange("typing", 3, (), (ROOM,))),
        (encode("presence", 4, [ALICE], []), StreamChange("presence", 4, (ALICE,), ())),
        (
            encode("receipts", 5, ["@" + "a" * 100 + ":hs"] * 100, []),
            StreamChange("receipts", 5, everyone=True),
        ),
        ("not json", None),
        ("[]", None),
        ('{"s": "typing"}', None),
        ('{"s": 1, "p": 2, "u": [], "r": []}', None),
        ('{"s": "typing", "p": 2, "u": [1], "r": []}', None),
        ('{"s": "typing", "p": 2, "u": [], "r": "!r:hs"}', None),
    ],
)
def test_a_listener_reads_announcements_back(payload: str, change: StreamChange | None) -> None:
    assert decode(payload) == change
