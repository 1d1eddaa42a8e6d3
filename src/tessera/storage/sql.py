"""One SQL string for both engines: how repos run their statements.

Repos write plain SQL with ``:name`` parameters that SQLite and PostgreSQL
both accept. SQLite runs it on the ``sqlite3`` connection itself: building,
caching and executing a SQLAlchemy statement cost more than SQLite's own work
on a login (docs/performance.md), and the SQLite path then never imports
SQLAlchemy. PostgreSQL runs it through SQLAlchemy's ``text()`` on the pooled
asyncpg connection. A row reads its columns by name on both: ``row["user_id"]``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncConnection
    from sqlalchemy.sql.elements import TextClause

Params = Mapping[str, Any]
#: A result row: its columns by name (``sqlite3.Row`` or SQLAlchemy's ``RowMapping``).
Row = Mapping[Any, Any]


class Sql(Protocol):
    """Run a SQL string with named parameters on the connection of one transaction."""

    dialect: str

    async def rows(self, sql: str, params: Params | None = None) -> Sequence[Row]:
        """Every row the statement returns."""
        ...

    async def row(self, sql: str, params: Params | None = None) -> Row | None:
        """The first row the statement returns, or None."""
        ...

    async def run(self, sql: str, params: Params | None = None) -> int:
        """Run a statement that returns no rows; how many rows it changed."""
        ...

    async def run_many(self, sql: str, params: Sequence[Params]) -> None:
        """Run one statement once per parameter set (a batch)."""
        ...


class SqliteSql:
    """``Sql`` on a ``sqlite3`` connection, synchronously: SQLite on a local file
    answers in microseconds, and a thread hop per statement cost more than that."""

    dialect = "sqlite"

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._connection = connection

    def _cursor(self, sql: str, params: Params | None) -> sqlite3.Cursor:
        cursor = self._connection.cursor()
        cursor.row_factory = sqlite3.Row
        return cursor.execute(sql, params or {})

    async def rows(self, sql: str, params: Params | None = None) -> Sequence[Row]:
        return self._cursor(sql, params).fetchall()

    async def row(self, sql: str, params: Params | None = None) -> Row | None:
        # Read to the end: a statement left half-stepped would still be active at COMMIT.
        rows = self._cursor(sql, params).fetchall()
        return rows[0] if rows else None

    async def run(self, sql: str, params: Params | None = None) -> int:
        return self._connection.execute(sql, params or {}).rowcount

    async def run_many(self, sql: str, params: Sequence[Params]) -> None:
        self._connection.executemany(sql, params)


class PostgresSql:
    """``Sql`` on one of SQLAlchemy's pooled asyncpg connections."""

    dialect = "postgresql"

    def __init__(self, connection: AsyncConnection) -> None:
        #: The SQLAlchemy connection itself, for the few statements built with SQLAlchemy.
        self.connection = connection

    async def rows(self, sql: str, params: Params | None = None) -> Sequence[Row]:
        result = await self.connection.execute(_text(sql), params or {})
        return result.mappings().all()

    async def row(self, sql: str, params: Params | None = None) -> Row | None:
        result = await self.connection.execute(_text(sql), params or {})
        return result.mappings().first()

    async def run(self, sql: str, params: Params | None = None) -> int:
        result = await self.connection.execute(_text(sql), params or {})
        return int(result.rowcount)

    async def run_many(self, sql: str, params: Sequence[Params]) -> None:
        await self.connection.execute(_text(sql), list(params))


#: SQL string → its ``text()`` clause, built once (SQLAlchemy's compiled cache keys on it).
_TEXTS: dict[str, TextClause] = {}


def _text(sql: str) -> TextClause:
    clause = _TEXTS.get(sql)
    if clause is None:
        from sqlalchemy import text

        clause = _TEXTS[sql] = text(sql)
    return clause
