"""Engines, pragmas and the one-transaction-per-use-case entry points."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import URL, Connection, create_engine, event, make_url
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.pool import StaticPool

from tessera.storage.errors import DatabaseUnavailable
from tessera.storage.repos import Repos

if TYPE_CHECKING:
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


def sqlite_url(path: Path) -> URL:
    return URL.create("sqlite", database=str(path))


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
    except DBAPIError as exc:
        if not _is_outage(exc):
            raise
        raise DatabaseUnavailable(_describe(exc.orig or exc)) from exc


def _is_outage(exc: DBAPIError) -> bool:
    # asyncpg reports a server shutting down or a dropped connection as plain
    # DBAPIError (its SQLSTATE says which); SQLAlchemy flags the dropped ones.
    if isinstance(exc, (OperationalError, InterfaceError)) or exc.connection_invalidated:
        return True
    sqlstate = getattr(exc.orig, "sqlstate", None)
    return isinstance(sqlstate, str) and sqlstate.startswith(_OUTAGE_SQLSTATES)


def _describe(error: BaseException) -> str:
    detail = (str(error).splitlines() or [""])[0][:200]
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
        #: The driver options beyond the URL (TLS), for connections made outside the pool.
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
    ) -> Database:
        url = make_url(url)
        if url.get_backend_name() == "sqlite":
            return SqliteDatabase(url.database or ":memory:")
        # Imported here: SQLite never needs the asyncio engine (8 MiB, 0.05 s).
        from sqlalchemy.ext.asyncio import create_async_engine

        options = {"pool_size": pool_min, "max_overflow": max(0, pool_max - pool_min)}
        connect_args = connect_args or {}
        return cls(create_async_engine(url, connect_args=connect_args, **options), connect_args)

    @asynccontextmanager
    async def read(self) -> AsyncIterator[Repos]:
        """Repos on a connection for reads (its transaction is rolled back at the end)."""
        with outages_reported():
            async with self._reads.connect() as conn:
                yield Repos(conn, self.dialect)

    @asynccontextmanager
    async def write(self) -> AsyncIterator[Repos]:
        """Repos inside one transaction, committed when the block exits cleanly."""
        with outages_reported():
            async with self.engine.begin() as conn:
                yield Repos(conn, self.dialect)

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
    """The part of ``AsyncConnection`` the repos use, over a synchronous connection."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def execute(self, statement: Any, parameters: Any = None) -> Any:
        return self._conn.execute(statement, parameters)

    async def run_sync(self, fn: Callable[[Connection], T]) -> T:
        return fn(self._conn)


class SqliteDatabase(Database):
    """SQLite on one connection, driven synchronously on the event-loop thread.

    Measured here, a login's transaction took 2.2 ms through the asyncio engine
    (aiosqlite hands every statement to a thread and back) and 0.4 ms
    synchronously. SQLite statements on a local file are short, and with every
    statement synchronous no two transactions ever interleave; the asyncio lock
    keeps that true should a transaction ever await something else. The busy
    timeout is short because waiting for another process blocks the loop.
    """

    def __init__(self, path: str) -> None:
        self.dialect = "sqlite"
        self.sync_engine = create_engine(
            f"sqlite:///{path}",
            poolclass=StaticPool,
            connect_args={"check_same_thread": False},
        )
        event.listen(self.sync_engine, "connect", _sqlite_on_connect)
        event.listen(self.sync_engine, "begin", self._on_begin)
        self._conn: Connection | None = None
        self._write_lock = asyncio.Lock()
        self._writing = False

    def _on_begin(self, conn: Connection) -> None:
        # The driver runs in autocommit mode (see _sqlite_on_connect); writes
        # take SQLite's write lock up front, reads need no transaction at all.
        if self._writing:
            conn.exec_driver_sql("BEGIN IMMEDIATE")

    def _connection(self) -> Connection:
        if self._conn is None or self._conn.closed:
            self._conn = self.sync_engine.connect()
        return self._conn

    @asynccontextmanager
    async def read(self) -> AsyncIterator[Repos]:
        with outages_reported():
            async with self._read() as repos:
                yield repos

    @asynccontextmanager
    async def _read(self) -> AsyncIterator[Repos]:
        conn = self._connection()
        if conn.in_transaction():  # a write is open: read inside it, as one process would
            yield Repos(_SyncConnection(conn), self.dialect)  # type: ignore[arg-type]
            return
        try:
            yield Repos(_SyncConnection(conn), self.dialect)  # type: ignore[arg-type]
        finally:
            conn.rollback()  # end the read's snapshot

    @asynccontextmanager
    async def write(self) -> AsyncIterator[Repos]:
        async with self.connection() as conn:
            yield Repos(conn, self.dialect)

    @asynccontextmanager
    async def single_write(self) -> AsyncIterator[Repos]:
        async with self.write() as repos:
            yield repos

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[Any]:
        with outages_reported():
            async with self._transaction() as conn:
                yield conn

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[_SyncConnection]:
        async with self._write_lock:
            conn = self._connection()
            if conn.in_transaction():  # a read's autobegun (empty) transaction
                conn.rollback()
            self._writing = True
            try:
                with conn.begin():
                    self._writing = False
                    yield _SyncConnection(conn)
            finally:
                self._writing = False

    def pool_stats(self) -> dict[str, int] | None:
        return None  # one connection, used synchronously: a pool gauge would always read 0

    async def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        self.sync_engine.dispose()


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    # Autocommit at the driver: Python's sqlite3 would otherwise open
    # transactions on its own schedule; SqliteDatabase says BEGIN itself.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    for pragma in _SQLITE_PRAGMAS:
        cursor.execute(pragma)
    cursor.close()
