"""A PostgreSQL that accepts connections and never answers: ``DatabaseUnavailable`` in
seconds, not a hang (issue 12, item 4).

The "server" is a real listening socket that accepts and stays silent, as a stopped
postmaster's kernel does; ``tests/e2e/test_hung_database.py`` stops a real one.
"""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Iterator

import pytest

from tessera.app import open_database
from tessera.config import DatabaseConfig
from tessera.storage.database import CONNECT_TIMEOUT
from tessera.storage.errors import DatabaseUnavailable


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A port whose connections complete in the kernel and then hear nothing."""
    with socket.create_server(("127.0.0.1", 0), backlog=16) as listener:
        yield listener.getsockname()[1]


def silent_database(port: int, connect_timeout: int | None = None) -> DatabaseConfig:
    return DatabaseConfig(
        "postgres",
        user="u",
        database="d",
        host="127.0.0.1",
        port=port,
        sslmode="disable",
        connect_timeout=connect_timeout,
    )


async def ping_time(config: DatabaseConfig) -> tuple[BaseException | None, float]:
    database = open_database(config)
    started = time.monotonic()
    try:
        async with asyncio.timeout(30):
            await database.ping()
    except (DatabaseUnavailable, TimeoutError) as exc:
        return exc, time.monotonic() - started
    finally:
        await database.close()
    return None, time.monotonic() - started


async def test_a_silent_server_is_unavailable_after_the_connect_timeout(
    silent_server: int,
) -> None:
    error, took = await ping_time(silent_database(silent_server))

    assert isinstance(error, DatabaseUnavailable), error
    assert "TimeoutError" in str(error)
    assert took < CONNECT_TIMEOUT + 2, took


async def test_libpq_connect_timeout_sets_it(silent_server: int) -> None:
    error, took = await ping_time(silent_database(silent_server, connect_timeout=1))

    assert isinstance(error, DatabaseUnavailable), error
    assert took < CONNECT_TIMEOUT, took
