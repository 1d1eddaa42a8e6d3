"""``POST /login/get_token`` is limited as Synapse limits it: one token per user per minute.

Each token can start a new session, so Synapse rate-limits the endpoint
(``login_token_request.py``: 1/60 per second, burst 1, per user, after UIA).
On PostgreSQL the bucket is in the database, shared by every worker.
"""

from pathlib import Path
from typing import Any

import httpx

from tessera.config import LoginTokenConfig
from tessera.storage.database import Database
from tests.api.support import (
    GET_TOKEN,
    ManualClock,
    assert_auth_required,
    assert_error,
    bearer,
    count_rows,
    jwt_auth,
    seed_jwt,
)
from tests.conftest import LiveServer, StartServer, make_config, postgres_asyncpg_url, serve

NO_UIA = LoginTokenConfig(enabled=True, require_ui_auth=False)


async def get_token(server: LiveServer, access_token: str, **body: Any) -> httpx.Response:
    return await server.client.post(GET_TOKEN, headers=bearer(access_token), json=body)


def assert_limited(response: httpx.Response, retry_after_ms: int) -> None:
    body = assert_error(response, 429, "M_LIMIT_EXCEEDED", "Too Many Requests")
    # Rounded up from a float refill rate (1/60 per second): within a millisecond.
    assert retry_after_ms <= body["retry_after_ms"] <= retry_after_ms + 1, body
    assert "login_token" not in body


async def test_a_second_token_within_a_minute_is_429_and_none_is_issued(
    start_server: StartServer,
) -> None:
    clock = ManualClock()
    async with start_server(clock=clock, login_tokens=NO_UIA) as live:
        alice = await live.access_token(seed_jwt({"sub": "alice"}))
        first = await get_token(live, alice)
        clock.advance(20)

        second = await get_token(live, alice)

        assert first.status_code == 200, first.text
        assert_limited(second, 40_000)
        assert await count_rows(live, "login_tokens") == 1
        clock.advance(40)
        assert (await get_token(live, alice)).status_code == 200


async def test_the_limit_is_per_user(start_server: StartServer) -> None:
    async with start_server(clock=ManualClock(), login_tokens=NO_UIA) as live:
        alice = await live.access_token(seed_jwt({"sub": "alice"}))
        alice_phone = await live.access_token(seed_jwt({"sub": "alice"}))
        bob = await live.access_token(seed_jwt({"sub": "bob"}))

        assert (await get_token(live, alice)).status_code == 200
        assert (await get_token(live, bob)).status_code == 200
        # Another device of the same user shares the user's bucket.
        assert_limited(await get_token(live, alice_phone), 60_000)


async def test_the_limit_counts_only_after_user_interactive_auth(
    start_server: StartServer,
) -> None:
    """As in Synapse: a 401 asking for auth, or a failed stage, uses nothing."""
    async with start_server(
        clock=ManualClock(), login_tokens=LoginTokenConfig(enabled=True)
    ) as live:
        alice = await live.access_token(seed_jwt({"sub": "alice"}))
        session = assert_auth_required(await get_token(live, alice))
        failed = await get_token(live, alice, auth={"type": "m.login.dummy", "session": session})
        assert failed.status_code == 401, failed.text

        issued = await get_token(live, alice, auth=jwt_auth("alice", session))
        assert issued.status_code == 200, issued.text
        again = assert_auth_required(await get_token(live, alice))
        limited = await get_token(live, alice, auth=jwt_auth("alice", again))

        assert_limited(limited, 60_000)


async def test_the_limit_is_shared_by_servers_on_postgresql_only(
    database: Database, tmp_path: Path
) -> None:
    """Two apps with their own pools on one database: two workers, as the database sees it."""
    config = make_config(login_tokens=NO_UIA)
    if database.dialect == "postgresql":
        other = Database.from_url(postgres_asyncpg_url(), 1, 5)
    else:
        other = Database.from_url(f"sqlite:///{tmp_path / 'tessera.db'}")
    clock = ManualClock()
    try:
        async with serve(config, database, clock) as one, serve(config, other, clock) as two:
            alice = await one.access_token(seed_jwt({"sub": "alice"}))
            first = await get_token(one, alice)
            second = await get_token(two, alice)
    finally:
        await other.close()

    assert first.status_code == 200, first.text
    if database.dialect == "sqlite":  # one process per SQLite file: buckets stay in memory
        assert second.status_code == 200, second.text
        return
    assert_limited(second, 60_000)
