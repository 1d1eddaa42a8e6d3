"""The writes every logout and refresh makes, and the lookups of every JWT login, find
their rows through indexes, not scans.

A foreign key's ON DELETE action looks up the child rows; without an index on
the child's columns SQLite reads the whole child table, once per logout.
"""

import sqlite3
from pathlib import Path

import pytest

from tessera.storage.database import Database, sqlite_url
from tessera.storage.migrate import migrate

#: What a logout, a device deletion and a refresh delete (with every cascade).
STATEMENTS = [
    "DELETE FROM devices WHERE user_id = 'u' AND device_id = 'd'",
    "DELETE FROM devices WHERE user_id = 'u'",
    "DELETE FROM refresh_tokens WHERE next_token_id = 1",
    "DELETE FROM refresh_tokens WHERE id = 1",
    "DELETE FROM access_tokens WHERE id = 1",
    # Every JWT login looks up its (provider, subject) link; an existing user's
    # first login through a provider asks whether they are linked to it.
    "SELECT u.user_id FROM user_external_ids e JOIN users u ON u.user_id = e.user_id"
    " WHERE e.auth_provider = 'p' AND e.external_id = 's'",
    "SELECT 1 FROM user_external_ids WHERE user_id = 'u' AND auth_provider = 'p' LIMIT 1",
    "DELETE FROM user_external_ids WHERE user_id = 'u'",
]


@pytest.mark.parametrize("statement", STATEMENTS)
async def test_no_table_is_scanned(tmp_path: Path, statement: str) -> None:
    path = tmp_path / "tessera.db"
    database = Database.from_url(sqlite_url(path))
    await migrate(database)
    await database.close()
    connection = sqlite3.connect(path)
    try:
        connection.execute("PRAGMA foreign_keys=ON")  # the cascades are part of the plan
        plan = [row[3] for row in connection.execute(f"EXPLAIN QUERY PLAN {statement}")]
    finally:
        connection.close()
    assert plan, statement
    assert not [step for step in plan if step.startswith("SCAN")], plan
