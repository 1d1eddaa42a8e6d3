"""Fixtures that build worlds: a migrated database on each engine, a live server on a real port.

Every test that takes ``database`` (or ``server``) runs twice: on a SQLite
file and on the PostgreSQL named by ``TESSERA_TEST_POSTGRES_DSN`` (``make
test`` starts a throw-away cluster and sets it when PostgreSQL is installed).
"""

from __future__ import annotations

import dataclasses
import os
import resource
import socket
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from sqlalchemy import text
from sqlalchemy.engine import make_url

from tessera.app import build_app
from tessera.config import Config, DatabaseConfig, JwtConfig, ListenerConfig
from tessera.config.model import JoinRateLimits, LoginRateLimits, RateLimitConfig
from tessera.serve import limits_for, uvicorn_config
from tessera.services.clock import Clock, system_clock
from tessera.services.streams import RoomMembership
from tessera.storage.database import Database, sqlite_url
from tessera.storage.migrate import migrate
from tessera.storage.tables import metadata

POSTGRES_DSN = os.environ.get("TESSERA_TEST_POSTGRES_DSN")
SEED_SECRET = "my-secret-token"
SERVER_NAME = "test.local"
#: Tests log in hundreds of times from 127.0.0.1; rate limits have tests of their own.
_NO_LIMIT = RateLimitConfig(per_second=1e6, burst_count=1_000_000)
UNLIMITED_LOGINS = LoginRateLimits(_NO_LIMIT, _NO_LIMIT, _NO_LIMIT)
#: Likewise rc_message and rc_joins: tests send and join in bursts.
UNLIMITED_JOINS = JoinRateLimits(_NO_LIMIT, _NO_LIMIT)


def postgres_asyncpg_url() -> str:
    assert POSTGRES_DSN is not None
    return str(make_url(POSTGRES_DSN).set(drivername="postgresql+asyncpg"))


@pytest.fixture(params=["sqlite", "postgres"])
def engine_name(request: pytest.FixtureRequest) -> str:
    if request.param == "postgres" and not POSTGRES_DSN:
        pytest.skip("PostgreSQL not available (make test starts one when it is installed)")
    return str(request.param)


async def fresh_database(engine_name: str, tmp_path: Path) -> Database:
    """A migrated, empty database on ``engine_name``."""
    if engine_name == "sqlite":
        database = Database.from_url(sqlite_url(tmp_path / "tessera.db"))
        await migrate(database)
        return database
    database = Database.from_url(postgres_asyncpg_url(), 2, 10)
    await migrate(database)
    async with database.connection() as conn:
        # Every table, so a table added later can never leak rows between tests.
        names = ", ".join(table.name for table in metadata.sorted_tables)
        await conn.execute(text(f"TRUNCATE {names} CASCADE"))
    return database


@pytest.fixture
async def database(engine_name: str, tmp_path: Path) -> AsyncIterator[Database]:
    db = await fresh_database(engine_name, tmp_path)
    yield db
    await db.close()


def make_config(
    database_path: Path | None = None,
    *,
    jwt: JwtConfig | None = None,
    **overrides: Any,
) -> Config:
    """A config for tests: JWT login with the seed page's secret, unless told otherwise."""
    config = Config(
        server_name=SERVER_NAME,
        rc_login=UNLIMITED_LOGINS,
        rc_message=_NO_LIMIT,
        rc_joins=UNLIMITED_JOINS,
        database=DatabaseConfig("sqlite", sqlite_path=database_path or Path(":memory:")),
        listeners=(ListenerConfig(port=0),),
        jwt=jwt or JwtConfig(enabled=True, secret=SEED_SECRET, algorithm="HS256"),
    )
    return dataclasses.replace(config, **overrides)


class LiveServer:
    """A Tessera app served by uvicorn on 127.0.0.1 at a free port."""

    def __init__(self, base_url: str, database: Database) -> None:
        self.base_url = base_url
        self.database = database
        self.client = httpx.AsyncClient(base_url=base_url, timeout=10)

    async def login(self, token: str, **fields: Any) -> httpx.Response:
        body = {"type": "org.matrix.login.jwt", "token": token, **fields}
        return await self.client.post("/_matrix/client/v3/login", json=body)

    async def access_token(self, token: str, **fields: Any) -> str:
        response = await self.login(token, **fields)
        assert response.status_code == 200, response.text
        return str(response.json()["access_token"])


@asynccontextmanager
async def serve(
    config: Config,
    database: Database,
    clock: Clock = system_clock,
    membership: RoomMembership | None = None,
) -> AsyncIterator[LiveServer]:
    application = build_app(config, database=database, clock=clock, membership=membership)
    sock = socket.create_server(("127.0.0.1", 0))
    # asyncio only disables Nagle on sockets whose proto is TCP, and create_server's is 0:
    # without this every response written in two parts waits ~40 ms for a delayed ACK.
    # Accepted connections inherit the option from the listener.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    port = sock.getsockname()[1]
    application.asgi.listen_on((port, listener) for listener in config.listeners[:1])
    open_files = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    config = uvicorn_config(
        application.asgi,
        config.request_read_timeout / 1000,
        limits_for(config, open_files),
        lifespan="off",
    )
    config.load()
    server = uvicorn.Server(config)
    # startup() without serve()'s main loop, which only notices an exit
    # request on its next 0.1 s tick.
    server.lifespan = config.lifespan_class(config)
    await server.startup(sockets=[sock])
    live = LiveServer(f"http://127.0.0.1:{port}", database)
    if application.jwt_keys is not None:  # the lifespan's part that tests need (jwks_uri)
        await application.jwt_keys.start()
    try:
        yield live
    finally:
        if application.jwt_keys is not None:
            await application.jwt_keys.stop()
        await live.client.aclose()
        # uvicorn's own shutdown() sleeps a fixed 0.1 s; the client is gone, so
        # closing the listener and any leftover connection is all there is.
        for listener in server.servers:
            listener.close()
        for connection in list(server.server_state.connections):
            connection.shutdown()
        sock.close()


StartServer = Callable[..., Any]


@pytest.fixture
async def start_server(database: Database) -> AsyncIterator[StartServer]:
    """``async with start_server(jwt=JwtConfig(...)) as live:`` serves a custom config."""

    @asynccontextmanager
    async def start(
        clock: Clock = system_clock, membership: RoomMembership | None = None, **overrides: Any
    ) -> AsyncIterator[LiveServer]:
        async with serve(make_config(**overrides), database, clock, membership) as live:
            yield live

    yield start


@pytest.fixture
async def server(start_server: StartServer) -> AsyncIterator[LiveServer]:
    """A live server with the seed page's ``jwt_config`` (secret ``my-secret-token``, HS256)."""
    async with start_server() as live:
        yield live
