"""Engines, pragmas and the one-transaction-per-use-case entry points.

SQLite runs on the ``sqlite3`` module alone: SQLAlchemy (13 MiB, 0.1 s to
import) is loaded only for migrations and tests that ask for ``connection()``.
PostgreSQL runs through SQLAlchemy's asyncio engine on asyncpg.
"""

from __future__ import annotations

import asyncio
import sqlite3
import ssl
import sys
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from tessera.storage.errors import DatabaseUnavailable
from tessera.storage.repos import Repos
from tessera.storage.sql import PostgresSql, SqliteSql
from tessera.storage.sqlite_checkpoints import Checkpointer

if TYPE_CHECKING:
    from sqlalchemy import URL, Connection
    from sqlalchemy.ext.asyncio import AsyncEngine

T = TypeVar("T")

#: Pragmas for every SQLite connection: WAL lets readers run beside the
#: writer, NORMAL sync is durable in WAL mode except on power loss of the
#: last commits, and the busy timeout covers a second process (e.g. the CLI).
_SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=NORMAL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA busy_timeout=1000",
)


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def postgres_url(
    *,
    user: str | None,
    password: str | None,
    database: str | None,
    host: str | None,
    port: int | None,
) -> URL:
    from sqlalchemy import URL

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


#: Seconds to open a PostgreSQL connection (TCP, TLS, authentication). A server that
#: accepts the TCP connection and then never answers (stopped, partitioned) would
#: otherwise hold the request for asyncpg's default of a minute.
CONNECT_TIMEOUT = 3.0
#: Seconds one statement may take. asyncpg then asks the server to cancel it and
#: waits as long again for that: a hung server costs a request at most twice this.
#: Tessera's statements take milliseconds; migrations run without it.
COMMAND_TIMEOUT = 3.0
#: Seconds a request waits for a pooled connection (SQLAlchemy's default: 30).
POOL_TIMEOUT = 3.0

#: SQLSTATE classes of a server that cannot serve right now: 08 connection exception,
#: 53 insufficient resources (too many connections), 57P operator intervention (admin
#: shutdown, crash shutdown, "the database system is shutting down / starting up").
_OUTAGE_SQLSTATES = ("08", "53", "57P")


@contextmanager
def outages_reported() -> Iterator[None]:
    """Turn "cannot reach / use the database" into ``DatabaseUnavailable``.

    Constraint violations and programming errors pass through unchanged. The
    message names the driver's error ("database or disk is full", "Connect call
    failed"), which never carries a statement's parameters.
    """
    try:
        yield
    except OSError as exc:
        raise DatabaseUnavailable(_describe(exc)) from exc
    except Exception as exc:
        if not _is_outage(exc):
            raise
        raise DatabaseUnavailable(_describe(getattr(exc, "orig", None) or exc)) from exc


def _is_outage(exc: Exception) -> bool:
    # sqlite3 says OperationalError for a locked, full, unreadable or missing file.
    if isinstance(exc, sqlite3.OperationalError):
        return True
    # SQLAlchemy is loaded only where it is used: if it is not, this is not its error.
    sqlalchemy_errors = sys.modules.get("sqlalchemy.exc")
    if sqlalchemy_errors is None:
        return False
    if isinstance(exc, sqlalchemy_errors.TimeoutError):  # no pooled connection in time
        return True
    if not isinstance(exc, sqlalchemy_errors.DBAPIError):
        return False
    # asyncpg reports a server shutting down or a dropped connection as plain
    # DBAPIError (its SQLSTATE says which); SQLAlchemy flags the dropped ones.
    if (
        isinstance(exc, (sqlalchemy_errors.OperationalError, sqlalchemy_errors.InterfaceError))
        or exc.connection_invalidated
    ):
        return True
    sqlstate = getattr(exc.orig, "sqlstate", None)
    return isinstance(sqlstate, str) and sqlstate.startswith(_OUTAGE_SQLSTATES)


def _describe(error: BaseException) -> str:
    detail = (str(error).splitlines() or [""])[0][:200]
    if isinstance(error, TimeoutError) and not detail:  # asyncpg's connect and command timeouts
        detail = "no answer from the database in time"
    return f"{type(error).__name__}: {detail}" if detail else type(error).__name__


