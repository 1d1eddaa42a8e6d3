"""PostgreSQL stops under load: quick 503s, no hang, no crash, and service resumes by itself.

The test starts a PostgreSQL cluster of its own (``scripts/pg-throwaway.sh``), so
stopping it never touches the cluster the rest of the suite uses.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
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

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "pg-throwaway.sh"
WORKERS = 8
#: No answer may take longer than this, database or not.
ANSWER_WITHIN = 5.0
#: How long the load runs against the stopped database.
DOWN_FOR = 3.0
#: How long the server may take to notice the database is back.
RECOVER_WITHIN = 30.0


class Cluster:
    """A throw-away PostgreSQL cluster that can be stopped and started again."""

    def __init__(self) -> None:
        # Under /tmp, not pytest's tmp_path: as root the server runs as `postgres`,
        # which cannot enter root's 0700 pytest directories.
        self.env = {**os.environ, "TESSERA_PG_STATE": tempfile.mkdtemp(prefix="tessera-pg-out.")}
        self.dsn = self._script("start")

    def _script(self, *args: str) -> str:
        done = subprocess.run(
            [str(SCRIPT), *args], env=self.env, capture_output=True, text=True, timeout=120
        )
        if done.returncode == 3:
            pytest.skip("PostgreSQL server binaries not installed")
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    async def pause(self, mode: str) -> None:
        await asyncio.to_thread(self._script, "pause", mode)

    async def resume(self) -> None:
        await asyncio.to_thread(self._script, "resume")

    def remove(self) -> None:
        subprocess.run([str(SCRIPT), "stop"], env=self.env, capture_output=True, timeout=120)


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    own = Cluster()
    yield own
    own.remove()


@dataclass
class Answer:
    kind: str  # "login" or "whoami"
    sent: float
    took: float
    status: int  # 0: no HTTP answer at all
    errcode: str | None


@pytest.mark.parametrize("mode", ["fast", "immediate"])
async def test_stopped_postgres_gets_quick_503s_and_service_resumes(
    tmp_path: Path, cluster: Cluster, mode: str
) -> None:
    secret = write_homeserver(tmp_path, postgres_database_section(cluster.dsn))
    server, base_url = start_server(tmp_path)
    answers: list[Answer] = []
    running = True

    async def request(client: httpx.AsyncClient, kind: str, token: str | None) -> Answer:
        sent = time.monotonic()
        try:
            if token is None:
                body = login_body(secret, unique_localpart("o"))
                response = await client.post(LOGIN, json=body)
            else:
                response = await client.get(WHOAMI, headers={"Authorization": f"Bearer {token}"})
        except httpx.TransportError:
            answer = Answer(kind, sent, time.monotonic() - sent, 0, None)
        else:
            errcode = response.json().get("errcode") if response.status_code != 200 else None
            answer = Answer(kind, sent, time.monotonic() - sent, response.status_code, errcode)
        answers.append(answer)
        return answer

    async def load(client: httpx.AsyncClient, token: str) -> None:
        while running:
            await request(client, "login", None)
            await request(client, "whoami", token)

    try:
        limits = httpx.Limits(max_connections=WORKERS * 2)
        async with httpx.AsyncClient(base_url=base_url, timeout=30, limits=limits) as client:
            tokens = []
            for _ in range(WORKERS):
                login = await client.post(LOGIN, json=login_body(secret, unique_localpart("o")))
                assert login.status_code == 200, login.text
                tokens.append(login.json()["access_token"])
            workers = [asyncio.create_task(load(client, token)) for token in tokens]
            await asyncio.sleep(1)
            stopping = time.monotonic()
            await cluster.pause(mode)
            down = time.monotonic()
            await asyncio.sleep(DOWN_FOR)
            assert server.process.poll() is None, server.output
            up = time.monotonic()  # PostgreSQL may answer before `resume` returns
            await cluster.resume()
            recovered = await _first_success_after(answers, up, RECOVER_WITHIN)
            await asyncio.sleep(1)
            steady = time.monotonic()
            await asyncio.sleep(1)
            running = False
            await asyncio.gather(*workers)
            assert server.process.poll() is None, server.output
    finally:
        server.kill()

    slowest = max(answers, key=lambda a: a.took)
    assert slowest.took < ANSWER_WITHIN, slowest
    assert [a for a in answers if a.status == 0] == []
    during = [a for a in answers if down <= a.sent and a.sent + a.took < up]
    refused = [a for a in during if a.status != 200]
    # whoami may still be answered from the one-second token cache; a login never.
    assert [a for a in during if a.kind == "login" and a.status == 200] == []
    assert refused, "no request was refused while PostgreSQL was down"
    # 503, not 500: whatever the driver said, the client is told to come back later.
    assert {(a.status, a.errcode) for a in answers if a.status != 200} == {(503, "M_UNKNOWN")}
    after = [a for a in answers if a.sent >= steady]
    assert after and {a.status for a in after} == {200}, after
    assert "Traceback" not in server.output, server.output
    first_refusal = min(a.sent + a.took for a in answers if a.status != 200) - stopping
    print(
        f"\nPostgreSQL stop -m {mode}: {len(refused)} requests refused "
        f"(statuses {sorted({a.status for a in refused})}), first refusal {first_refusal:.3f} s "
        f"after `pg_ctl stop` began, slowest answer {slowest.took:.3f} s, service back "
        f"{recovered:.3f} s after PostgreSQL was started"
    )


async def _first_success_after(answers: list[Answer], since: float, within: float) -> float:
    """Seconds from ``since`` until a login and a whoami sent after it have both answered 200."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        done = {a.kind: a.sent + a.took for a in answers if a.sent >= since and a.status == 200}
        if {"login", "whoami"} <= done.keys():
            return max(done.values()) - since
        await asyncio.sleep(0.05)
    raise AssertionError(f"service did not resume within {within} s of PostgreSQL's return")
