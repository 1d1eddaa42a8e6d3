"""A message sent through one worker wakes a ``/sync`` waiting on another (PostgreSQL).

Two ``tessera run`` processes share one database, as behind a load balancer; the test picks
which one each request goes to. Bob long-polls on B, Alice sends on A: B hears A's commit
through ``LISTEN``/``NOTIFY`` and answers Bob with the message well within a second (the
issue's bound). Without the wake-up Bob's sync would return empty after its 20 s timeout.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from tests.e2e.support import create_database, drop_database, login_body, write_homeserver
from tests.e2e.test_quickstart import ServerProcess

V3 = "/_matrix/client/v3"
BOUND = 1.0


@pytest.fixture
async def two_workers(tmp_path: Path) -> AsyncIterator[tuple[str, str, str]]:
    database = await create_database("sync_workers")
    secret = write_homeserver(tmp_path, database)
    # One after the other: the first one migrates the empty database.
    servers = [ServerProcess(tmp_path)]
    try:
        a = servers[0].base_url()
        servers.append(ServerProcess(tmp_path))
        b = servers[1].base_url()
        yield a, b, secret
    finally:
        for server in servers:
            server.kill()
        await drop_database(database)


async def _token(http: httpx.AsyncClient, base: str, secret: str, who: str) -> dict[str, str]:
    response = await http.post(f"{base}{V3}/login", json=login_body(secret, who))
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def _ok(response: Any) -> dict[str, Any]:
    reply = await response
    assert reply.status_code == 200, reply.text
    body: dict[str, Any] = reply.json()
    return body


async def test_a_send_on_one_worker_wakes_a_sync_on_the_other(
    two_workers: tuple[str, str, str],
) -> None:
    a, b, secret = two_workers
    async with httpx.AsyncClient(timeout=30) as http:
        alice = await _token(http, a, secret, "alice")
        bob = await _token(http, b, secret, "bob")
        room = await _ok(
            http.post(f"{a}{V3}/createRoom", headers=alice, json={"invite": ["@bob:localhost"]})
        )
        room_id = room["room_id"]
        await _ok(http.post(f"{b}{V3}/join/{quote(room_id, safe='')}", headers=bob, json={}))
        since = (await _ok(http.get(f"{b}{V3}/sync", headers=bob)))["next_batch"]
        params = {"since": since, "timeout": "20000"}
        waiting = asyncio.create_task(_ok(http.get(f"{b}{V3}/sync", headers=bob, params=params)))
        await asyncio.sleep(0.5)  # let the long poll start waiting (it is correct either way)
        assert not waiting.done()
        sent_at = time.monotonic()
        path = f"{a}{V3}/rooms/{quote(room_id, safe='')}/send/m.room.message/t1"
        await _ok(http.put(path, headers=alice, json={"msgtype": "m.text", "body": "wake"}))
        synced = await waiting
        latency = time.monotonic() - sent_at
    events = synced["rooms"]["join"][room_id]["timeline"]["events"]
    assert [e["content"].get("body") for e in events if e["type"] == "m.room.message"] == ["wake"]
    assert latency < BOUND, latency
