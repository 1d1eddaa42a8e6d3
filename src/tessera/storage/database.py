"""Engines, pragmas and the one-transaction-per-use-case entry points."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import URL, event
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from tessera.storage.repos import Repos

#: Pragmas for every SQLite connection: WAL lets readers run beside the
#: writer, NORMAL sync is durable in WAL mode except on power loss of the
#: last commits, and the busy timeout covers a second process (e.g. the CLI).
_SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=NORMAL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA busy_timeout=5000",
)


def sqlite_url(path: Path) -> URL:
    return URL.create("sqlite+aiosqlite", database=str(path))


def postgres_url(
    *,
    user: str | None,
    password: str | None,
    database: str | None,
    host: str | None,
    port: int | None,
) -> URL:
    return URL.create(
        "postgresql+asyncpg",
        username=user,
        password=password,
        host=host,
        port=port,
        database=database,
    )


def postgres_tls(
    sslmode: str | None, rootcert: str | None, cert: str | None, key: str | None
) -> dict[str, Any]:
    """asyncpg's ``ssl`` argument for libpq-style settings (empty: asyncpg's default, prefer).

    With certificate files, an ``SSLContext`` carries them; ``verify-ca``
    checks the chain but not the host name, ``verify-full`` both.
    """
    if rootcert is None and cert is None:
        return {} if sslmode is None else {"ssl": sslmode}
    context = ssl.create_default_context(cafile=rootcert)
    if cert is not None:
        context.load_cert_chain(cert, key)
    if sslmode in (None, "require", "prefer", "allow"):
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE if rootcert is None else ssl.CERT_REQUIRED
    elif sslmode == "verify-ca":
        context.check_hostname = False
    elif sslmode == "disable":
        return {"ssl": "disable"}
    return {"ssl": context}


class Database:
    """An engine plus the rules for using it.

    SQLite allows one writer at a time; rather than let concurrent writers
    collide on "database is locked", writes are serialised by an asyncio lock
    in this process. PostgreSQL writes run concurrently.
    """

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.dialect = engine.dialect.name
        self._write_lock = asyncio.Lock() if self.dialect == "sqlite" else None
        if self.dialect == "sqlite":
            event.listen(engine.sync_engine, "connect", _sqlite_on_connect)

    @classmethod
    def from_url(
        cls,
        url: URL | str,
        pool_min: int = 5,
        pool_max: int = 10,
        connect_args: dict[str, Any] | None = None,
    ) -> Database:
        options: dict[str, Any] = {}
        if not str(url).startswith("sqlite"):
            options = {"pool_size": pool_min, "max_overflow": max(0, pool_max - pool_min)}
        return cls(create_async_engine(url, connect_args=connect_args or {}, **options))

    @asynccontextmanager
    async def read(self) -> AsyncIterator[Repos]:
        """Repos on a connection for reads (autocommit-free, no lock)."""
        async with self.engine.connect() as conn:
            yield Repos(conn, self.dialect)

    @asynccontextmanager
    async def write(self) -> AsyncIterator[Repos]:
        """Repos inside one transaction, committed when the block exits cleanly."""
        if self._write_lock is None:
            async with self.engine.begin() as conn:
                yield Repos(conn, self.dialect)
            return
        async with self._write_lock, self.engine.begin() as conn:
            yield Repos(conn, self.dialect)

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[AsyncConnection]:
        async with self.engine.begin() as conn:
            yield conn

    async def ping(self) -> None:
        """Raise if the database cannot answer a trivial query."""
        async with self.read() as repos:
            await repos.ping()

    async def close(self) -> None:
        await self.engine.dispose()


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    for pragma in _SQLITE_PRAGMAS:
        cursor.execute(pragma)
    cursor.close()
