"""Device-less access tokens ("log in as user") and the 0004 migration that allows them."""

from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import text

import tessera.storage.migrate
from tessera.core.tokens import hash_token
from tessera.storage.database import Database

ALICE = "@alice:test.local"
ROOT = "@root:test.local"


async def _alice_with_phone(database: Database) -> None:
    async with database.write() as txn:
        await txn.users.create(ALICE, "Alice", 1000)
        await txn.devices.ensure(ALICE, "PHONE", None, 1000)
        await txn.tokens.add(hash_token("phone"), ALICE, "PHONE", 1000)
        await txn.tokens.add(hash_token("puppet"), ALICE, None, 1000, puppeted_by=ROOT)


async def test_a_deviceless_token_names_its_admin(database: Database) -> None:
    await _alice_with_phone(database)
    async with database.read() as txn:
        info = await txn.tokens.lookup(hash_token("puppet"))
    assert info is not None
    requester = info.requester
    assert (requester.user_id, requester.device_id, requester.puppeted_by) == (ALICE, None, ROOT)


async def test_deleting_devices_leaves_deviceless_tokens_to_their_own_call(
    database: Database,
) -> None:
    await _alice_with_phone(database)
    async with database.write() as txn:
        await txn.devices.delete_all(ALICE)
    async with database.read() as txn:
        assert await txn.tokens.lookup(hash_token("phone")) is None
        assert await txn.tokens.lookup(hash_token("puppet")) is not None
    async with database.write() as txn:
        await txn.tokens.delete_deviceless(ALICE)
    async with database.read() as txn:
        assert await txn.tokens.lookup(hash_token("puppet")) is None


def _alembic(sync_connection: object, revision: str, *, down: bool = False) -> None:
    config = AlembicConfig()
    config.set_main_option(
        "script_location", str(Path(tessera.storage.migrate.__file__).parent / "migrations")
    )
    config.attributes["connection"] = sync_connection
    (command.downgrade if down else command.upgrade)(config, revision)


async def test_migration_0004_keeps_tokens_and_their_cascades(database: Database) -> None:
    async with database.connection() as conn:
        await conn.run_sync(lambda sync: _alembic(sync, "0003", down=True))
    async with database.connection() as conn:
        await conn.execute(
            text("INSERT INTO users (user_id, created_ts) VALUES (:u, 1)"), {"u": ALICE}
        )
        await conn.execute(
            text("INSERT INTO devices (user_id, device_id, created_ts) VALUES (:u, 'D1', 1)"),
            {"u": ALICE},
        )
        await conn.execute(
            text(
                "INSERT INTO refresh_tokens (token_hash, user_id, device_id, created_ts) "
                "VALUES (:h, :u, 'D1', 1)"
            ),
            {"h": hash_token("refresh"), "u": ALICE},
        )
        await conn.execute(
            text(
                "INSERT INTO access_tokens (token_hash, user_id, device_id, created_ts, "
                "refresh_token_id) VALUES (:h, :u, 'D1', 1, "
                "(SELECT id FROM refresh_tokens WHERE token_hash = :r))"
            ),
            {"h": hash_token("access"), "u": ALICE, "r": hash_token("refresh")},
        )
    async with database.connection() as conn:
        await conn.run_sync(lambda sync: _alembic(sync, "head"))

    async with database.read() as txn:
        info = await txn.tokens.lookup(hash_token("access"))
    assert info is not None
    assert (info.requester.device_id, info.refresh_token_id is not None) == ("D1", True)
    # The rebuilt SQLite table kept ON DELETE CASCADE from refresh_tokens.
    async with database.write() as txn:
        await txn.refresh_tokens.delete(info.refresh_token_id or 0)
    async with database.read() as txn:
        assert await txn.tokens.lookup(hash_token("access")) is None
