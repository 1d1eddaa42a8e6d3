"""What a sync request feeds these streams: its ``filter`` parameter and ``set_presence``."""

from __future__ import annotations

import pytest

from tessera.core.errors import MatrixError
from tessera.core.models import Requester
from tessera.core.sync.filter import Filter, RoomEventFilter
from tessera.services.filters import Filters
from tessera.services.presence import Presence
from tessera.services.streams import StreamChange
from tessera.storage.database import Database
from tests.api.support import ManualClock
from tests.support.rooms import Memberships

ALICE, BOB = "@alice:test.local", "@bob:test.local"


@pytest.fixture
async def users(database: Database) -> Database:
    async with database.write() as txn:
        for user in (ALICE, BOB):
            await txn.users.create(user, None, 0)
    return database


async def test_a_sync_filter_by_id_inline_or_none(users: Database) -> None:
    filters = Filters(users)
    stored = {"room": {"timeline": {"limit": 5}}}
    filter_id = await filters.create(Requester(ALICE, "D", 1, False), ALICE, stored)

    by_id = await filters.for_sync(ALICE, filter_id)
    inline = await filters.for_sync(ALICE, '{"room": {"timeline": {"limit": 7}}}')

    assert by_id.room.timeline == RoomEventFilter(limit=5)
    assert inline.room.timeline == RoomEventFilter(limit=7)
    assert await filters.for_sync(ALICE, None) == Filter()


@pytest.mark.parametrize(
    ("param", "status", "errcode"),
    [
        ("{not json", 400, "M_BAD_JSON"),
        ('{"room": []}', 400, "M_BAD_JSON"),
        ('  {"room": {"timeline": {"limit": -1}}}', 400, "M_BAD_JSON"),
        ("abc", 400, "M_INVALID_PARAM"),
        ("424242", 404, "M_NOT_FOUND"),
    ],
)
async def test_bad_sync_filters(users: Database, param: str, status: int, errcode: str) -> None:
    with pytest.raises(MatrixError) as caught:
        await Filters(users).for_sync(ALICE, param)

    assert (caught.value.status, caught.value.errcode.value) == (status, errcode)


async def test_another_users_filter_id_is_not_found(users: Database) -> None:
    filters = Filters(users)
    filter_id = await filters.create(Requester(ALICE, "D", 1, False), ALICE, {})

    with pytest.raises(MatrixError) as caught:
        await filters.for_sync(BOB, filter_id)

    assert caught.value.status == 404


async def test_set_presence_from_sync(users: Database) -> None:
    clock = ManualClock()
    woken: list[StreamChange] = []
    presence = Presence(users, Memberships(), woken.append, clock)
    await presence.set_state(ALICE, "unavailable", "in a meeting")
    first = await presence.current_position()

    await presence.from_sync(ALICE, "offline")  # "do not mark me online": nothing changes
    clock.advance(30)
    await presence.from_sync(ALICE, "online")
    second = await presence.current_position()
    clock.advance(10)
    await presence.from_sync(ALICE, "online")  # the same state: only last_active moves

    me = Requester(ALICE, "D", 1, False)
    assert await presence.current_position() == second == first + 1
    assert [change.position for change in woken] == [first, second]
    assert await presence.status(me, ALICE) == {
        "presence": "online",
        "status_msg": "in a meeting",
        "last_active_ago": 0,
        "currently_active": True,
    }
    await presence.from_sync(BOB, "unavailable")  # a first presence
    assert (await presence.status(Requester(BOB, "D", 2, False), BOB))["presence"] == "unavailable"
