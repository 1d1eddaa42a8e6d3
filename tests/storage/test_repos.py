"""Repos on SQLite and PostgreSQL: the same bodies, both engines."""

import asyncio
import sqlite3

import pytest
import sqlalchemy.exc
from sqlalchemy import func, select

from tessera.core.tokens import hash_token
from tessera.storage.database import Database
from tessera.storage.tables import access_tokens, users

ALICE = "@alice:test.local"


async def _user_with_device(database: Database, user_id: str = ALICE, device: str = "D1") -> None:
    async with database.write() as txn:
        assert await txn.users.create(user_id, "Alice", 1000)
        assert await txn.devices.ensure(user_id, device, "phone", 1000)


async def test_created_user_reads_back(database: Database) -> None:
    await _user_with_device(database)
    async with database.read() as txn:
        user = await txn.users.get(ALICE)
    assert user is not None
    assert (user.display_name, user.deactivated, user.is_admin, user.created_ts) == (
        "Alice",
        False,
        False,
        1000,
    )


async def test_user_ids_differing_only_by_case_cannot_both_exist(database: Database) -> None:
    await _user_with_device(database)
    async with database.write() as txn:
        assert not await txn.users.create("@ALICE:test.local", None, 2000)
        matches = await txn.users.find_case_insensitive("@Alice:test.local")
    assert [user.user_id for user in matches] == [ALICE]


async def test_ensuring_an_existing_device_keeps_its_name(database: Database) -> None:
    await _user_with_device(database)
    async with database.write() as txn:
        assert not await txn.devices.ensure(ALICE, "D1", "laptop", 2000)
        devices = await txn.devices.list_for_user(ALICE)
    assert [(d.device_id, d.display_name) for d in devices] == [("D1", "phone")]


async def test_token_resolves_to_its_requester(database: Database) -> None:
    await _user_with_device(database)
    async with database.write() as txn:
        await txn.tokens.add(hash_token("secret-token"), ALICE, "D1", 1000)
    async with database.read() as txn:
        requester = await txn.tokens.requester(hash_token("secret-token"))
        unknown = await txn.tokens.requester(hash_token("other-token"))
    assert requester is not None
    assert (requester.user_id, requester.device_id) == (ALICE, "D1")
    assert unknown is None


async def test_deactivated_users_tokens_resolve_to_nobody(database: Database) -> None:
    await _user_with_device(database)
    async with database.write() as txn:
        await txn.tokens.add(hash_token("t"), ALICE, "D1", 1000)
        await txn.users.set_deactivated(ALICE, True)
    async with database.read() as txn:
        assert await txn.tokens.requester(hash_token("t")) is None


async def test_deleting_a_device_deletes_its_tokens_only(database: Database) -> None:
    await _user_with_device(database)
    async with database.write() as txn:
        await txn.devices.ensure(ALICE, "D2", None, 1000)
        await txn.tokens.add(hash_token("t1"), ALICE, "D1", 1000)
        await txn.tokens.add(hash_token("t2"), ALICE, "D2", 1000)
    async with database.write() as txn:
        await txn.devices.delete(ALICE, "D1")
    async with database.read() as txn:
        assert await txn.tokens.requester(hash_token("t1")) is None
        assert await txn.tokens.requester(hash_token("t2")) is not None


async def test_token_for_a_missing_device_is_refused(database: Database) -> None:
    await _user_with_device(database)
    # Each engine's driver error: nothing above storage catches constraint violations.
    with pytest.raises((sqlite3.IntegrityError, sqlalchemy.exc.IntegrityError)):
        async with database.write() as txn:
            await txn.tokens.add(hash_token("t"), ALICE, "NO-SUCH-DEVICE", 1000)


async def test_failed_transaction_leaves_nothing_behind(database: Database) -> None:
    with pytest.raises(RuntimeError):
        async with database.write() as txn:
            await txn.users.create(ALICE, None, 1000)
            raise RuntimeError("the login failed half-way")
    async with database.read() as txn:
        assert await txn.users.get(ALICE) is None


async def test_concurrent_creates_of_one_user_make_one_row(database: Database) -> None:
    async def create() -> bool:
        async with database.write() as txn:
            return await txn.users.create(ALICE, None, 1000)

    results = await asyncio.gather(*(create() for _ in range(20)))
    assert results.count(True) == 1
    async with database.read() as txn:
        assert len(await txn.users.find_case_insensitive(ALICE)) == 1


async def test_only_token_hashes_are_stored(database: Database) -> None:
    await _user_with_device(database)
    async with database.write() as txn:
        await txn.tokens.add(hash_token("plain-token-value"), ALICE, "D1", 1000)
    async with database.connection() as conn:
        stored = (await conn.execute(select(access_tokens.c.token_hash))).scalar_one()
        count = (await conn.execute(select(func.count()).select_from(users))).scalar_one()
    assert bytes(stored) == hash_token("plain-token-value")
    assert b"plain-token-value" not in bytes(stored)
    assert count == 1
