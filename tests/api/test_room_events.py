"""Sending, state, redaction, /event, /messages and /context over HTTP, on both engines."""

from __future__ import annotations

import asyncio
import itertools

from tests.api.rooms_support import bodies, client, q
from tests.api.support import assert_error
from tests.conftest import LiveServer


async def test_a_retried_transaction_id_returns_the_same_event(server: LiveServer) -> None:
    alice = await client(server, "alice")
    room_id = await alice.create_room()
    first = await alice.send(room_id, "once", txn_id="same")
    again = await alice.send(room_id, "twice?", txn_id="same")
    assert again == first
    page = (await alice.get(f"/rooms/{q(room_id)}/messages", limit=50)).json()
    assert bodies(page["chunk"]) == ["once"]
    # The same ID in another room (or for another event type) is another request.
    other_room = await alice.create_room()
    assert await alice.send(other_room, "elsewhere", txn_id="same") != first
    ping = await alice.put(f"/rooms/{q(room_id)}/send/org.example.ping/same", {"n": 1})
    assert ping.json()["event_id"] != first


async def test_concurrent_sends_keep_one_linear_history(server: LiveServer) -> None:
    alice = await client(server, "alice")
    room_id = await alice.create_room()
    sent = await asyncio.gather(*(alice.send(room_id, f"m{i}") for i in range(15)))
    page = (await alice.get(f"/rooms/{q(room_id)}/messages", limit=100)).json()
    events = list(reversed(page["chunk"]))
    assert sorted(e["event_id"] for e in events if e["type"] == "m.room.message") == sorted(sent)
    async with server.database.read() as txn:
        stored = [await txn.events.get(e["event_id"]) for e in events]
    # Each event points at the one before it, and depths count up by one.
    for before, after in itertools.pairwise(stored):
        assert before is not None and after is not None
        assert after.pdu["prev_events"] == [before.event_id]
        assert after.pdu["depth"] == before.pdu["depth"] + 1


async def test_messages_pages_back_without_gap_or_duplicate(server: LiveServer) -> None:
    alice = await client(server, "alice")
    room_id = await alice.create_room()
    for i in range(7):
        await alice.send(room_id, f"m{i}")
    synced = await alice.sync(filter='{"room": {"timeline": {"limit": 3}}}')
    timeline = synced["rooms"]["join"][room_id]["timeline"]
    assert bodies(timeline["events"]) == ["m4", "m5", "m6"] and timeline["limited"]
    seen, token = [], timeline["prev_batch"]
    while token:
        page = (
            await alice.get(f"/rooms/{q(room_id)}/messages", dir="b", limit=2, **{"from": token})
        ).json()
        seen += page["chunk"]
        token = page.get("end")
    assert bodies(list(reversed(seen))) == ["m0", "m1", "m2", "m3"]
    forward = (await alice.get(f"/rooms/{q(room_id)}/messages", dir="f", limit=100)).json()
    ids = [e["event_id"] for e in forward["chunk"]]
    assert len(ids) == len(set(ids))
    assert bodies(forward["chunk"]) == [f"m{i}" for i in range(7)]


async def test_state_put_get_with_and_without_a_trailing_slash(server: LiveServer) -> None:
    alice = await client(server, "alice")
    room_id = await alice.create_room(topic="old")
    put = await alice.put(f"/rooms/{q(room_id)}/state/m.room.topic/", {"topic": "new"})
    assert put.status_code == 200, put.text
    for path in ("/state/m.room.topic", "/state/m.room.topic/"):
        got = await alice.get(f"/rooms/{q(room_id)}{path}", _cacheBuster="123")
        assert (got.status_code, got.json()) == (200, {"topic": "new"})
    state = (await alice.get(f"/rooms/{q(room_id)}/state")).json()
    assert {"m.room.create", "m.room.member", "m.room.power_levels", "m.room.topic"} <= {
        e["type"] for e in state
    }
    # The same content again is the same event, as Synapse.
    again = await alice.put(f"/rooms/{q(room_id)}/state/m.room.topic", {"topic": "new"})
    assert again.json()["event_id"] == put.json()["event_id"]
    missing = await alice.get(f"/rooms/{q(room_id)}/state/m.room.avatar")
    assert_error(missing, 404, "M_NOT_FOUND")


