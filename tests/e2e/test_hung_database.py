"""PostgreSQL hung (SIGSTOP, as a stuck server or a partition looks): 503s within seconds.

Unlike a stopped server, a hung one refuses nothing: TCP connects still complete in the
kernel and statements are sent, but no answer ever comes. Without timeouts every request
waited for ever, ``/health`` included (issue 12, item 4).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time
from collections.abc import Awaitable, Iterator
from pathlib import Path

import httpx
import pytest

from tests.e2e.support import (
    LOGIN,
    WHOAMI,
    login_body,
    postgres_database_section,
    start_server,
    unique_localpart,
    write_homeserver,
)
from tests.e2e.test_database_outage import Cluster

#: The old code never answered; with the timeouts a request costs at most the pool wait
#: plus twice the statement timeout (3 + 2 x 3 s).
ANSWER_WITHIN = 10.0
#: ``/health`` has a deadline of its own (2 s).
HEALTH_WITHIN = 4.0
#: Longer than any answer may take: reaching it means the server hung.
PATIENCE = 30.0
RECOVER_WITHIN = 30.0


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    own = Cluster()
    yield own
    own.remove()


def cluster_pids(cluster: Cluster) -> list[int]:
    """The postmaster (first line of its ``postmaster.pid``) and every process it forked."""
    state = Path(cluster.env["TESSERA_PG_STATE"])
    postmaster = int((state / "data" / "postmaster.pid").read_text().split()[0])
    children = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # gone meanwhile
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        if parent == postmaster:
            children.append(int(entry.name))
    return [postmaster, *children]


def signal_all(pids: list[int], signum: int) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):  # gone meanwhile
            os.kill(pid, signum)


async def timed(request: Awaitable[httpx.Response]) -> tuple[httpx.Response | None, float]:
    """The response (None when there was none within ``PATIENCE``) and its seconds."""
    started = time.monotonic()
    try:
        async with asyncio.timeout(PATIENCE):
            response = await request
    except (TimeoutError, httpx.TransportError):
        response = None
    return response, time.monotonic() - started


async def test_a_hung_postgres_gets_503_within_seconds_and_service_resumes(
    tmp_path: Path, cluster: Cluster
) -> None:
    secret = write_homeserver(tmp_path, postgres_database_section(cluster.dsn))
    server, base_url = start_server(tmp_path)
    try:
        async with httpx.AsyncClient(base_url=base_url, timeout=PATIENCE + 5) as client:
            login = await client.post(LOGIN, json=login_body(secret, unique_localpart("h")))
            assert login.status_code == 200, login.text
            auth = {"Authorization": f"Bearer {login.json()['access_token']}"}
            await asyncio.sleep(1.2)  # past the token cache's second: whoami asks the database
            pids = cluster_pids(cluster)
            signal_all(pids, signal.SIGSTOP)
            try:
                (health, health_s), (whoami, whoami_s), (refused, login_s) = await asyncio.gather(
                    timed(client.get("/health")),
                    timed(client.get(WHOAMI, headers=auth)),
                    timed(client.post(LOGIN, json=login_body(secret, unique_localpart("h")))),
                )
            finally:
                signal_all(pids, signal.SIGCONT)
            recovered = await _recovery(client, secret, auth)
            assert server.process.poll() is None, server.output
    finally:
        server.kill()

    assert health is not None and health.status_code == 503, health
    assert health.text == "Database unavailable"
    assert health_s < HEALTH_WITHIN, health_s
    for response, took in ((whoami, whoami_s), (refused, login_s)):
        assert response is not None, "no answer while PostgreSQL was hung"
        assert response.status_code == 503, response.text
        assert response.json() == {"errcode": "M_UNKNOWN", "error": "Database unavailable"}
        assert took < ANSWER_WITHIN, took
    assert "Traceback" not in server.output, server.output
    print(
        f"\nhung PostgreSQL: /health 503 in {health_s:.2f} s, whoami 503 in {whoami_s:.2f} s, "
        f"login 503 in {login_s:.2f} s; service back {recovered:.2f} s after SIGCONT"
    )


async def _recovery(client: httpx.AsyncClient, secret: str, auth: dict[str, str]) -> float:
    """Seconds until /health, a login and a whoami all answer 200 again."""
    started = time.monotonic()
    while time.monotonic() - started < RECOVER_WITHIN:
        health = await client.get("/health")
        login = await client.post(LOGIN, json=login_body(secret, unique_localpart("h")))
        whoami = await client.get(WHOAMI, headers=auth)
        if (health.status_code, login.status_code, whoami.status_code) == (200, 200, 200):
            return time.monotonic() - started
        await asyncio.sleep(0.2)
    raise AssertionError(f"service did not resume within {RECOVER_WITHIN} s of SIGCONT")
