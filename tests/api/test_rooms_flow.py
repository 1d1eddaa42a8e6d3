"""A room's life over HTTP on both engines: create, invite, join, talk, sync, leave."""

from __future__ import annotations

import asyncio

from tests.api.rooms_support import bodies, client, q
from tests.conftest import LiveServer


async def test_two_users_chat_through_sync(server: LiveServer) -> None:
    alice, bob = await client(server, "alice"), await client(server, "bob")
    room_id = await alice.create_room(name="Tea", invite=[bob.user_id])
    invited = await bob.sync()
    assert room_id in invited["rooms"]["invite"]
    stripped = invited["rooms"]["invite"][room_id]["invite_state"]["events"]
    name = {"type": "m.room.name", "state_key": "", "content": {"name": "Tea"}}
    assert {**name, "sender": alice.user_id} in stripped
    await bob.ok("post", f"/join/{q(room_id)}")
    first = await alice.send(room_id, "hello")
    one = '{"room": {"timeline": {"limit": 1}}}'
    synced = await bob.sync(since=invited["next_batch"], filter=one)
    joined = synced["rooms"]["join"][room_id]
    assert [e["event_id"] for e in joined["timeline"]["events"]] == [first]
    assert joined["timeline"]["limited"] is True
    assert joined["summary"]["m.joined_member_count"] == 2
    names = [e for e in joined["state"]["events"] if e["type"] == "m.room.name"]
    assert [e["content"] for e in names] == [{"name": "Tea"}]
    # Nothing new: an incremental sync with no timeout returns no room.
    quiet = await bob.sync(since=synced["next_batch"])
    assert room_id not in quiet["rooms"]["join"]
    await bob.send(room_id, "hi alice")
    rooms = (await alice.get("/joined_rooms")).json()
    assert rooms == {"joined_rooms": [room_id]}
    page = (await alice.get(f"/rooms/{q(room_id)}/messages", dir="b", limit=2)).json()
    assert bodies(page["chunk"]) == ["hi alice", "hello"]
    await bob.ok("post", f"/rooms/{q(room_id)}/leave")
    left = await bob.sync(since=synced["next_batch"])
    assert room_id in left["rooms"]["leave"]
    assert room_id not in left["rooms"]["join"]


async def test_a_long_poll_returns_the_message_that_woke_it(server: LiveServer) -> None:
    alice, bob = await client(server, "alice"), await client(server, "bob")
    room_id = await alice.create_room(preset="public_chat")
    await bob.ok("post", f"/join/{q(room_id)}")
    since = (await bob.sync())["next_batch"]
    waiting = asyncio.create_task(bob.sync(since=since, timeout=30000))
    await alice.send(room_id, "ping")
    synced = await waiting
    assert room_id in synced["rooms"]["join"], synced
    # Had the notifier not woken it, the sync would have come back empty after 30 s.
    assert bodies(synced["rooms"]["join"][room_id]["timeline"]["events"]) == ["ping"]
    assert synced["next_batch"] != since


async def test_typing_receipts_and_account_data_arrive_through_sync(server: LiveServer) -> None:
    alice, bob = await client(server, "alice"), await client(server, "bob")
    room_id = await alice.create_room(preset="public_chat")
    await bob.ok("post", f"/join/{q(room_id)}")
    message = await alice.send(room_id, "read me")
    since = (await bob.sync())["next_batch"]
    # A long poll that only typing can wake.
    waiting = asyncio.create_task(bob.sync(since=since, timeout=30000))
    typing = await alice.put(
        f"/rooms/{q(room_id)}/typing/{q(alice.user_id)}", {"typing": True, "timeout": 30000}
    )
    assert typing.status_code == 200, typing.text
    woken = await waiting
    ephemeral = woken["rooms"]["join"][room_id]["ephemeral"]["events"]
    assert {"type": "m.typing", "content": {"user_ids": [alice.user_id]}} in ephemeral
    assert woken["rooms"]["join"][room_id]["timeline"]["events"] == []
    receipt = await alice.post(f"/rooms/{q(room_id)}/receipt/m.read/{q(message)}", {})
    assert receipt.status_code == 200, receipt.text
    data = await bob.put(f"/user/{q(bob.user_id)}/account_data/org.example.x", {"a": 1})
    assert data.status_code == 200, data.text
    later = await bob.sync(since=woken["next_batch"])
    receipts = [e for e in later["rooms"]["join"][room_id]["ephemeral"]["events"]]
    assert receipts and receipts[0]["type"] == "m.receipt"
    assert alice.user_id in receipts[0]["content"][message]["m.read"]
    assert {"type": "org.example.x", "content": {"a": 1}} in later["account_data"]["events"]
    initial = await bob.sync()
    assert "m.push_rules" in {e["type"] for e in initial["account_data"]["events"]}


async def test_set_presence_on_sync_sets_the_users_presence(server: LiveServer) -> None:
    alice = await client(server, "alice")
    await alice.sync(set_presence="unavailable")
    status = await alice.get(f"/presence/{q(alice.user_id)}/status")
    assert status.json()["presence"] == "unavailable"
    await alice.sync()  # online by default
    assert (await alice.get(f"/presence/{q(alice.user_id)}/status")).json()["presence"] == "online"
    bad = await alice.get("/sync", set_presence="away")
    assert bad.status_code == 400
