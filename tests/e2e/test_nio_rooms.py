"""matrix-nio chats on a real ``tessera run``, on SQLite and on PostgreSQL.

Two nio clients log in with JWTs; Alice creates a room and invites Bob, Bob joins from the
invite his sync shows him, they exchange messages that each receives through nio's own sync,
Alice renames the room, redacts a message, Bob leaves. nio validates every response against
its JSON schemas, so a key Tessera leaves out turns a response into nio's ``…Error``.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from nio import (
    AsyncClient,
    AsyncClientConfig,
    JoinResponse,
    LoginResponse,
    RoomCreateResponse,
    RoomGetStateEventResponse,
    RoomLeaveResponse,
    RoomMessagesResponse,
    RoomMessageText,
    RoomPutStateResponse,
    RoomRedactResponse,
    RoomSendResponse,
    SyncResponse,
)

from tests.e2e.chat_server import chat_server
from tests.e2e.test_quickstart import ServerProcess, assert_clean_exit
from tests.support.keys import sign

NIO_CONFIG = AsyncClientConfig(max_timeouts=0, max_limit_exceeded=0, request_timeout=20)


@pytest.fixture(params=["sqlite", "postgres"])
async def server(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[tuple[ServerProcess, str]]:
    async with chat_server(request.param, tmp_path, "nio_rooms") as started:
        yield started


@pytest.fixture
async def clients() -> AsyncIterator[list[AsyncClient]]:
    made: list[AsyncClient] = []
    yield made
    for client in made:
        await client.close()


async def logged_in(
    clients: list[AsyncClient], homeserver: str, secret: str, name: str
) -> AsyncClient:
    client = AsyncClient(homeserver, config=NIO_CONFIG)
    clients.append(client)
    claims = {"sub": name, "iat": int(time.time()), "jti": secrets.token_hex(8)}
    login = await client.login_raw({"type": "org.matrix.login.jwt", "token": sign(claims, secret)})
    assert isinstance(login, LoginResponse), login
    return client


async def sync(client: AsyncClient, timeout_ms: int = 0) -> SyncResponse:
    response = await client.sync(timeout=timeout_ms, since=client.next_batch)
    assert isinstance(response, SyncResponse), response
    return response


def texts(response: SyncResponse, room_id: str) -> list[str]:
    joined = response.rooms.join.get(room_id)
    if joined is None:
        return []
    return [e.body for e in joined.timeline.events if isinstance(e, RoomMessageText)]


async def test_two_nio_clients_chat(
    server: tuple[ServerProcess, str], clients: list[AsyncClient]
) -> None:
    process, secret = server
    homeserver = process.base_url()
    alice = await logged_in(clients, homeserver, secret, "alice")
    bob = await logged_in(clients, homeserver, secret, "bob")
    await sync(alice)
    await sync(bob)

    created = await alice.room_create(name="Tea", invite=["@bob:localhost"])
    assert isinstance(created, RoomCreateResponse), created
    room_id = created.room_id

    # Bob's sync shows the invite; he joins.
    invited = await sync(bob, 5000)
    assert room_id in invited.rooms.invite, invited.rooms
    joined = await bob.join(room_id)
    assert isinstance(joined, JoinResponse), joined

    sent = await alice.room_send(room_id, "m.room.message", {"msgtype": "m.text", "body": "hello"})
    assert isinstance(sent, RoomSendResponse), sent
    seen = await sync(bob, 5000)
    assert "hello" in texts(seen, room_id)
    assert bob.rooms[room_id].name == "Tea"
    assert set(bob.rooms[room_id].users) == {"@alice:localhost", "@bob:localhost"}

    reply = await bob.room_send(room_id, "m.room.message", {"msgtype": "m.text", "body": "hi!"})
    assert isinstance(reply, RoomSendResponse), reply
    heard = await sync(alice, 5000)
    assert texts(heard, room_id)[-1:] == ["hi!"]

    # A long poll wakes when the other side sends.
    renamed = await alice.room_put_state(room_id, "m.room.name", {"name": "Coffee"})
    assert isinstance(renamed, RoomPutStateResponse), renamed
    await sync(bob, 5000)
    assert bob.rooms[room_id].name == "Coffee"
    name = await bob.room_get_state_event(room_id, "m.room.name")
    assert isinstance(name, RoomGetStateEventResponse), name
    assert name.content == {"name": "Coffee"}

    redacted = await alice.room_redact(room_id, sent.event_id, reason="typo")
    assert isinstance(redacted, RoomRedactResponse), redacted
    history = await bob.room_messages(room_id, start="", limit=20)
    assert isinstance(history, RoomMessagesResponse), history
    by_id: dict[str, Any] = {e.event_id: e for e in history.chunk}
    assert sent.event_id in by_id
    assert not isinstance(by_id[sent.event_id], RoomMessageText)  # redacted: content gone
    assert any(isinstance(e, RoomMessageText) and e.body == "hi!" for e in history.chunk)

    left = await bob.room_leave(room_id)
    assert isinstance(left, RoomLeaveResponse), left
    after = await sync(bob, 5000)
    assert room_id in after.rooms.leave
    alice_view = await sync(alice, 5000)
    members = alice_view.rooms.join[room_id].timeline.events
    assert any(getattr(e, "membership", None) == "leave" for e in members)

    assert_clean_exit(process)
