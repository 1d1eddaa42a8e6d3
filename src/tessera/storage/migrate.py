"""Apply Alembic migrations programmatically (``tessera migrate`` and startup).

Alembic is imported only when the database is not already at ``LATEST``:
checking one row is enough on an ordinary start, and Alembic's import costs
about 0.07 s and several MiB of memory.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from tessera.storage.database import Database

if TYPE_CHECKING:
    from alembic.config import Config as AlembicConfig

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
    """Bring the schema to the newest revision; a no-op when it is there already."""
    if await current_revision(database) == LATEST:
        return
    from alembic import command

    async with database.connection() as conn:
        await conn.run_sync(lambda sync: command.upgrade(_alembic_config(sync), "head"))
