"""SIGKILL of ``tessera run`` mid-load: nothing it answered 200 is lost, nothing is half-made.

Logins of new users run on many connections at once; the server is killed while
they are in flight and started again on the same database. Every access token a
client received must still work, and the database must hold only whole logins
(user, device and access token together), on SQLite and PostgreSQL.
"""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.support import (
    LOGIN,
    audit,
    create_database,
    database_url,
    drop_database,
    login_body,
    start_server,
    unique_localpart,
    whoami_status,
    write_homeserver,
)

WORKERS = 16
#: Kill once this many logins have answered 200; the workers are still sending.
KILL_AFTER = 150


@pytest.fixture(params=["sqlite", "postgres"])
async def database_section(request: pytest.FixtureRequest) -> AsyncIterator[dict[str, Any] | None]:
    """None (the generated SQLite file), or a database of its own in the test cluster."""
    if request.param == "sqlite":
        yield None
        return
    section = await create_database("tessera_kill9")
    yield section
    await drop_database(section)


async def test_tokens_answered_before_sigkill_survive_it(
    tmp_path: Path, database_section: dict[str, Any] | None
) -> None:
    secret = write_homeserver(tmp_path, database_section)
    server, base_url = start_server(tmp_path)
    issued: list[str] = []
    cut_off = 0  # requests that got no answer: in flight when the server died
    enough = asyncio.Event()

    async def log_in_new_users(client: httpx.AsyncClient) -> None:
        nonlocal cut_off
        while True:
            try:
                response = await client.post(LOGIN, json=login_body(secret, unique_localpart("k")))
            except httpx.TransportError:
                cut_off += 1
                return
            assert response.status_code == 200, response.text
            issued.append(response.json()["access_token"])
            if len(issued) >= KILL_AFTER:
                enough.set()

    try:
        limits = httpx.Limits(max_connections=WORKERS)
        async with httpx.AsyncClient(base_url=base_url, timeout=10, limits=limits) as client:
            workers = [asyncio.create_task(log_in_new_users(client)) for _ in range(WORKERS)]
            await asyncio.wait_for(enough.wait(), 60)
            os.kill(server.process.pid, signal.SIGKILL)
            await asyncio.wait_for(asyncio.gather(*workers), 30)
    finally:
        server.kill()
    assert server.process.returncode == -signal.SIGKILL
    assert cut_off > 0  # the kill did land on requests in flight

    restarted, base_url = start_server(tmp_path)
    try:
        async with httpx.AsyncClient(base_url=base_url, timeout=10) as client:
            statuses = [await whoami_status(client, token) for token in issued]
    finally:
        restarted.kill()
    problems, users = await audit(database_url(tmp_path, database_section))

    assert statuses.count(200) == len(issued), statuses
    assert problems == dict.fromkeys(problems, 0)
    # Every answered login made a user; those cut off may or may not have committed.
    assert len(issued) <= users <= len(issued) + WORKERS
    print(f"\nkill -9: {len(issued)} tokens verified, {cut_off} requests cut off, {users} users")
