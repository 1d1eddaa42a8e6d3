"""``PUT /rooms/{roomId}/typing/{userId}``, and the typing stream sync reads."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import quote

import pytest

from tessera.services.streams import StreamChange
from tessera.services.typing import Typing
from tessera.storage.database import Database, sqlite_url
from tessera.storage.migrate import migrate
from tests.api.support import (
    CLIENT_PREFIXES,
    ManualClock,
    access_token_for,
    assert_error,
    bearer,
    user_id,
)
from tests.conftest import LiveServer, StartServer
from tests.support.rooms import Memberships

ALICE, BOB = user_id("alice"), user_id("bob")
ROOM = "!room:test.local"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
async def joined(start_server: StartServer, clock: ManualClock) -> AsyncIterator[LiveServer]:
    async with start_server(clock=clock, membership=Memberships({ROOM: {ALICE, BOB}})) as live:
        yield live


def typing_path(user: str = ALICE, room: str = ROOM, prefix: str = "/_matrix/client/v3") -> str:
    return f"{prefix}/rooms/{quote(room, safe='')}/typing/{quote(user, safe='')}"


def service(
    server: LiveServer, clock: ManualClock, woken: list[StreamChange] | None = None
) -> Typing:
    return Typing(
        server.database,
        Memberships(),
        (woken.append if woken is not None else lambda c: None),
        clock,
    )


@pytest.mark.parametrize("prefix", CLIENT_PREFIXES)
async def test_typing_shows_until_stopped(
    joined: LiveServer, clock: ManualClock, prefix: str
) -> None:
    alice = await access_token_for(joined, "alice")
    typing = service(joined, clock)
    start = await typing.current_position()

    started = await joined.client.put(
        typing_path(prefix=prefix), headers=bearer(alice), json={"typing": True, "timeout": 10_000}
    )
    after_start = await typing.current_position()
    # Typing is current state: a sync sees who types now in rooms that changed since its token.
    assert await typing.changes_for([ROOM], start, after_start) == {ROOM: [ALICE]}
    stopped = await joined.client.put(
        typing_path(prefix=prefix), headers=bearer(alice), json={"typing": False}
    )
    after_stop = await typing.current_position()

    assert (started.status_code, stopped.status_code) == (200, 200)
    assert start < after_start < after_stop
    assert await typing.changes_for([ROOM], after_start, after_stop) == {ROOM: []}
    assert await typing.changes_for([ROOM], after_stop, after_stop) == {}


async def test_two_typists_and_rooms_without_changes(
    joined: LiveServer, clock: ManualClock
) -> None:
    body = {"typing": True, "timeout": 30_000}
    await joined.client.put(
        typing_path(ALICE), headers=bearer(await access_token_for(joined, "alice")), json=body
    )
    await joined.client.put(
        typing_path(BOB), headers=bearer(await access_token_for(joined, "bob")), json=body
    )
    typing = service(joined, clock)

    changes = await typing.changes_for(
        [ROOM, "!quiet:test.local"], 0, await typing.current_position()
    )

    assert changes == {ROOM: sorted([ALICE, BOB])}


async def test_typing_expires_after_its_timeout_and_the_sweep_says_so(
    joined: LiveServer, clock: ManualClock
) -> None:
    alice = await access_token_for(joined, "alice")
    woken: list[StreamChange] = []
    typing = service(joined, clock, woken)
    await joined.client.put(
        typing_path(), headers=bearer(alice), json={"typing": True, "timeout": 5_000}
    )
    before = await typing.current_position()

    clock.advance(4)
    assert await typing.expire() == 0
    clock.advance(2)
    assert await typing.expire() == 1

    after = await typing.current_position()
    assert after > before
    assert await typing.changes_for([ROOM], before, after) == {ROOM: []}
    assert woken == [StreamChange("typing", after, (), (ROOM,))]


async def test_timeouts_are_capped_at_two_minutes(joined: LiveServer, clock: ManualClock) -> None:
    alice = await access_token_for(joined, "alice")
    typing = service(joined, clock)
    await joined.client.put(
        typing_path(), headers=bearer(alice), json={"typing": True, "timeout": 10**9}
    )

    clock.advance(121)

    assert await typing.expire() == 1


async def test_stopping_when_not_typing_changes_nothing(
    joined: LiveServer, clock: ManualClock
) -> None:
    alice = await access_token_for(joined, "alice")
    typing = service(joined, clock)
    before = await typing.current_position()

    response = await joined.client.put(typing_path(), headers=bearer(alice), json={"typing": False})

    assert response.status_code == 200
    assert await typing.current_position() == before


async def test_another_users_typing_is_forbidden(joined: LiveServer) -> None:
    bob = await access_token_for(joined, "bob")

    response = await joined.client.put(
        typing_path(ALICE), headers=bearer(bob), json={"typing": True}
    )

    assert_error(response, 403, "M_FORBIDDEN", "Cannot set another user's typing state")


async def test_typing_needs_the_user_to_be_joined(joined: LiveServer) -> None:
    carol = await access_token_for(joined, "carol")

    response = await joined.client.put(
        typing_path(user_id("carol")), headers=bearer(carol), json={"typing": True}
    )

    assert_error(response, 403, "M_FORBIDDEN")


@pytest.mark.parametrize(
    ("user", "room", "body"),
    [
        (ALICE, ROOM, {}),
        (ALICE, ROOM, {"typing": "yes"}),
        (ALICE, ROOM, {"typing": True, "timeout": -1}),
        (ALICE, ROOM, {"typing": True, "timeout": "30000"}),
        (ALICE, ROOM, {"typing": False, "timeout": 1.5}),
        ("alice", ROOM, {"typing": True}),
        (ALICE, "room", {"typing": True}),
    ],
)
async def test_malformed_typing_is_refused(
    joined: LiveServer, clock: ManualClock, user: str, room: str, body: dict[str, object]
) -> None:
    alice = await access_token_for(joined, "alice")
    typing = service(joined, clock)
    before = await typing.current_position()

    response = await joined.client.put(typing_path(user, room), headers=bearer(alice), json=body)

    assert_error(response, 400, "M_INVALID_PARAM")
    assert await typing.current_position() == before


async def test_the_sweeper_logs_an_outage_once_and_its_end(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A real outage: a SQLite file in a directory that does not exist yet.
    home = tmp_path / "not-yet"
    database = Database.from_url(sqlite_url(home / "tessera.db"))
    monkeypatch.setattr("tessera.services.typing.SWEEP_INTERVAL", 0.01)
    runner = asyncio.create_task(Typing(database, Memberships()).run())

    def said() -> list[str]:
        return [r.getMessage() for r in caplog.records if r.name == "tessera.services.typing"]

    try:
        async with asyncio.timeout(10):
            while not said():
                await asyncio.sleep(0.01)
            await asyncio.sleep(0.1)  # several more failed sweeps
            home.mkdir()
            await migrate(database)
            while len(said()) < 2:
                await asyncio.sleep(0.01)
    finally:
        runner.cancel()
        await database.close()

    assert len(said()) == 2
    assert said()[0].startswith("could not expire typing, will retry: ")
    assert said()[1] == "expiring typing again"
