"""The token cache: fast for repeats, never trusted longer than its TTL."""

import time

import pytest

from tessera.config import SessionConfig
from tessera.core.errors import UnknownToken
from tessera.core.models import Requester
from tessera.core.tokens import hash_token
from tessera.services.auth import Authenticator
from tessera.services.sessions import Sessions
from tessera.storage.database import Database

ALICE = "@alice:test.local"


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


async def _session(database: Database, token: str, device: str = "D1") -> None:
    async with database.write() as txn:
        await txn.users.create(ALICE, None, 0)
        await txn.devices.ensure(ALICE, device, None, 0)
        await txn.tokens.add(hash_token(token), ALICE, device, 0)


async def _delete_device_behind_its_back(database: Database, device: str = "D1") -> None:
    async with database.write() as txn:
        await txn.devices.delete(ALICE, device)


async def test_a_token_deleted_elsewhere_stops_working_once_the_ttl_passes(
    database: Database,
) -> None:
    clock = Clock()
    auth = Authenticator(database, ttl=1.0, monotonic=clock)
    await _session(database, "tok")
    assert (await auth.requester("tok")).device_id == "D1"
    await _delete_device_behind_its_back(database)
    clock.now += 0.5
    assert (await auth.requester("tok")).user_id == ALICE  # still inside the TTL
    clock.now += 0.6
    with pytest.raises(UnknownToken):
        await auth.requester("tok")


async def test_logout_through_this_process_is_honoured_at_once(database: Database) -> None:
    auth = Authenticator(database, ttl=3600, monotonic=Clock())
    await _session(database, "tok")
    requester = await auth.requester("tok")
    await Sessions(database, auth, SessionConfig(), time.time).logout(requester)
    with pytest.raises(UnknownToken):
        await auth.requester("tok")


async def test_logout_all_forgets_every_device_of_the_user(database: Database) -> None:
    auth = Authenticator(database, ttl=3600, monotonic=Clock())
    await _session(database, "one", "D1")
    async with database.write() as txn:
        await txn.devices.ensure(ALICE, "D2", None, 0)
        await txn.tokens.add(hash_token("two"), ALICE, "D2", 0)
    first = await auth.requester("one")
    await auth.requester("two")
    await Sessions(database, auth, SessionConfig(), time.time).logout_all(first)
    for token in ("one", "two"):
        with pytest.raises(UnknownToken):
            await auth.requester(token)


async def test_a_full_cache_starts_over_instead_of_growing(database: Database) -> None:
    auth = Authenticator(database, ttl=3600, max_entries=2, monotonic=Clock())
    await _session(database, "t0", "D0")
    async with database.write() as txn:
        for n in (1, 2):
            await txn.devices.ensure(ALICE, f"D{n}", None, 0)
            await txn.tokens.add(hash_token(f"t{n}"), ALICE, f"D{n}", 0)
    seen = [await auth.requester(f"t{n}") for n in range(3)]
    assert [r.device_id for r in seen] == ["D0", "D1", "D2"]
    assert all(isinstance(r, Requester) for r in seen)
    assert len(auth._cache) <= 2
