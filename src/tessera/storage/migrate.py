"""Apply Alembic migrations programmatically (``tessera migrate`` and startup).

Alembic is imported only when the database is not already at ``LATEST``:
checking one row is enough on an ordinary start, and Alembic's import costs
about 0.07 s and several MiB of memory.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Column, Connection, MetaData, String, Table, inspect, text
from sqlalchemy.exc import DBAPIError

from tessera.storage.database import Database
from tessera.storage.tables import metadata

if TYPE_CHECKING:
    from alembic.config import Config as AlembicConfig

logger = logging.getLogger(__name__)

#: The newest revision under migrations/versions (a test keeps the two equal).
LATEST = "0004"

_SCRIPTS = Path(__file__).parent / "migrations"


def _alembic_config(connection: Any = None) -> AlembicConfig:
    from alembic.config import Config as AlembicConfig

    config = AlembicConfig()
    config.set_main_option("script_location", str(_SCRIPTS))
    config.attributes["connection"] = connection
    return config


def head_revision() -> str | None:
    """The newest migration this version of Tessera ships, as Alembic sees it."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_alembic_config()).get_current_head()


async def current_revision(database: Database) -> str | None:
    """The migration the database is at (None for an empty database)."""
    async with database.connection() as conn:
        try:
            result = await conn.execute(text("SELECT version_num FROM alembic_version"))
        except DBAPIError:  # no alembic_version table: a database never migrated
            return None
        row = result.first()
    return None if row is None else str(row[0])


async def migrate(database: Database) -> None:
    """Bring the schema to the newest revision; a no-op when it is there already.

    An empty database gets ``tables.py``'s schema in one transaction, stamped
    at ``LATEST``, without Alembic: the same schema (tests/storage/test_schema.py
    runs every migration and compares), at a fraction of a first start's time.
    """
    revision = await current_revision(database)
    if revision == LATEST:
        return
    async with database.connection() as conn:
        if revision is None and await conn.run_sync(_is_empty):
            await conn.run_sync(_create_latest)
            logger.info("created the database schema (revision %s)", LATEST)
            return
    await upgrade(database)


async def upgrade(database: Database) -> None:
    """Run every migration the database lacks, through Alembic."""
    from alembic import command

    async with database.connection() as conn:
        await conn.run_sync(lambda sync: command.upgrade(_alembic_config(sync), "head"))


def _is_empty(sync: Connection) -> bool:
    return not inspect(sync).get_table_names()


def _create_latest(sync: Connection) -> None:
    metadata.create_all(sync)
    version = Table(
        "alembic_version",
        MetaData(),
        Column("version_num", String(32), primary_key=True),  # as Alembic makes it
    )
    version.create(sync)
    sync.execute(version.insert().values(version_num=LATEST))
