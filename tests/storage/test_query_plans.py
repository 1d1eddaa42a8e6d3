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


#: What sync and the stream endpoints read, with the index each must use.
STREAM_QUERIES = [
    (
        "SELECT room_id, type, content FROM account_data WHERE user_id = 'u'"
        " AND stream_id > 1 AND stream_id <= 9 ORDER BY stream_id",
        "account_data_user_stream",
    ),
    (
        "SELECT * FROM receipts WHERE room_id = 'r' AND stream_id > 1 AND stream_id <= 9"
        " ORDER BY stream_id",
        "receipts_room_stream",
    ),
    (
        "SELECT * FROM presence WHERE stream_id > 1 AND stream_id <= 9 ORDER BY stream_id",
        "presence_stream",
    ),
    ("DELETE FROM typing_users WHERE expires_ts <= 5", "typing_users_expiry"),
    (
        "SELECT filter_id FROM user_filters WHERE user_id = 'u' AND filter_hash = x'00'",
        "user_filters_user_hash",
    ),
    ("SELECT user_id FROM typing_users WHERE room_id = 'r' AND expires_ts > 5", "typing_users"),
    ("SELECT * FROM push_rules WHERE user_id = 'u'", "push_rules"),
]


@pytest.mark.parametrize(("statement", "index"), STREAM_QUERIES)
async def test_stream_queries_use_their_index(tmp_path: Path, statement: str, index: str) -> None:
    path = tmp_path / "tessera.db"
    database = Database.from_url(sqlite_url(path))
    await migrate(database)
    await database.close()
    connection = sqlite3.connect(path)
    try:
        plan = [row[3] for row in connection.execute(f"EXPLAIN QUERY PLAN {statement}")]
    finally:
        connection.close()
    assert not [step for step in plan if step.startswith("SCAN")], plan
    assert any(index in step for step in plan), plan


#: What sync, /messages, /members and state reads run (issue 14): each through a named index.
ROOM_READS = {
    "events_room_stream": "SELECT * FROM events WHERE room_id = 'r' AND stream > 1"
    " AND stream <= 9 ORDER BY stream LIMIT 10",
    "events_room_state": "SELECT * FROM events e WHERE e.room_id = 'r'"
    " AND e.state_key IS NOT NULL AND e.stream = (SELECT max(s.stream) FROM events s"
    " WHERE s.room_id = e.room_id AND s.type = e.type AND s.state_key = e.state_key"
    " AND s.state_key IS NOT NULL AND s.stream <= 5)",
    "room_memberships_user": "SELECT * FROM room_memberships WHERE user_id = 'u'"
    " AND membership = 'join'",
    "room_memberships_user_stream": "SELECT * FROM room_memberships WHERE user_id = 'u'"
    " AND stream > 1 AND stream <= 9",
    "sqlite_autoindex_room_state_1": "SELECT * FROM room_state s JOIN events e"
    " ON e.event_id = s.event_id WHERE s.room_id = 'r'",
    "rooms_public": "SELECT room_id FROM rooms WHERE is_public = true ORDER BY room_id",
}


@pytest.mark.parametrize("index", sorted(ROOM_READS))
async def test_room_reads_use_their_index(tmp_path: Path, index: str) -> None:
    path = tmp_path / "tessera.db"
    database = Database.from_url(sqlite_url(path))
    await migrate(database)
    await database.close()
    connection = sqlite3.connect(path)
    try:
        plan = [row[3] for row in connection.execute(f"EXPLAIN QUERY PLAN {ROOM_READS[index]}")]
    finally:
        connection.close()
    assert not [step for step in plan if step.startswith("SCAN")], plan
    assert any(index in step for step in plan), plan
