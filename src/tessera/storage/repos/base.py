"""What every repo shares: the connection of its transaction (``storage/sql.py``)."""

from __future__ import annotations

from tessera.storage.sql import Sql


class Repo:
    def __init__(self, sql: Sql) -> None:
        self.sql = sql
