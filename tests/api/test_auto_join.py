"""``auto_join_rooms``: users created by a JWT login join the configured rooms, on both engines."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.api.rooms_support import Client, client, q
from tests.api.support import admin_headers, assert_error
from tests.conftest import LiveServer, StartServer

LOBBY = "#lobby:test.local"


async def joined_rooms(user: Client) -> list[str]:
    response = await user.get("/joined_rooms")
    assert response.status_code == 200, response.text
    return list(response.json()["joined_rooms"])


async def alias_target(server: LiveServer, alias: str) -> Any:
    return await server.client.get(f"/_matrix/client/v3/directory/room/{q(alias)}")


async def state(user: Client, room_id: str, event_type: str, key: str = "") -> Any:
    response = await user.get(f"/rooms/{q(room_id)}/state/{event_type}/{q(key)}")
    assert response.status_code == 200, response.text
    return response.json()


async def test_first_login_creates_the_aliased_room_and_later_users_join_it(
    start_server: StartServer,
) -> None:
    async with start_server(auto_join_rooms=(LOBBY,)) as server:
        assert (await alias_target(server, LOBBY)).status_code == 404
        alice = await client(server, "alice")
        resolved = await alias_target(server, LOBBY)
        assert resolved.status_code == 200, resolved.text
        room_id = resolved.json()["room_id"]
        assert await joined_rooms(alice) == [room_id]
        assert (await state(alice, room_id, "m.room.create"))["room_version"] == "12"
        # The default preset, public_chat, as Synapse's autocreate_auto_join_room_preset.
        assert await state(alice, room_id, "m.room.join_rules") == {"join_rule": "public"}
        assert await state(alice, room_id, "m.room.canonical_alias") == {"alias": LOBBY}

        bob = await client(server, "bob")

        assert await joined_rooms(bob) == [room_id]
        member = await state(alice, room_id, "m.room.member", bob.user_id)
        assert member["membership"] == "join"


async def test_an_existing_user_is_not_joined_again_at_the_next_login(
    start_server: StartServer,
) -> None:
    async with start_server(auto_join_rooms=(LOBBY,)) as server:
        alice = await client(server, "alice")
        (room_id,) = await joined_rooms(alice)
        await alice.ok("post", f"/rooms/{q(room_id)}/leave")

        again = await client(server, "alice")

        assert await joined_rooms(again) == []
        member = await state(await client(server, "bob"), room_id, "m.room.member", alice.user_id)
        assert member["membership"] == "leave"


async def test_without_autocreate_a_missing_alias_is_skipped_and_the_login_succeeds(
    start_server: StartServer,
) -> None:
    rooms = (LOBBY, "!nowhere:test.local", "#elsewhere:remote.example")
    async with start_server(auto_join_rooms=rooms, autocreate_auto_join_rooms=False) as server:
        alice = await client(server, "alice")  # asserts the login's 200

        assert await joined_rooms(alice) == []
        assert_error(await alias_target(server, LOBBY), 404, "M_NOT_FOUND")


async def test_an_existing_room_id_is_joined_and_a_failing_entry_does_not_stop_the_next(
    start_server: StartServer,
) -> None:
    async with start_server() as server:
        room_id = await (await client(server, "alice")).create_room(preset="public_chat")
    rooms = ("!missing:test.local", room_id)
    async with start_server(auto_join_rooms=rooms) as server:
        bob = await client(server, "bob")

        assert await joined_rooms(bob) == [room_id]


async def test_a_private_room_is_created_by_the_configured_user_who_invites_new_users(
    start_server: StartServer,
) -> None:
    async with start_server(
        auto_join_rooms=(LOBBY,),
        autocreate_auto_join_room_preset="private_chat",
        auto_join_mxid_localpart="lobbybot",
    ) as server:
        alice = await client(server, "alice")
        (room_id,) = await joined_rooms(alice)
        create = await alice.get(f"/rooms/{q(room_id)}/state")
        creator = next(e for e in create.json() if e["type"] == "m.room.create")["sender"]
        assert creator == "@lobbybot:test.local"
        assert await state(alice, room_id, "m.room.join_rules") == {"join_rule": "invite"}

        bob = await client(server, "bob")

        assert await joined_rooms(bob) == [room_id]
        invite = await alice.get(f"/rooms/{q(room_id)}/members")
        memberships = {e["state_key"]: e["content"]["membership"] for e in invite.json()["chunk"]}
        assert memberships == {
            "@lobbybot:test.local": "join",
            alice.user_id: "join",
            bob.user_id: "join",
        }


async def test_new_users_logging_in_at_once_end_up_in_one_room(start_server: StartServer) -> None:
    async with start_server(auto_join_rooms=(LOBBY,)) as server:
        names = ("alice", "bob", "carol")
        users = await asyncio.gather(*(client(server, name) for name in names))

        rooms = [await joined_rooms(user) for user in users]
        resolved = (await alias_target(server, LOBBY)).json()["room_id"]
        assert rooms == [[resolved]] * len(names)


async def test_a_user_the_admin_api_creates_joins_too(start_server: StartServer) -> None:
    async with start_server(auto_join_rooms=(LOBBY,)) as server:
        headers = await admin_headers(server)  # @root's login creates the room
        room_id = (await alias_target(server, LOBBY)).json()["room_id"]
        made = await server.client.put(
            "/_synapse/admin/v2/users/@dora:test.local", headers=headers, json={}
        )
        assert made.status_code == 201, made.text

        members = await server.client.get(
            f"/_matrix/client/v3/rooms/{q(room_id)}/joined_members", headers=headers
        )
        assert "@dora:test.local" in members.json()["joined"]