async def test_redaction_strips_content_and_names_its_cause(server: LiveServer) -> None:
    alice, bob = await client(server, "alice"), await client(server, "bob")
    room_id = await alice.create_room(preset="public_chat")
    await bob.ok("post", f"/rooms/{q(room_id)}/join")
    target = await bob.send(room_id, "oops")
    refused = await alice.put(f"/rooms/{q(room_id)}/redact/{q(target)}/r0", {})
    assert refused.status_code == 200  # alice is the creator: power 100 >= redact 50
    event = (await bob.get(f"/rooms/{q(room_id)}/event/{q(target)}")).json()
    assert event["content"] == {}
    assert event["unsigned"]["redacted_because"]["event_id"] == refused.json()["event_id"]
    mine = await alice.send(room_id, "mine")
    forbidden = await bob.put(f"/rooms/{q(room_id)}/redact/{q(mine)}/r1", {"reason": "no"})
    assert_error(forbidden, 403, "M_FORBIDDEN")


async def test_context_returns_the_event_its_neighbours_and_state(server: LiveServer) -> None:
    alice = await client(server, "alice")
    room_id = await alice.create_room(name="ctx")
    ids = [await alice.send(room_id, f"m{i}") for i in range(5)]
    response = await alice.get(f"/rooms/{q(room_id)}/context/{q(ids[2])}", limit=2)
    body = response.json()
    assert body["event"]["event_id"] == ids[2]
    assert [e["event_id"] for e in body["events_before"]] == [ids[1]]
    assert [e["event_id"] for e in body["events_after"]] == [ids[3]]
    assert any(e["type"] == "m.room.name" for e in body["state"])


async def test_filters_shape_sync_and_messages(server: LiveServer) -> None:
    alice = await client(server, "alice")
    room_id = await alice.create_room()
    await alice.send(room_id, "one")
    await alice.put(f"/rooms/{q(room_id)}/send/org.example.ping/p1", {"n": 1})
    await alice.send(room_id, "two")
    uploaded = await alice.post(
        f"/user/{q(alice.user_id)}/filter",
        {"room": {"timeline": {"limit": 5, "types": ["m.room.message"]}}},
    )
    assert uploaded.status_code == 200, uploaded.text
    synced = await alice.sync(filter=uploaded.json()["filter_id"])
    timeline = synced["rooms"]["join"][room_id]["timeline"]["events"]
    assert {e["type"] for e in timeline} == {"m.room.message"}
    assert bodies(timeline) == ["one", "two"]
    page = await alice.get(
        f"/rooms/{q(room_id)}/messages", limit=50, filter='{"not_types": ["m.room.message"]}'
    )
    assert "m.room.message" not in {e["type"] for e in page.json()["chunk"]}
    assert "org.example.ping" in {e["type"] for e in page.json()["chunk"]}
    unknown = await alice.get("/sync", filter="999")
    assert unknown.status_code == 404
    bad = await alice.get(f"/rooms/{q(room_id)}/messages", filter="[1]")
    assert bad.status_code == 400


async def test_own_echo_has_its_transaction_id_and_state_its_prev_content(
    server: LiveServer,
) -> None:
    alice, bob = await client(server, "alice"), await client(server, "bob")
    room_id = await alice.create_room(preset="public_chat", topic="old")
    await bob.ok("post", f"/join/{q(room_id)}")
    sent = await alice.send(room_id, "echo", txn_id="my-txn")
    await alice.put(f"/rooms/{q(room_id)}/state/m.room.topic", {"topic": "new"})
    mine = (await alice.sync())["rooms"]["join"][room_id]["timeline"]["events"]
    theirs = (await bob.sync())["rooms"]["join"][room_id]["timeline"]["events"]
    echo = next(e for e in mine if e["event_id"] == sent)
    assert echo["unsigned"]["transaction_id"] == "my-txn"
    assert "transaction_id" not in next(e for e in theirs if e["event_id"] == sent)["unsigned"]
    topic = next(
        e for e in theirs if e["type"] == "m.room.topic" and e["content"]["topic"] == "new"
    )
    assert topic["unsigned"]["prev_content"] == {"topic": "old"}
    page = (await alice.get(f"/rooms/{q(room_id)}/messages", limit=5)).json()["chunk"]
    assert next(e for e in page if e["event_id"] == sent)["unsigned"]["transaction_id"] == "my-txn"
