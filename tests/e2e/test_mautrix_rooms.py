"""mautrix-python chats on a real ``tessera run``, on SQLite and on PostgreSQL.

The same story as the matrix-nio test, told by mautrix's client API: JWT login
(``LoginType.UNSTABLE_JWT``), create a room with an invite, join, messages both ways read
through ``/sync``, a rename, a redaction, a leave. mautrix deserializes the events of
``/messages`` and state reads into its own types, so a malformed event fails here.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from mautrix.client import Client
from mautrix.types import (
    EventType,
    LoginType,
    MessageEvent,
    PaginationDirection,
    RedactionEvent,
    RoomCreatePreset,
    RoomNameStateEventContent,
    UserID,
)

from tests.e2e.chat_server import chat_server
from tests.e2e.test_quickstart import ServerProcess, assert_clean_exit
from tests.support.keys import sign


@pytest.fixture(params=["sqlite", "postgres"])
async def server(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[tuple[ServerProcess, str]]:
    async with chat_server(request.param, tmp_path, "mautrix_rooms") as started:
        yield started


@pytest.fixture
async def clients() -> AsyncIterator[list[Client]]:
    made: list[Client] = []
    yield made
    for client in made:
        await client.api.session.close()


async def logged_in(clients: list[Client], homeserver: str, secret: str, name: str) -> Client:
    client = Client(mxid=UserID(f"@{name}:localhost"), base_url=homeserver)
    clients.append(client)
    claims = {"sub": name, "iat": int(time.time()), "jti": secrets.token_hex(8)}
    await client.login(login_type=LoginType.UNSTABLE_JWT, token=sign(claims, secret))
    assert client.api.token
    return client


def messages(sync: dict[str, Any], room_id: str) -> list[str]:
    room = sync["rooms"]["join"].get(room_id, {})
    events = room.get("timeline", {}).get("events", [])
    return [e["content"]["body"] for e in events if e["type"] == "m.room.message"]


async def test_two_mautrix_clients_chat(
    server: tuple[ServerProcess, str], clients: list[Client]
) -> None:
    process, secret = server
    homeserver = process.base_url()
    alice = await logged_in(clients, homeserver, secret, "alice")
    bob = await logged_in(clients, homeserver, secret, "bob")
    assert (await alice.whoami()).user_id == "@alice:localhost"

    room_id = await alice.create_room(
        name="Tea", preset=RoomCreatePreset.PRIVATE, invitees=[UserID("@bob:localhost")]
    )
    bob_sync = await bob.sync(timeout=0)
    assert room_id in bob_sync["rooms"]["invite"]
    assert await bob.join_room(room_id) == room_id

    sent = await alice.send_text(room_id, "hello from mautrix")
    bob_sync = await bob.sync(since=bob_sync["next_batch"], timeout=5000)
    assert "hello from mautrix" in messages(bob_sync, room_id)
    await bob.send_text(room_id, "hi alice")
    alice_sync = await alice.sync(timeout=0)
    assert messages(alice_sync, room_id) == ["hello from mautrix", "hi alice"]
    joined = alice_sync["rooms"]["join"][room_id]
    assert joined["summary"]["m.joined_member_count"] == 2
    alice_sync = await alice.sync(since=alice_sync["next_batch"], timeout=0)
    assert messages(alice_sync, room_id) == []  # nothing new: no room in the sync

    await alice.send_state_event(room_id, EventType.ROOM_NAME, {"name": "Coffee"})
    name = await bob.get_state_event(room_id, EventType.ROOM_NAME)
    assert isinstance(name, RoomNameStateEventContent) and name.name == "Coffee"
    bob_sync = await bob.sync(since=bob_sync["next_batch"], timeout=5000)
    timeline = bob_sync["rooms"]["join"][room_id]["timeline"]["events"]
    renames = [e["content"]["name"] for e in timeline if e["type"] == "m.room.name"]
    assert renames == ["Coffee"]

    redaction = await alice.redact(room_id, sent, reason="typo")
    page = await bob.get_messages(room_id, PaginationDirection.BACKWARD, limit=50)
    by_id = {event.event_id: event for event in page.events}
    assert isinstance(by_id[redaction], RedactionEvent)
    assert sent in by_id and not getattr(by_id[sent].content, "body", None)
    texts = [e.content.body for e in page.events if isinstance(e, MessageEvent) and e.content.body]
    assert texts == ["hi alice"]

    await bob.leave_room(room_id)
    bob_sync = await bob.sync(since=bob_sync["next_batch"], timeout=5000)
    assert room_id in bob_sync["rooms"]["leave"]
    alice_sync = await alice.sync(since=alice_sync["next_batch"], timeout=5000)
    timeline = alice_sync["rooms"]["join"][room_id]["timeline"]["events"]
    left = [e["state_key"] for e in timeline if e["type"] == "m.room.member"]
    assert left == ["@bob:localhost"]
    assert [e["content"]["membership"] for e in timeline if e["type"] == "m.room.member"] == [
        "leave"
    ]
    assert await bob.get_joined_rooms() == []
    assert await alice.get_joined_rooms() == [room_id]

    assert_clean_exit(process)
