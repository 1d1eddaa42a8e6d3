"""Bad input and forbidden actions get a clear Matrix error, and change nothing."""

from __future__ import annotations

from tessera.config.model import JoinRateLimits, RateLimitConfig
from tests.api.rooms_support import client, q
from tests.api.support import assert_error, count_rows
from tests.conftest import LiveServer, StartServer


async def test_unknown_and_malformed_rooms(server: LiveServer) -> None:
    alice = await client(server, "alice")
    assert_error(await alice.post(f"/join/{q('!nope:test.local')}"), 404, "M_NOT_FOUND")
    assert_error(await alice.post(f"/join/{q('#nope:test.local')}"), 404, "M_NOT_FOUND")
    assert_error(await alice.post(f"/join/{q('not-a-room')}"), 400, "M_INVALID_PARAM")
    send = await alice.put(f"/rooms/{q('!nope:test.local')}/send/m.room.message/t", {})
    assert_error(send, 404, "M_NOT_FOUND")
    assert await count_rows(server, "events") == 0


async def test_bad_events_change_nothing(server: LiveServer) -> None:
    alice = await client(server, "alice")
    room_id = await alice.create_room()
    before = await count_rows(server, "events")
    path = f"/rooms/{q(room_id)}/send/m.room.message"
    big = await alice.put(f"{path}/big", {"body": "x" * 65_000})
    assert_error(big, 413, "M_TOO_LARGE")
    array = await alice.server.client.put(
        f"/_matrix/client/v3{path}/arr", headers=alice.headers, content=b"[1]"
    )
    assert_error(array, 400, "M_BAD_JSON")
    floats = await alice.put(f"{path}/float", {"n": 1.5})
    assert_error(floats, 400, "M_BAD_JSON")
    assert await count_rows(server, "events") == before


async def test_bad_invites_and_create_requests(server: LiveServer) -> None:
    alice = await client(server, "alice")
    create = await alice.post("/createRoom", {"invite": ["bob"]})
    assert_error(create, 400, "M_INVALID_PARAM")
    assert_error(
        await alice.post("/createRoom", {"room_version": "1"}), 400, "M_UNSUPPORTED_ROOM_VERSION"
    )
    assert_error(await alice.post("/createRoom", {"preset": "party"}), 400, "M_INVALID_PARAM")
    bad_state = await alice.post(
        "/createRoom", {"initial_state": [{"type": "x", "state_key": 1, "content": {}}]}
    )
    assert_error(bad_state, 400, "M_BAD_JSON")
    assert await count_rows(server, "rooms") == 0
    room_id = await alice.create_room()
    invite = await alice.post(f"/rooms/{q(room_id)}/invite", {"user_id": "not-a-user"})
    assert_error(invite, 400, "M_INVALID_PARAM")


async def test_inviting_a_user_who_never_logged_in_is_allowed(server: LiveServer) -> None:
    alice = await client(server, "alice")
    room_id = await alice.create_room()
    invited = await alice.post(f"/rooms/{q(room_id)}/invite", {"user_id": "@carol:test.local"})
    assert invited.status_code == 200, invited.text
    carol = await client(server, "carol")  # first login after the invite
    synced = await carol.sync()
    assert room_id in synced["rooms"]["invite"]
    await carol.ok("post", f"/rooms/{q(room_id)}/join")
    members = (await alice.get(f"/rooms/{q(room_id)}/joined_members")).json()["joined"]
    assert set(members) == {alice.user_id, carol.user_id}


async def test_forbidden_actions_say_why(server: LiveServer) -> None:
    alice, bob, eve = [await client(server, n) for n in ("alice", "bob", "eve")]
    room_id = await alice.create_room()  # private: invite only
    refused = await eve.post(f"/rooms/{q(room_id)}/join")
    body = assert_error(refused, 403, "M_FORBIDDEN")
    assert "invite" in body["error"]
    stranger = await eve.put(f"/rooms/{q(room_id)}/send/m.room.message/t", {"body": "hi"})
    assert_error(stranger, 403, "M_FORBIDDEN")
    await alice.ok("post", f"/rooms/{q(room_id)}/invite", {"user_id": bob.user_id})
    await bob.ok("post", f"/rooms/{q(room_id)}/join")
    # Bob (power 0) may not kick, ban, or change the power levels.
    kick = await bob.post(f"/rooms/{q(room_id)}/kick", {"user_id": alice.user_id})
    assert_error(kick, 403, "M_FORBIDDEN")
    levels = await bob.put(f"/rooms/{q(room_id)}/state/m.room.power_levels", {"users": {}})
    assert_error(levels, 403, "M_FORBIDDEN")
    reading = await eve.get(f"/rooms/{q(room_id)}/messages")
    assert_error(reading, 403, "M_FORBIDDEN")
    # Alice bans bob; he cannot come back until unbanned.
    await alice.ok("post", f"/rooms/{q(room_id)}/ban", {"user_id": bob.user_id, "reason": "spam"})
    assert_error(await bob.post(f"/rooms/{q(room_id)}/join"), 403, "M_FORBIDDEN")
    await alice.ok("post", f"/rooms/{q(room_id)}/unban", {"user_id": bob.user_id})
    await alice.ok("post", f"/rooms/{q(room_id)}/invite", {"user_id": bob.user_id})
    await bob.ok("post", f"/rooms/{q(room_id)}/join")
    still_joined = await bob.post(f"/rooms/{q(room_id)}/forget")
    assert_error(still_joined, 400, "M_UNKNOWN")


async def test_rc_message_and_rc_joins_limit_each_user(start_server: StartServer) -> None:
    tight = RateLimitConfig(per_second=0.0001, burst_count=2)
    async with start_server(rc_message=tight, rc_joins=JoinRateLimits(local=tight)) as server:
        alice, bob = await client(server, "alice"), await client(server, "bob")
        room_id = await alice.create_room(preset="public_chat")  # the first of alice's two
        await alice.send(room_id, "second", txn_id="t")
        assert await alice.send(room_id, "retry", txn_id="t")  # a retry costs nothing
        limited = await alice.put(f"/rooms/{q(room_id)}/send/m.room.message/u", {"body": "3"})
        body = assert_error(limited, 429, "M_LIMIT_EXCEEDED")
        assert body["retry_after_ms"] > 0 and int(limited.headers["retry-after"]) >= 1
        bobs = await bob.create_room(preset="public_chat")  # bob has a bucket of his own
        for _ in range(2):
            await alice.ok("post", f"/rooms/{q(bobs)}/join")
        assert_error(await alice.post(f"/rooms/{q(bobs)}/join"), 429, "M_LIMIT_EXCEEDED")
