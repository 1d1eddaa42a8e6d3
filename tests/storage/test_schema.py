"""The migrations build exactly the schema ``tables.py`` describes, on both engines."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from tessera.storage.database import Database
from tessera.storage.migrate import LATEST, current_revision, head_revision, migrate
from tessera.storage.tables import metadata


# SQLite cannot reflect the lower(user_id) index; PostgreSQL compares it.
@pytest.mark.filterwarnings("ignore:autogenerate skipping metadata-specified expression")
@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")
async def test_migrated_schema_matches_table_definitions(database: Database) -> None:
    async with database.connection() as conn:
        diff = await conn.run_sync(
            lambda sync: compare_metadata(MigrationContext.configure(sync), metadata)
        )
    if database.dialect == "sqlite":
        # SQLAlchemy does not read ON DELETE from an inline REFERENCES (how
        # SQLite adds a column with a foreign key); test_repos checks the cascade.
        diff = [d for d in diff if not _is_fk_on(d, "refresh_token_id")]
    assert diff == []


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