class Database:
    """An engine plus the rules for using it; ``Database.from_url`` picks the engine's kind.

    PostgreSQL runs through SQLAlchemy's asyncio engine on asyncpg, with a pool
    and concurrent transactions. SQLite is ``SqliteDatabase`` below.
    """

    dialect: str

    def __init__(self, engine: AsyncEngine, connect_args: dict[str, Any] | None = None) -> None:
        self.engine = engine
        self.dialect = engine.dialect.name
        #: The driver options beyond the URL (TLS, connect timeout), for connections made
        #: outside the pool.
        self.connect_args = connect_args or {}
        # Reads need no transaction: under READ COMMITTED every statement sees its own
        # snapshot anyway, and BEGIN + ROLLBACK were two of a cold whoami's three round
        # trips (docs/performance.md). Same pool, autocommit while checked out.
        self._reads = engine.execution_options(isolation_level="AUTOCOMMIT")

    @classmethod
    def from_url(
        cls,
        url: URL | str,
        pool_min: int = 5,
        pool_max: int = 10,
        connect_args: dict[str, Any] | None = None,
        command_timeout: float | None = COMMAND_TIMEOUT,
        connect_timeout: float = CONNECT_TIMEOUT,
    ) -> Database:
        """A database for ``url``; on PostgreSQL opening a connection is bounded by
        ``connect_timeout`` seconds and every statement by ``command_timeout`` (None:
        unbounded, as migrations run)."""
        if isinstance(url, str) and url.startswith("sqlite:///"):
            return SqliteDatabase(url.removeprefix("sqlite:///") or ":memory:")
        from sqlalchemy import make_url
        from sqlalchemy.ext.asyncio import create_async_engine

        url = make_url(url)
        if url.get_backend_name() == "sqlite":
            return SqliteDatabase(url.database or ":memory:")

        options = {
            "pool_size": pool_min,
            "max_overflow": max(0, pool_max - pool_min),
            "pool_timeout": POOL_TIMEOUT,
        }
        # A hung server (stopped, partitioned) must cost a request seconds, not forever:
        # these make it DatabaseUnavailable, a 503 (``outages_reported``).
        connect_args = {"timeout": connect_timeout, **(connect_args or {})}
        pooled = {**connect_args, "command_timeout": command_timeout}
        return cls(create_async_engine(url, connect_args=pooled, **options), connect_args)

    @asynccontextmanager
    async def read(self) -> AsyncIterator[Repos]:
        """Repos on a connection for reads (its transaction is rolled back at the end)."""
        with outages_reported():
            async with self._reads.connect() as conn:
                yield Repos(PostgresSql(conn))

    @asynccontextmanager
    async def write(self) -> AsyncIterator[Repos]:
        """Repos inside one transaction, committed when the block exits cleanly."""
        with outages_reported():
            async with self.engine.begin() as conn:
                yield Repos(PostgresSql(conn))

    @asynccontextmanager
    async def single_write(self) -> AsyncIterator[Repos]:
        """Repos for one write statement that commits by itself (no BEGIN/COMMIT round trips).

        Only for a block that runs a single, self-contained statement: a
        second one would not share its transaction. It is the autocommit
        connection reads use.
        """
        async with self.read() as repos:
            yield repos

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[Any]:
        """A connection in a transaction, for migrations and tests (``execute``, ``run_sync``)."""
        with outages_reported():
            async with self.engine.begin() as conn:
                yield conn

    async def ping(self) -> None:
        """Raise if the database cannot answer a trivial query."""
        async with self.read() as repos:
            await repos.ping()

    async def table_names(self) -> set[str]:
        """The tables of the database (of the connection's schema on PostgreSQL)."""
        async with self.read() as repos:
            rows = await repos.sql.rows(self._TABLES)
        return {row["name"] for row in rows}

    _TABLES = "SELECT tablename AS name FROM pg_tables WHERE schemaname = current_schema()"

    def pool_stats(self) -> dict[str, int] | None:
        """The connection pool right now: ``size`` (kept open, ``cp_min``), ``max``
        (``cp_max``), ``checked_out`` (in a transaction), ``idle`` (open, waiting) and
        ``overflow`` (open beyond ``size``). None for SQLite: one connection, no pool."""
        pool: Any = self.engine.pool
        return {
            "size": pool.size(),
            # QueuePool has no public accessor for its overflow bound.
            "max": pool.size() + pool._max_overflow,
            "checked_out": pool.checkedout(),
            "idle": pool.checkedin(),
            # QueuePool counts overflow from -size while the pool is filling up.
            "overflow": max(0, pool.overflow()),
        }

    async def close(self) -> None:
        await self.engine.dispose()


