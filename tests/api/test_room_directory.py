"""Aliases, the public room list and directory visibility over HTTP, on both engines."""

from __future__ import annotations

from tests.api.rooms_support import client, q
from tests.api.support import assert_error
from tests.conftest import LiveServer


async def test_aliases_resolve_join_and_delete(server: LiveServer) -> None:
    alice, bob = await client(server, "alice"), await client(server, "bob")
    room_id = await alice.create_room(preset="public_chat", room_alias_name="tea")
    alias = "#tea:test.local"
    resolved = await bob.get(f"/directory/room/{q(alias)}")
    assert resolved.json() == {"room_id": room_id, "servers": ["test.local"]}
    assert (await bob.post(f"/join/{q(alias)}")).json() == {"room_id": room_id}
    taken = await bob.post("/createRoom", {"room_alias_name": "tea"})
    assert_error(taken, 400, "M_ROOM_IN_USE")
    second = await bob.put(f"/directory/room/{q('#coffee:test.local')}", {"room_id": room_id})
    assert second.status_code == 200, second.text
    again = await alice.put(f"/directory/room/{q('#coffee:test.local')}", {"room_id": room_id})
    assert_error(again, 409, "M_UNKNOWN")
    listed = await alice.get(f"/rooms/{q(room_id)}/aliases")
    assert listed.json() == {"aliases": ["#coffee:test.local", alias]}
    assert_error(
        await alice.delete(f"/directory/room/{q('#coffee:test.local')}"), 403, "M_FORBIDDEN"
    )
    assert (await bob.delete(f"/directory/room/{q('#coffee:test.local')}")).status_code == 200
    assert_error(await bob.get(f"/directory/room/{q('#coffee:test.local')}"), 404, "M_NOT_FOUND")
    remote = await alice.put(f"/directory/room/{q('#x:elsewhere.org')}", {"room_id": room_id})
    assert_error(remote, 400, "M_INVALID_PARAM")
    assert_error(await alice.get(f"/directory/room/{q('tea')}"), 400, "M_INVALID_PARAM")


async def test_public_rooms_list_search_and_visibility(server: LiveServer) -> None:
    alice, bob = await client(server, "alice"), await client(server, "bob")
    tea = await alice.create_room(visibility="public", name="Tea lovers", topic="green")
    coffee = await alice.create_room(visibility="public", name="Coffee")
    hidden = await alice.create_room(name="Tea secrets")
    await bob.ok("post", f"/join/{q(coffee)}")
    listed = (await server.client.get("/_matrix/client/v3/publicRooms")).json()
    assert [r["room_id"] for r in listed["chunk"]] == [coffee, tea]  # most joined first
    assert listed["chunk"][1]["topic"] == "green"
    assert listed["chunk"][1]["join_rule"] == "public"
    found = await bob.post("/publicRooms", {"filter": {"generic_search_term": "tea"}})
    assert [r["room_id"] for r in found.json()["chunk"]] == [tea]
    page = (await server.client.get("/_matrix/client/v3/publicRooms?limit=1")).json()
    assert len(page["chunk"]) == 1 and page["next_batch"]
    visibility = await server.client.get(f"/_matrix/client/v3/directory/list/room/{q(hidden)}")
    assert visibility.json() == {"visibility": "private"}
    assert (
        await bob.put(f"/directory/list/room/{q(hidden)}", {"visibility": "public"})
    ).status_code == 403
    await alice.ok("put", f"/directory/list/room/{q(hidden)}", {"visibility": "public"})
    found = await bob.post("/publicRooms", {"filter": {"generic_search_term": "tea"}})
    assert {r["room_id"] for r in found.json()["chunk"]} == {tea, hidden}
