"""``GET/PUT /presence/{userId}/status``, and the presence stream sync reads."""

from __future__ import annotations

from collections.abc import AsyncIterator
from urllib.parse import quote

import pytest

from tessera.services.presence import Presence
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

ALICE, BOB, CAROL = user_id("alice"), user_id("bob"), user_id("carol")
ROOM = "!room:test.local"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
async def world(start_server: StartServer, clock: ManualClock) -> AsyncIterator[LiveServer]:
    """Alice and Bob share a room; Carol shares none."""
    async with start_server(clock=clock, membership=Memberships({ROOM: {ALICE, BOB}})) as live:
        yield live


def status_path(user: str = ALICE, prefix: str = "/_matrix/client/v3") -> str:
    return f"{prefix}/presence/{quote(user, safe='')}/status"


@pytest.mark.parametrize("prefix", CLIENT_PREFIXES)
async def test_presence_reads_back_with_last_active_ago(
    world: LiveServer, clock: ManualClock, prefix: str
) -> None:
    alice = await access_token_for(world, "alice")
    body = {"presence": "online", "status_msg": "at lunch"}

    assert (
        await world.client.put(status_path(prefix=prefix), headers=bearer(alice), json=body)
    ).status_code == 200
    clock.advance(5)
    response = await world.client.get(status_path(prefix=prefix), headers=bearer(alice))

    assert response.json() == {
        "presence": "online",
        "status_msg": "at lunch",
        "last_active_ago": 5000,
        "currently_active": True,
    }
    clock.advance(60)
    later = (await world.client.get(status_path(prefix=prefix), headers=bearer(alice))).json()
    assert later["currently_active"] is False


async def test_unset_presence_is_offline(world: LiveServer) -> None:
    alice = await access_token_for(world, "alice")

    response = await world.client.get(status_path(), headers=bearer(alice))

    assert response.json() == {"presence": "offline"}


async def test_presence_of_others_is_visible_only_when_sharing_a_room(world: LiveServer) -> None:
    await world.client.put(
        status_path(),
        headers=bearer(await access_token_for(world, "alice")),
        json={"presence": "unavailable"},
    )

    bob = await world.client.get(
        status_path(), headers=bearer(await access_token_for(world, "bob"))
    )
    carol = await world.client.get(
        status_path(), headers=bearer(await access_token_for(world, "carol"))
    )

    assert bob.json()["presence"] == "unavailable"
    assert "currently_active" not in bob.json()
    assert_error(carol, 403, "M_FORBIDDEN", "You are not allowed to see their presence.")


async def test_presence_of_another_user_cannot_be_set(world: LiveServer) -> None:
    bob = await access_token_for(world, "bob")

    response = await world.client.put(
        status_path(ALICE), headers=bearer(bob), json={"presence": "online"}
    )

    assert_error(response, 403, "M_FORBIDDEN", "Can only set your own presence state")


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"presence": "busy"},
        {"presence": 1},
        {"presence": "online", "status_msg": 5},
        {"presence": "online", "status_msg": "a\x00b"},
        {"presence": "online", "currently_active": True},
    ],
)
async def test_malformed_presence_is_refused(world: LiveServer, body: dict[str, object]) -> None:
    alice = await access_token_for(world, "alice")

    assert_error(
        await world.client.put(status_path(), headers=bearer(alice), json=body), 400, "M_BAD_JSON"
    )
    assert (await world.client.get(status_path(), headers=bearer(alice))).json() == {
        "presence": "offline"
    }


async def test_malformed_user_ids_are_invalid(world: LiveServer) -> None:
    alice = await access_token_for(world, "alice")

    assert_error(
        await world.client.get(status_path("alice"), headers=bearer(alice)), 400, "M_INVALID_PARAM"
    )
    put = await world.client.put(
        status_path("alice"), headers=bearer(alice), json={"presence": "online"}
    )
    assert_error(put, 400, "M_INVALID_PARAM")


async def test_the_presence_stream_gives_the_newest_state_of_the_users_asked(
    world: LiveServer, clock: ManualClock
) -> None:
    presence = Presence(world.database, Memberships(), clock=clock)
    start = await presence.current_position()
    for localpart, state in (("alice", "online"), ("bob", "online"), ("alice", "offline")):
        token = await access_token_for(world, localpart)
        await world.client.put(
            status_path(user_id(localpart)), headers=bearer(token), json={"presence": state}
        )
    end = await presence.current_position()

    events = await presence.changes_for({ALICE, CAROL}, start, end)

    assert end == start + 3
    assert events == [
        {
            "type": "m.presence",
            "sender": ALICE,
            "content": {"presence": "offline", "last_active_ago": 0},
        }
    ]
    assert await presence.changes_for({ALICE, BOB}, end, end) == []