class _SyncConnection:
    """The part of ``AsyncConnection`` migrations and tests use, over a synchronous one."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def execute(self, statement: Any, parameters: Any = None) -> Any:
        return self._conn.execute(statement, parameters)

    async def run_sync(self, fn: Callable[[Connection], T]) -> T:
        return fn(self._conn)


class SqliteDatabase(Database):
    """SQLite on one ``sqlite3`` connection, driven synchronously on the event-loop thread.

    Measured here, a login's transaction took 2.2 ms through the asyncio engine
    (aiosqlite hands every statement to a thread and back), 0.4 ms through a
    synchronous SQLAlchemy connection and 0.13 ms on ``sqlite3`` itself.
    SQLite statements on a local file are short, and with every statement
    synchronous no two transactions ever interleave; the asyncio lock keeps
    that true should a transaction ever await something else. The busy
    timeout is short because waiting for another process blocks the loop.
    Reads run outside any transaction: each statement sees the latest commit.
    """

    def __init__(self, path: str) -> None:
        self.dialect = "sqlite"
        self.path = path
        self._raw: sqlite3.Connection | None = None
        self._sqlalchemy: Connection | None = None
        self._checkpointer: Checkpointer | None = None
        self._write_lock = asyncio.Lock()

    def _connection(self) -> sqlite3.Connection:
        if self._raw is None:
            # Autocommit at the driver: Python's sqlite3 would otherwise open
            # transactions on its own schedule; writes say BEGIN themselves.
            raw = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            for pragma in _SQLITE_PRAGMAS:
                raw.execute(pragma)
            if self.path != ":memory:":
                raw.execute("PRAGMA wal_autocheckpoint=0")  # the checkpointer's thread does it
                self._checkpointer = Checkpointer(self.path)
            self._raw = raw
        return self._raw

    @asynccontextmanager
    async def read(self) -> AsyncIterator[Repos]:
        with outages_reported():
            yield Repos(SqliteSql(self._connection()))

    @asynccontextmanager
    async def write(self) -> AsyncIterator[Repos]:
        with outages_reported():
            async with self._write_lock:
                raw = self._connection()
                # IMMEDIATE: take SQLite's write lock now, not at the first write.
                raw.execute("BEGIN IMMEDIATE")
                try:
                    yield Repos(SqliteSql(raw))
                except BaseException:
                    _end(raw, "ROLLBACK")
                    raise
                _end(raw, "COMMIT")
                if self._checkpointer is not None:
                    self._checkpointer.committed(raw)

    @asynccontextmanager
    async def single_write(self) -> AsyncIterator[Repos]:
        async with self.write() as repos:
            yield repos

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[Any]:
        with outages_reported():
            async with self._write_lock:
                conn = self._sqlalchemy_connection()
                with conn.begin():
                    yield _SyncConnection(conn)

    def _sqlalchemy_connection(self) -> Connection:
        """A SQLAlchemy connection over the same ``sqlite3`` connection (made on first use)."""
        if self._sqlalchemy is None:
            from sqlalchemy import create_engine, event
            from sqlalchemy.pool import StaticPool

            engine = create_engine("sqlite://", creator=self._connection, poolclass=StaticPool)
            # SQLAlchemy's own BEGIN is a no-op on an autocommit driver: say it.
            event.listen(engine, "begin", lambda conn: conn.exec_driver_sql("BEGIN IMMEDIATE"))
            self._sqlalchemy = engine.connect()
        return self._sqlalchemy

    _TABLES = "SELECT name FROM sqlite_master WHERE type = 'table'"

    async def run_script(self, script: str) -> None:
        """Run a script of several statements in one transaction (creating the schema)."""
        with outages_reported():
            async with self._write_lock:
                raw = self._connection()
                try:
                    raw.executescript(f"BEGIN IMMEDIATE;\n{script}\nCOMMIT;")
                finally:
                    if raw.in_transaction:
                        raw.execute("ROLLBACK")

    def pool_stats(self) -> dict[str, int] | None:
        return None  # one connection, used synchronously: a pool gauge would always read 0

    async def close(self) -> None:
        if self._sqlalchemy is not None:
            self._sqlalchemy.close()
            self._sqlalchemy.engine.dispose()
            self._sqlalchemy = None
        if self._checkpointer is not None:
            self._checkpointer.stop()
            self._checkpointer = None
        if self._raw is not None:
            # The last connection to close checkpoints the WAL and removes it.
            self._raw.close()
            self._raw = None


def _end(raw: sqlite3.Connection, statement: str) -> None:
    """COMMIT or ROLLBACK; a COMMIT that fails (disk full) still ends the transaction."""
    try:
        raw.execute(statement)
    finally:
        if raw.in_transaction:
            raw.execute("ROLLBACK")
