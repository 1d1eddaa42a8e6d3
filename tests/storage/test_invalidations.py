"""Announcing ended sessions to other processes: NOTIFY on commit, a listener that forgets.

Two ``Database`` objects on one PostgreSQL are two processes' pools. The
caches here never expire (TTL one hour), so a token that stops working can
only have been forgotten because an announcement arrived.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Sequence
from typing import Any

import asyncpg
import pytest

from tessera.config import SessionConfig
from tessera.core.errors import UnknownToken
from tessera.core.tokens import hash_token
from tessera.services.accounts import Accounts
from tessera.services.auth import Authenticator
from tessera.services.sessions import Sessions
from tessera.storage.database import Database
from tessera.storage.invalidation_listener import InvalidationListener, apply, listener_for
from tessera.storage.repos.invalidations import MAX_PAYLOAD, decode, encode
from tests.conftest import POSTGRES_DSN, postgres_asyncpg_url

ALICE = "@alice:test.local"
BOB = "@bob:test.local"
#: Generous: an announcement normally arrives in about a millisecond.
WAIT = 10.0


class Recorder:
    """A ``SessionCache`` that forwards to an Authenticator and remembers what it was told."""

    def __init__(self, auth: Authenticator) -> None:
        self.auth = auth
        self.heard: list[tuple[str, ...]] = []
        self.changed = asyncio.Event()

    def forget_device(self, user_id: str, device_id: str) -> None:
        self.auth.forget_device(user_id, device_id)
        self._note("device", user_id, device_id)

    def forget_user(self, user_id: str) -> None:
        self.auth.forget_user(user_id)
        self._note("user", user_id)

    def forget_all(self) -> None:
        self.auth.forget_all()
        self._note("all")

    def _note(self, *what: str) -> None:
        self.heard.append(what)
        self.changed.set()

    async def until(self, *what: str) -> None:
        """Wait until ``what`` has been heard (a broken listener fails after ``WAIT`` s)."""
        async with asyncio.timeout(WAIT):
            while what not in self.heard:
                self.changed.clear()
                await self.changed.wait()


@pytest.fixture
def postgres(engine_name: str) -> None:
    if engine_name != "postgres":
        pytest.skip("announcements travel through PostgreSQL; SQLite is one process")


@pytest.fixture
async def other_process(postgres: None, database: Database) -> AsyncIterator[Database]:
    """A second pool on the same PostgreSQL database, as another worker has."""
    other = Database.from_url(postgres_asyncpg_url(), 1, 2)
    yield other
    await other.close()


async def _sessions(database: Database, user_id: str, *devices: str) -> None:
    async with database.write() as txn:
        await txn.users.create(user_id, None, 0)
        for device in devices:
            await txn.devices.ensure(user_id, device, None, 0)
            await txn.tokens.add(hash_token(f"{user_id}/{device}"), user_id, device, 0)


@pytest.fixture
async def follower(other_process: Database) -> AsyncIterator[tuple[Authenticator, Recorder]]:
    """The other process's token cache, following announcements."""
    listener = listener_for(other_process)
    assert listener is not None
    auth = Authenticator(other_process, ttl=3600)
    recorder = Recorder(auth)
    task = asyncio.create_task(listener.follow(recorder))
    async with asyncio.timeout(WAIT):
        await listener.listening.wait()
    yield auth, recorder
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


async def test_a_logout_elsewhere_is_forgotten_though_the_cache_never_expires(
    database: Database, follower: tuple[Authenticator, Recorder]
) -> None:
    remote, recorder = follower
    await _sessions(database, ALICE, "D1", "D2")
    assert (await remote.requester(f"{ALICE}/D1")).device_id == "D1"
    assert (await remote.requester(f"{ALICE}/D2")).device_id == "D2"
    # Control: a deletion nobody announces stays cached (the TTL is an hour).
    async with database.write() as txn:
        await txn.devices.delete(ALICE, "D2")
    assert (await remote.requester(f"{ALICE}/D2")).device_id == "D2"

    local = Authenticator(database)
    requester = await local.requester(f"{ALICE}/D1")
    await Sessions(database, local, SessionConfig(), time.time).logout(requester)
    await recorder.until("device", ALICE, "D1")

    with pytest.raises(UnknownToken):
        await remote.requester(f"{ALICE}/D1")


