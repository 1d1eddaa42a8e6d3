"""What every repo shares: its connection and the dialect's upsert."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
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
        insert = postgresql.insert if self.dialect == "postgresql" else sqlite.insert
        result = await self.conn.execute(insert(table).values(**values).on_conflict_do_nothing())
        return bool(result.rowcount)
