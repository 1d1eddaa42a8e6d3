"""Apply Alembic migrations programmatically (``tessera migrate`` and startup).

Alembic and, on SQLite, SQLAlchemy are imported only when the database is
not already at ``LATEST``: checking one row is enough on an ordinary start,
and their imports cost about 0.2 s and 20 MiB of memory.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tessera.storage import sqlite_schema
from tessera.storage.database import Database, SqliteDatabase

if TYPE_CHECKING:
    from alembic.config import Config as AlembicConfig
    from sqlalchemy import Connection

logger = logging.getLogger(__name__)

#: The newest revision under migrations/versions (a test keeps the two equal).
LATEST = "0010"

_SCRIPTS = Path(__file__).parent / "migrations"


def _alembic_config(connection: Any = None, link_to: str | None = None) -> AlembicConfig:
    from alembic.config import Config as AlembicConfig

    config = AlembicConfig()
    config.set_main_option("script_location", str(_SCRIPTS))
    config.attributes["connection"] = connection
    config.attributes["link_existing_users_to"] = link_to
    return config


def head_revision() -> str | None:
    """The newest migration this version of Tessera ships, as Alembic sees it."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_alembic_config()).get_current_head()


async def current_revision(database: Database) -> str | None:
    """The migration the database is at (None for an empty database)."""
    if "alembic_version" not in await database.table_names():
        return None  # a database never migrated
    async with database.read() as repos:
        row = await repos.sql.row("SELECT version_num FROM alembic_version")
    return None if row is None else str(row["version_num"])


async def migrate(database: Database, link_existing_users_to: str | None = None) -> None:
    """Bring the schema to the newest revision; a no-op when it is there already.

    ``link_existing_users_to``: the configuration's only JWT provider, if it
    has exactly one; migration 0007 links the users that exist then to it.

    An empty database gets ``tables.py``'s schema in one transaction, stamped
    at ``LATEST``, without Alembic (on SQLite from the generated script, without
    SQLAlchemy): the same schema (tests/storage/test_schema.py runs every
    migration and compares), at a fraction of a first start's time.
    """
    tables = await database.table_names()
    if not tables:
        if isinstance(database, SqliteDatabase):
            await database.run_script(sqlite_schema.SCRIPT.read_text())
        else:
            async with database.connection() as conn:
                await conn.run_sync(_create_latest)
        logger.info("created the database schema (revision %s)", LATEST)
        return
    if await current_revision(database) != LATEST:
        await upgrade(database, link_existing_users_to)


async def upgrade(
    database: Database, link_existing_users_to: str | None = None, revision: str = "head"
) -> None:
    """Run every migration the database lacks (up to ``revision``), through Alembic."""
    from alembic import command

    def run(sync: Connection) -> None:
        command.upgrade(_alembic_config(sync, link_existing_users_to), revision)

    async with database.connection() as conn:
        await conn.run_sync(run)


def _create_latest(sync: Connection) -> None:
    """``tables.py``'s schema and Alembic's table stamped at ``LATEST``, through SQLAlchemy."""
    from sqlalchemy import Column, MetaData, String, Table

    from tessera.storage.tables import metadata

    metadata.create_all(sync)
    version = Table(
        "alembic_version",
        MetaData(),
        Column("version_num", String(32), primary_key=True),  # as Alembic makes it
    )
    version.create(sync)
    sync.execute(version.insert().values(version_num=LATEST))