async def test_a_deactivation_elsewhere_forgets_every_token_of_the_user(
    database: Database, follower: tuple[Authenticator, Recorder]
) -> None:
    remote, recorder = follower
    await _sessions(database, ALICE, "D1", "D2")
    await _sessions(database, BOB, "B1")
    for token in (f"{ALICE}/D1", f"{ALICE}/D2", f"{BOB}/B1"):
        await remote.requester(token)

    await Accounts(Authenticator(database)).deactivate_user(ALICE)
    await recorder.until("user", ALICE)

    for token in (f"{ALICE}/D1", f"{ALICE}/D2"):
        with pytest.raises(UnknownToken):
            await remote.requester(token)
    assert (await remote.requester(f"{BOB}/B1")).user_id == BOB
    assert ("user", BOB) not in recorder.heard


async def test_a_rolled_back_change_announces_nothing(
    database: Database, follower: tuple[Authenticator, Recorder]
) -> None:
    _remote, recorder = follower

    class Abandoned(Exception):
        pass

    with pytest.raises(Abandoned):
        async with database.write() as txn:
            await txn.invalidations.user(BOB)
            raise Abandoned
    async with database.write() as txn:
        await txn.invalidations.user(ALICE)
    # Announcements arrive in commit order: ALICE's came after BOB's would have.
    await recorder.until("user", ALICE)
    assert ("user", BOB) not in recorder.heard


async def test_a_lost_listener_connection_empties_the_cache_and_listens_again(
    database: Database, other_process: Database, caplog: pytest.LogCaptureFixture
) -> None:
    connections: list[Any] = []

    async def connect() -> Any:
        connection = await asyncpg.connect(POSTGRES_DSN)
        connections.append(connection)
        return connection

    listener = InvalidationListener(connect)
    recorder = Recorder(Authenticator(other_process, ttl=3600))
    task = asyncio.create_task(listener.follow(recorder))
    try:
        async with asyncio.timeout(WAIT):
            await listener.listening.wait()
        recorder.heard.clear()
        async with database.connection() as conn:
            await conn.exec_driver_sql(
                f"SELECT pg_terminate_backend({connections[0].get_server_pid()})"
            )
        caplog.set_level(logging.WARNING, "tessera.storage.invalidation_listener")
        await recorder.until("all")  # everything cached may have missed an announcement
        async with asyncio.timeout(WAIT):
            while len(connections) < 2 or not listener.listening.is_set():
                await asyncio.sleep(0.01)
        async with database.write() as txn:
            await txn.invalidations.devices(ALICE, ["D9"])
        await recorder.until("device", ALICE, "D9")
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    warnings = [r.getMessage() for r in caplog.records]
    assert len([w for w in warnings if "not hearing" in w]) == 1, warnings
    assert any("again" in w for w in warnings), warnings


async def test_sqlite_needs_no_listener_and_announcing_is_harmless(
    engine_name: str, database: Database
) -> None:
    if engine_name != "sqlite":
        pytest.skip("SQLite only")
    assert listener_for(database) is None
    async with database.write() as txn:
        await txn.invalidations.user(ALICE)
        await txn.invalidations.devices(ALICE, ["D1"])


@pytest.mark.parametrize(
    ("user_id", "devices"),
    [
        (ALICE, None),
        (ALICE, ["D1"]),
        (ALICE, ["D1", 'quote" back\\slash ü \x01']),
        ("@" + "x" * 250 + ":test.local", []),
    ],
)
def test_payloads_round_trip(user_id: str, devices: Sequence[str] | None) -> None:
    decoded = decode(encode(user_id, devices))
    assert decoded == (user_id, None if devices is None else tuple(devices))


def test_a_device_list_too_long_for_one_notify_becomes_the_whole_user() -> None:
    devices = [f"{n:0500d}" for n in range(20)]
    payload = encode(ALICE, devices)
    assert len(payload.encode()) <= MAX_PAYLOAD
    assert decode(payload) == (ALICE, None)


@pytest.mark.parametrize(
    "payload", ["", "not json", "[]", '{"d": ["D1"]}', '{"u": 7}', '{"u": "@a:b", "d": [1]}']
)
def test_an_unreadable_announcement_forgets_everything(payload: str) -> None:
    class Cache:
        def __init__(self) -> None:
            self.calls: list[str] = []

        def forget_device(self, user_id: str, device_id: str) -> None:
            self.calls.append("device")

        def forget_user(self, user_id: str) -> None:
            self.calls.append("user")

        def forget_all(self) -> None:
            self.calls.append("all")

    cache = Cache()
    apply(cache, payload)
    assert cache.calls == ["all"]
