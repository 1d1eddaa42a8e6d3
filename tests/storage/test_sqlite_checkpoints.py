"""SQLite's WAL is checkpointed by a thread of its own, and restarted before it grows too big."""

import asyncio
import sqlite3
import time
from pathlib import Path

import pytest

from tessera.storage import sqlite_checkpoints
from tessera.storage.database import Database, sqlite_url
from tessera.storage.migrate import migrate


async def _sqlite(path: Path) -> Database:
    database = Database.from_url(sqlite_url(path))
    await migrate(database)
    return database


async def _add_users(database: Database, count: int, start: int = 0) -> None:
    for n in range(start, start + count):
        async with database.write() as txn:
            # A long display name: each commit writes a few pages of WAL.
            await txn.users.create(f"@user{n}:test.local", "x" * 3000, 1000)


async def test_the_thread_copies_the_wal_into_the_database_file(tmp_path: Path) -> None:
    path = tmp_path / "tessera.db"
    database = await _sqlite(path)
    size_before = path.stat().st_size
    try:
        await _add_users(database, sqlite_checkpoints.WAKE_EVERY)
        # The writer never checkpoints itself (autocheckpoint is off), and SQLite's own
        # would wait for 1,000 pages: only the thread can make the file grow this soon.
        deadline = time.monotonic() + 5
        while path.stat().st_size == size_before and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        assert path.stat().st_size > size_before
    finally:
        await database.close()


async def test_the_writer_restarts_a_full_wal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The thread never wakes, and the WAL counts as full at every commit.
    monkeypatch.setattr(sqlite_checkpoints, "WAKE_EVERY", 10**9)
    monkeypatch.setattr(sqlite_checkpoints, "WAL_LIMIT_BYTES", -1)
    path = tmp_path / "tessera.db"
    database = await _sqlite(path)
    try:
        await _add_users(database, 100)
        # Each commit restarted the log, so the WAL holds the last commit's pages
        # only, not the ~100 of all of them.
        assert _frames_in_wal(path) < 10
    finally:
        await database.close()
    # The last connection to close checkpoints and removes the WAL: nothing is lost.
    reopened = sqlite3.connect(path)
    assert reopened.execute("SELECT count(*) FROM users").fetchone() == (100,)
    reopened.close()


def _frames_in_wal(path: Path) -> int:
    other = sqlite3.connect(path)
    try:
        # A passive checkpoint answers (busy, frames in the WAL, frames copied).
        _busy, frames, _copied = other.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        return int(frames)
    finally:
        other.close()


async def test_without_the_thread_sqlite_checkpoints_in_the_commits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def cannot_open(*_args: object, **_kwargs: object) -> sqlite3.Connection:
        raise sqlite3.OperationalError("unable to open database file")

    class NoConnections:  # the thread's sqlite3: every connect fails
        connect = staticmethod(cannot_open)
        Error = sqlite3.Error

    monkeypatch.setattr(sqlite_checkpoints, "sqlite3", NoConnections)
    path = tmp_path / "tessera.db"
    database = await _sqlite(path)
    size_before = path.stat().st_size
    try:
        # ~3,000-byte names: 600 commits write well past SQLite's 1,000-page checkpoint.
        await _add_users(database, 600)
        assert path.stat().st_size > size_before + 1024 * 1024
    finally:
        await database.close()
