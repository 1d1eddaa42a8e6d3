"""A real ``tessera run`` for the chat clients' end-to-end tests (nio, mautrix, js-sdk)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from tests.e2e.support import create_database, drop_database, write_homeserver
from tests.e2e.test_quickstart import ServerProcess


@asynccontextmanager
async def chat_server(
    engine: str, tmp_path: Path, database_name: str
) -> AsyncIterator[tuple[ServerProcess, str]]:
    """The server on ``engine`` (``sqlite``, or a fresh PostgreSQL database), and its JWT secret.

    The process is killed and the PostgreSQL database dropped afterwards.
    """
    database = await create_database(database_name) if engine == "postgres" else None
    secret = write_homeserver(tmp_path, database)
    process = ServerProcess(tmp_path)
    try:
        yield process, secret
    finally:
        process.kill()
        if database is not None:
            await drop_database(database)
