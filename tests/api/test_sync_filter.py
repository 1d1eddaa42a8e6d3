"""``GET /sync`` applies the filter's ``account_data``, ``presence``, ``room.ephemeral`` and
``room.account_data`` sections, on both engines."""

from __future__ import annotations

import json
from typing import Any

from tests.api.rooms_support import Client, client, q
from tests.conftest import LiveServer

FILTER = json.dumps(
    {
        "account_data": {"types": ["a.keep"]},
        "presence": {"not_types": ["m.presence"]},
        "room": {"ephemeral": {"not_types": ["m.typing"]}, "account_data": {"limit": 0}},
    }
)


def types(events: list[dict[str, Any]]) -> set[str]:
    return {event["type"] for event in events}


async def typing(user: Client, room_id: str, on: bool) -> None:
    await user.ok("put", f"/rooms/{q(room_id)}/typing/{q(user.user_id)}", {"typing": on})


async def test_the_filter_leaves_out_what_it_excludes(server: LiveServer) -> None:
    alice, bob = await client(server, "alice"), await client(server, "bob")
    room_id = await alice.create_room(preset="public_chat")
    await bob.ok("post", f"/join/{q(room_id)}")
    message = await alice.send(room_id, "read me")
    for event_type in ("a.keep", "a.drop"):
        await bob.ok("put", f"/user/{q(bob.user_id)}/account_data/{event_type}", {"x": 1})
    await bob.ok(
        "put", f"/user/{q(bob.user_id)}/rooms/{q(room_id)}/account_data/m.tag", {"tags": {}}
    )
    await alice.ok("put", f"/presence/{q(alice.user_id)}/status", {"presence": "online"})
    await alice.ok("post", f"/rooms/{q(room_id)}/receipt/m.read/{q(message)}", {})
    await typing(alice, room_id, True)

    everything = await bob.sync()
    filtered = await bob.sync(filter=FILTER)

    assert {"a.keep", "a.drop", "m.push_rules"} <= types(everything["account_data"]["events"])
    assert [e["type"] for e in filtered["account_data"]["events"]] == ["a.keep"]
    senders = {e["sender"] for e in everything["presence"]["events"]}
    assert alice.user_id in senders
    assert filtered["presence"]["events"] == []
    room, kept = everything["rooms"]["join"][room_id], filtered["rooms"]["join"][room_id]
    assert types(room["ephemeral"]["events"]) == {"m.typing", "m.receipt"}
    assert [e["type"] for e in kept["ephemeral"]["events"]] == ["m.receipt"]
    assert [e["type"] for e in room["account_data"]["events"]] == ["m.tag"]
    assert kept["account_data"]["events"] == []
    # The timeline is not what these sections filter.
    ids = [[e["event_id"] for e in r["timeline"]["events"]] for r in (room, kept)]
    assert ids[0] == ids[1] and ids[0]

    # Typing alone moved: the filtered sync has nothing for the room, the unfiltered one has.
    await typing(alice, room_id, False)
    quiet = await bob.sync(since=filtered["next_batch"], filter=FILTER)
    assert room_id not in quiet["rooms"]["join"]
    moved = await bob.sync(since=filtered["next_batch"])
    stopped = moved["rooms"]["join"][room_id]["ephemeral"]["events"]
    assert {"type": "m.typing", "content": {"user_ids": []}} in stopped


async def test_rooms_the_filter_leaves_out_show_no_ephemeral_events(server: LiveServer) -> None:
    alice, bob = await client(server, "alice"), await client(server, "bob")
    room_id = await alice.create_room(preset="public_chat")
    await bob.ok("post", f"/join/{q(room_id)}")
    since = (await bob.sync())["next_batch"]
    await typing(alice, room_id, True)

    synced = await bob.sync(since=since, filter=json.dumps({"room": {"not_rooms": [room_id]}}))

    assert synced["rooms"]["join"] == {}
