"""Apply Alembic migrations programmatically (``tessera migrate`` and startup)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection

from tessera.storage.database import Database

_SCRIPTS = Path(__file__).parent / "migrations"


def _alembic_config(connection: Connection | None = None) -> AlembicConfig:
    config = AlembicConfig()
    config.set_main_option("script_location", str(_SCRIPTS))
    config.attributes["connection"] = connection
    return config


def head_revision() -> str | None:
    """The newest migration this version of Tessera ships."""
    return ScriptDirectory.from_config(_alembic_config()).get_current_head()


async def current_revision(database: Database) -> str | None:
    """The migration the database is at (None for an empty database)."""
    async with database.connection() as conn:
        revision: str | None = await conn.run_sync(
            lambda sync: MigrationContext.configure(sync).get_current_revision()
        )
    return revision


async def migrate(database: Database) -> None:
    """Bring the schema to the newest revision; a no-op when it is there already."""
    async with database.connection() as conn:
        await conn.run_sync(lambda sync: command.upgrade(_alembic_config(sync), "head"))
