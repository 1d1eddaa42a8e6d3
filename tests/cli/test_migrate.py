"""``tessera migrate``: creates the schema on a fresh database, and is safe to run again."""

from __future__ import annotations

import asyncio
import secrets
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from tessera.storage.migrate import head_revision
from tests.cli.runner import tessera, write_config
from tests.conftest import POSTGRES_DSN

TABLES = {"users", "devices", "access_tokens", "alembic_version"}


def _sqlite_tables(path: Path) -> set[str]:
    with sqlite3.connect(path) as conn:
        rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    return {name for (name,) in rows}


def _sqlite_revisions(path: Path) -> list[str]:
    with sqlite3.connect(path) as conn:
        return [rev for (rev,) in conn.execute("SELECT version_num FROM alembic_version")]


@pytest.fixture(scope="module")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory whose fresh SQLite config has been migrated once by the CLI."""
    directory = tmp_path_factory.mktemp("migrate")
    write_config(directory / "homeserver.yaml")
    assert not (directory / "homeserver.db").exists()
    result = tessera("migrate", "-c", "homeserver.yaml", cwd=directory)
    assert result.returncode == 0, result.stderr
    return directory


def test_migrate_creates_the_tables_on_a_fresh_sqlite_database(migrated: Path) -> None:
    database = migrated / "homeserver.db"

    assert _sqlite_tables(database) >= TABLES
    assert _sqlite_revisions(database) == [head_revision()]


def test_migrate_again_keeps_data_and_revision(migrated: Path) -> None:
    database = migrated / "homeserver.db"
    with sqlite3.connect(database) as conn:
        conn.execute(
            "INSERT INTO users (user_id, display_name, created_ts) VALUES (?, ?, ?)",
            ("@kept:localhost", "Kept", 1),
        )

    result = tessera("migrate", "-c", "homeserver.yaml", cwd=migrated)

    assert result.returncode == 0, result.stderr
    assert str(head_revision()) in result.stdout
    assert _sqlite_revisions(database) == [head_revision()]
    with sqlite3.connect(database) as conn:
        users = conn.execute("SELECT user_id FROM users").fetchall()
    assert users == [("@kept:localhost",)]


# --- PostgreSQL -----------------------------------------------------------------------------


async def _admin(sql: str) -> None:
    assert POSTGRES_DSN is not None
    conn = await asyncpg.connect(POSTGRES_DSN)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def _postgres_tables(dsn: str) -> tuple[set[str], list[str]]:
    conn = await asyncpg.connect(dsn)
    try:
        tables = await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        revisions = await conn.fetch("SELECT version_num FROM alembic_version")
    finally:
        await conn.close()
    return {row["tablename"] for row in tables}, [row["version_num"] for row in revisions]


@pytest.fixture
def fresh_postgres_database() -> Iterator[str]:
    """The DSN of a brand-new, empty PostgreSQL database, dropped afterwards."""
    if not POSTGRES_DSN:
        pytest.skip("PostgreSQL not available (make test starts one when it is installed)")
    name = f"tessera_cli_{secrets.token_hex(4)}"
    asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    try:
        yield str(make_url(POSTGRES_DSN).set(database=name))
    finally:
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def test_migrate_creates_the_tables_on_postgres_and_is_idempotent(
    fresh_postgres_database: str, tmp_path: Path
) -> None:
    url = make_url(fresh_postgres_database)
    args = {"user": url.username, "database": url.database, "host": url.host, "port": url.port}
    if url.password:
        args["password"] = url.password
    write_config(tmp_path / "homeserver.yaml", database={"name": "psycopg2", "args": args})

    first = tessera("migrate", "-c", "homeserver.yaml", cwd=tmp_path)
    second = tessera("migrate", "-c", "homeserver.yaml", cwd=tmp_path)

    assert first.returncode == 0, first.stderr
    assert second.returncode == 0, second.stderr
    tables, revisions = asyncio.run(_postgres_tables(fresh_postgres_database))
    assert tables >= TABLES
    assert revisions == [head_revision()]
    assert not (tmp_path / "homeserver.db").exists()


def test_an_unusable_database_is_one_line_not_a_traceback(tmp_path: Path) -> None:
    write_config(
        tmp_path / "homeserver.yaml",
        database={"name": "sqlite3", "args": {"database": "/nonexistent/dir/homeserver.db"}},
    )
    result = tessera("migrate", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.startswith("tessera: cannot use the database: OperationalError")
    assert "Traceback" not in result.stderr
