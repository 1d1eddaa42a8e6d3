"""What every repo shares: its connection and the dialect's upsert."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import Table

if TYPE_CHECKING:  # the asyncio extension loads only for PostgreSQL
    from sqlalchemy.ext.asyncio import AsyncConnection


class Repo:
    def __init__(self, conn: AsyncConnection, dialect: str) -> None:
        self.conn = conn
        self.dialect = dialect

    async def insert_if_absent(self, table: Table, values: dict[str, Any]) -> bool:
        """INSERT unless a unique key already holds the row; True when a row was added.

        Both engines spell "ON CONFLICT DO NOTHING" the same way, but
        SQLAlchemy needs the dialect's own insert() to emit it.
        """
        key = (table.name, self.dialect)
        statement = _INSERTS_IF_ABSENT.get(key)
        if statement is None:
            insert = dialect_insert(self.dialect)
            statement = _INSERTS_IF_ABSENT[key] = insert(table).on_conflict_do_nothing()
        result = await self.conn.execute(statement, values)
        return bool(result.rowcount)


def dialect_insert(dialect: str) -> Any:
    """The dialect's own ``insert()`` (it has ON CONFLICT), imported when first needed.

    Importing both dialects up front cost a SQLite server 25 ms and 2 MiB at start.
    """
    if dialect == "postgresql":
        from sqlalchemy.dialects import postgresql

        return postgresql.insert
    from sqlalchemy.dialects import sqlite

    return sqlite.insert


# Statements built once and executed with parameters: building one per call
# (and its cache key) was a third of a login's time in SQLAlchemy.
_INSERTS_IF_ABSENT: dict[tuple[str, str], Any] = {}
