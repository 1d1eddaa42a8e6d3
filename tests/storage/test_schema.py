"""The migrations build exactly the schema ``tables.py`` describes, on both engines."""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from tessera.storage import sqlite_schema
from tessera.storage.database import Database, sqlite_url
from tessera.storage.migrate import LATEST, current_revision, head_revision, migrate, upgrade
from tessera.storage.tables import metadata
from tests.e2e.support import create_database, database_url, drop_database


@pytest.fixture
async def empty_database(engine_name: str, tmp_path: Path) -> AsyncIterator[Database]:
    """A database with no tables at all (its own, on PostgreSQL, not the shared one)."""
    if engine_name == "sqlite":
        database = Database.from_url(sqlite_url(tmp_path / "empty.db"))
        yield database
        await database.close()
        return
    section = await create_database("tessera_schema")
    database = Database.from_url(database_url(tmp_path, section), 1, 2)
    try:
        yield database
    finally:
        await database.close()
        await drop_database(section)


# SQLite cannot reflect the lower(user_id) index; PostgreSQL compares it.
@pytest.mark.filterwarnings("ignore:autogenerate skipping metadata-specified expression")
@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")
@pytest.mark.parametrize("how", ["every migration", "created at LATEST"])
async def test_the_schema_matches_table_definitions(empty_database: Database, how: str) -> None:
    # Existing databases go through the migrations, new ones are created from
    # tables.py directly: both must end in the same schema.
    if how == "every migration":
        await upgrade(empty_database)
    else:
        await migrate(empty_database)
    async with empty_database.connection() as conn:
        diff = await conn.run_sync(
            lambda sync: compare_metadata(MigrationContext.configure(sync), metadata)
        )
    if empty_database.dialect == "sqlite" and how == "every migration":
        # SQLAlchemy does not read ON DELETE from an inline REFERENCES (how
        # SQLite adds a column with a foreign key); test_repos checks the cascade.
        diff = [d for d in diff if not _is_fk_on(d, "refresh_token_id")]
    assert diff == []
    assert await current_revision(empty_database) == LATEST


def _is_fk_on(entry: object, column: str) -> bool:
    if not isinstance(entry, tuple) or entry[0] not in ("add_fk", "remove_fk"):
        return False
    return [c.name for c in entry[1].columns] == [column]


async def test_database_is_at_the_newest_migration(database: Database) -> None:
    assert await current_revision(database) == head_revision()


def test_latest_constant_names_alembics_head() -> None:
    # migrate() skips Alembic when the database is at LATEST: it must be the real head.
    assert head_revision() == LATEST


async def test_migrating_twice_changes_nothing(database: Database) -> None:
    await migrate(database)
    assert await current_revision(database) == head_revision()


def test_the_sqlite_schema_script_is_generated_from_the_tables() -> None:
    # A new SQLite database is created from this script; `make schema` regenerates it.
    assert sqlite_schema.SCRIPT.read_text() == sqlite_schema.generate(LATEST)
