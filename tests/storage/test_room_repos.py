"""The room repos on both engines: stream positions, linear history, state, memberships."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tessera.storage.database import Database

ROOM = "!room:test.local"
ALICE = "@alice:test.local"
BOB = "@bob:test.local"


def pdu(depth: int, event_type: str = "m.room.message", **fields: Any) -> dict[str, Any]:
    return {
        "type": event_type,
        "sender": fields.pop("sender", ALICE),
        "room_id": ROOM,
        "depth": depth,
        "origin_server_ts": 1000 + depth,
        "content": fields.pop("content", {"body": f"message {depth}"}),
        **fields,
    }


async def append(database: Database, event: dict[str, Any], event_id: str) -> int:
    """Append as the room service does: room lock, head, position, event, new head."""
    async with database.write() as txn:
        room = await txn.rooms.lock(ROOM)
        assert room is not None
        stream = await txn.events.next_position()
        await txn.events.add(stream, event_id, ROOM, {**event, "depth": room.head_depth + 1})
        await txn.rooms.set_head(ROOM, event_id, room.head_depth + 1)
        if "state_key" in event:
            await txn.room_state.set(ROOM, event["type"], event["state_key"], event_id, stream)
        return stream


@pytest.fixture
async def room(database: Database) -> Database:
    async with database.write() as txn:
        await txn.rooms.add(ROOM, "12", ALICE, False, 1000)
    return database


async def test_positions_increase_and_the_current_one_is_the_last_committed(
    room: Database,
) -> None:
    async with room.read() as txn:
        assert await txn.events.current_position() == 0
    first = await append(room, pdu(0), "$one")
    second = await append(room, pdu(0), "$two")
    assert second == first + 1
    async with room.read() as txn:
        assert await txn.events.current_position() == second
        page = await txn.events.after(ROOM, 0, second, 10)
        assert [e.event_id for e in page] == ["$one", "$two"]
        assert [e.pdu["depth"] for e in page] == [1, 2]
        back = await txn.events.before(ROOM, second, 0, 1)
        assert [e.event_id for e in back] == ["$two"]
        room_row = await txn.rooms.get(ROOM)
        assert room_row is not None
        assert (room_row.head_event_id, room_row.head_depth) == ("$two", 2)


async def test_a_second_event_at_the_same_depth_is_refused(room: Database) -> None:
    await append(room, pdu(0), "$one")
    with pytest.raises(Exception, match=r"(?i)unique|duplicate"):
        async with room.write() as txn:
            stream = await txn.events.next_position()
            await txn.events.add(stream, "$fork", ROOM, pdu(1))
    async with room.read() as txn:
        assert await txn.events.get("$fork") is None
        assert await txn.events.current_position() == 1  # the refused position rolled back


async def test_concurrent_appends_never_fork_or_lose_an_event(room: Database) -> None:
    ids = [f"$e{i}" for i in range(20)]
    await asyncio.gather(*(append(room, pdu(0), event_id) for event_id in ids))
    async with room.read() as txn:
        events = await txn.events.after(ROOM, 0, 10**9, 100)
    assert sorted(e.event_id for e in events) == sorted(ids)
    assert [e.pdu["depth"] for e in events] == list(range(1, 21))
    assert [e.stream for e in events] == sorted(e.stream for e in events)


async def test_state_at_a_position_is_the_newest_value_of_each_key_up_to_it(
    room: Database,
) -> None:
    name = "m.room.name"
    first = await append(room, pdu(0, name, state_key="", content={"name": "A"}), "$n1")
    await append(room, pdu(0), "$msg")
    await append(room, pdu(0, name, state_key="", content={"name": "B"}), "$n2")
    topic = await append(room, pdu(0, "m.room.topic", state_key="", content={"topic": "t"}), "$t")
    async with room.read() as txn:
        at_first = await txn.events.state_at(ROOM, first)
        now = await txn.events.state_at(ROOM, topic)
        current = await txn.room_state.current(ROOM)
        history = await txn.events.key_history(ROOM, name, "")
        named = await txn.room_state.get(ROOM, name, "")
    assert [e.event_id for e in at_first] == ["$n1"]
    assert sorted(e.event_id for e in now) == ["$n2", "$t"]
    assert sorted(e.event_id for e in current) == ["$n2", "$t"]
    assert [e.content["name"] for e in history] == ["A", "B"]
    assert named is not None and named.content == {"name": "B"}


async def test_redaction_replaces_the_pdu(room: Database) -> None:
    await append(room, pdu(0, content={"body": "secret"}), "$m")
    pruned = {**pdu(1), "content": {}}
    async with room.write() as txn:
        await txn.events.redact("$m", pruned, "$r")
    async with room.read() as txn:
        event = await txn.events.get("$m")
    assert event is not None
    assert (event.content, event.redacted_by) == ({}, "$r")


async def test_memberships_follow_the_latest_member_event(room: Database) -> None:
    async with room.write() as txn:
        await txn.memberships.set(ROOM, BOB, "invite", "$i", 3)
    async with room.write() as txn:
        await txn.memberships.set(ROOM, BOB, "join", "$j", 5)
        await txn.memberships.set(ROOM, ALICE, "join", "$a", 1)
    async with room.read() as txn:
        bob = await txn.memberships.get(ROOM, BOB)
        assert bob is not None and (bob.membership, bob.event_id, bob.stream) == ("join", "$j", 5)
        assert [m.room_id for m in await txn.memberships.rooms_of(BOB, "join")] == [ROOM]
        assert await txn.memberships.rooms_of(BOB, "invite") == []
        assert [m.user_id for m in await txn.memberships.changed(BOB, 3, 5)] == [BOB]
        assert await txn.memberships.changed(BOB, 5, 9) == []
        assert await txn.memberships.joined_count(ROOM) == 2
    async with room.write() as txn:
        await txn.memberships.set(ROOM, BOB, "leave", "$l", 6)
        await txn.memberships.forget(ROOM, BOB)
    async with room.read() as txn:
        assert await txn.memberships.all_of(BOB) == []
        assert [m.user_id for m in await txn.memberships.members(ROOM)] == [ALICE, BOB]


async def test_co_members_are_the_joined_members_of_the_users_joined_rooms(
    room: Database,
) -> None:
    other, carol, dave = "!other:test.local", "@carol:test.local", "@dave:test.local"
    async with room.write() as txn:
        await txn.rooms.add(other, "12", BOB, False, 1000)
        await txn.memberships.set(ROOM, ALICE, "join", "$a", 1)
        await txn.memberships.set(ROOM, BOB, "join", "$b", 2)
        await txn.memberships.set(ROOM, carol, "invite", "$c", 3)  # invited: not a co-member
        await txn.memberships.set(other, BOB, "join", "$b2", 4)
        await txn.memberships.set(other, dave, "join", "$d", 5)  # shares a room with Bob only
        await txn.memberships.set(other, ALICE, "leave", "$a2", 6)
    async with room.read() as txn:
        assert await txn.memberships.co_members(ALICE) == {ALICE, BOB}
        assert await txn.memberships.co_members(BOB) == {ALICE, BOB, dave}
        assert await txn.memberships.co_members(carol) == set()


async def test_transaction_ids_and_aliases(room: Database) -> None:
    async with room.write() as txn:
        await txn.event_transactions.add(
            ALICE, "DEVICE", f"{ROOM}/send/m.room.message", "t1", "$e", 1
        )
        assert await txn.room_aliases.add("#a:test.local", ROOM, ALICE)
        assert not await txn.room_aliases.add("#a:test.local", ROOM, BOB)
    async with room.read() as txn:
        send = f"{ROOM}/send/m.room.message"
        assert await txn.event_transactions.get(ALICE, "DEVICE", send, "t1") == "$e"
        assert await txn.event_transactions.get(ALICE, "OTHER", send, "t1") is None
        assert await txn.event_transactions.get(ALICE, "DEVICE", f"{ROOM}/send/x", "t1") is None
        of_events = txn.event_transactions.of_events
        assert await of_events(["$x", "$e"], ALICE, "DEVICE") == {"$e": "t1"}
        assert await of_events(["$e"], ALICE, "OTHER") == {}
        assert await of_events(["$e"], BOB, "DEVICE") == {}
        # More IDs than one query takes: the one past the first batch is still found.
        many = [f"$n{i}" for i in range(550)] + ["$e"]
        assert await of_events(many, ALICE, "DEVICE") == {"$e": "t1"}
        assert await txn.room_aliases.get("#a:test.local") == (ROOM, ALICE)
        assert await txn.room_aliases.of_room(ROOM) == ["#a:test.local"]
    async with room.write() as txn:
        assert await txn.room_aliases.delete("#a:test.local")
        assert not await txn.room_aliases.delete("#a:test.local")
