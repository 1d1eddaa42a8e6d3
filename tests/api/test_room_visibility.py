"""History visibility, lazy-loaded members and member lists over HTTP, on both engines."""

from __future__ import annotations

from typing import Any

from tests.api.rooms_support import bodies, client, q
from tests.api.support import assert_error
from tests.conftest import LiveServer


async def test_joined_visibility_hides_history_from_before_the_join(server: LiveServer) -> None:
    alice, bob = await client(server, "alice"), await client(server, "bob")
    room_id = await alice.create_room(
        preset="public_chat",
        initial_state=[
            {"type": "m.room.history_visibility", "content": {"history_visibility": "joined"}}
        ],
    )
    early = await alice.send(room_id, "before bob")
    await bob.ok("post", f"/join/{q(room_id)}")
    await alice.send(room_id, "after bob")
    page = (await bob.get(f"/rooms/{q(room_id)}/messages", limit=50)).json()
    assert bodies(page["chunk"]) == ["after bob"]
    assert_error(await bob.get(f"/rooms/{q(room_id)}/event/{q(early)}"), 404, "M_NOT_FOUND")
    synced = await bob.sync()
    assert bodies(synced["rooms"]["join"][room_id]["timeline"]["events"]) == ["after bob"]
    # Shared (the default) shows a joined member the whole history.
    shared = await alice.create_room(preset="public_chat")
    await alice.send(shared, "old news")
    await bob.ok("post", f"/join/{q(shared)}")
    page = (await bob.get(f"/rooms/{q(shared)}/messages", limit=50)).json()
    assert bodies(page["chunk"]) == ["old news"]


async def test_a_member_who_left_reads_up_to_their_leave(server: LiveServer) -> None:
    alice, bob = await client(server, "alice"), await client(server, "bob")
    room_id = await alice.create_room(preset="public_chat")
    await bob.ok("post", f"/join/{q(room_id)}")
    await alice.send(room_id, "while bob is here")
    await bob.ok("post", f"/rooms/{q(room_id)}/leave")
    await alice.send(room_id, "after bob left")
    await alice.put(f"/rooms/{q(room_id)}/state/m.room.topic", {"topic": "later"})
    page = (await bob.get(f"/rooms/{q(room_id)}/messages", limit=50)).json()
    assert bodies(page["chunk"]) == ["while bob is here"]
    assert_error(await bob.get(f"/rooms/{q(room_id)}/state/m.room.topic"), 404, "M_NOT_FOUND")


async def test_lazy_loading_sends_only_the_members_the_timeline_needs(server: LiveServer) -> None:
    alice = await client(server, "alice")
    room_id = await alice.create_room(preset="public_chat")
    others = [await client(server, f"user{i}") for i in range(3)]
    for other in others:
        await other.ok("post", f"/join/{q(room_id)}")
    await others[0].send(room_id, "hi")
    lazy = '{"room": {"timeline": {"limit": 1}, "state": {"lazy_load_members": true}}}'
    synced = await alice.sync(filter=lazy)
    members = {
        e["state_key"]
        for e in synced["rooms"]["join"][room_id]["state"]["events"]
        if e["type"] == "m.room.member"
    }
    assert members == {alice.user_id, others[0].user_id}
    full = await alice.sync(filter='{"room": {"timeline": {"limit": 1}}}')
    every = {
        e["state_key"]
        for e in full["rooms"]["join"][room_id]["state"]["events"]
        if e["type"] == "m.room.member"
    }
    assert every == {alice.user_id, *(o.user_id for o in others)}
    summary = full["rooms"]["join"][room_id]["summary"]
    assert summary["m.joined_member_count"] == 4
    assert set(summary["m.heroes"]) == {o.user_id for o in others}


async def test_members_now_at_a_point_and_filtered(server: LiveServer) -> None:
    alice, bob, carol = [await client(server, n) for n in ("alice", "bob", "carol")]
    room_id = await alice.create_room(preset="public_chat", invite=[carol.user_id])
    before_bob = (await alice.sync())["next_batch"]
    await bob.ok("post", f"/join/{q(room_id)}")
    await alice.ok("post", f"/rooms/{q(room_id)}/kick", {"user_id": bob.user_id, "reason": "bye"})

    def who(response: dict[str, Any]) -> dict[str, str]:
        return {e["state_key"]: e["content"]["membership"] for e in response["chunk"]}

    now = (await alice.get(f"/rooms/{q(room_id)}/members")).json()
    assert who(now) == {alice.user_id: "join", bob.user_id: "leave", carol.user_id: "invite"}
    then = (await alice.get(f"/rooms/{q(room_id)}/members", at=before_bob)).json()
    assert who(then) == {alice.user_id: "join", carol.user_id: "invite"}
    joined = (await alice.get(f"/rooms/{q(room_id)}/members", membership="join")).json()
    assert who(joined) == {alice.user_id: "join"}
    others = (await alice.get(f"/rooms/{q(room_id)}/members", not_membership="join")).json()
    assert set(who(others)) == {bob.user_id, carol.user_id}
    kicked = next(e for e in now["chunk"] if e["state_key"] == bob.user_id)
    assert kicked["content"]["reason"] == "bye" and kicked["sender"] == alice.user_id
