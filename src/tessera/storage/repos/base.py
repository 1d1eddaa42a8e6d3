"""What every repo shares: its connection and the dialect's upsert."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite

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
            insert = postgresql.insert if self.dialect == "postgresql" else sqlite.insert
            statement = _INSERTS_IF_ABSENT[key] = insert(table).on_conflict_do_nothing()
        result = await self.conn.execute(statement, values)
        return bool(result.rowcount)


# Statements built once and executed with parameters: building one per call
# (and its cache key) was a third of a login's time in SQLAlchemy.
_INSERTS_IF_ABSENT: dict[tuple[str, str], Any] = {}
