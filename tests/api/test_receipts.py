"""``POST /rooms/{roomId}/receipt/{type}/{eventId}`` and ``POST /rooms/{roomId}/read_markers``.

Membership comes from ``tests.support.rooms.Memberships`` until rooms exist.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from urllib.parse import quote

import pytest

from tessera.services.receipts import Receipts
from tests.api.support import CLIENT_PREFIXES, access_token_for, assert_error, bearer, user_id
from tests.conftest import LiveServer, StartServer
from tests.support.rooms import Memberships

ALICE, BOB = user_id("alice"), user_id("bob")
ROOM = "!room:test.local"
EVENT = "$event1"
V3 = "/_matrix/client/v3"


@pytest.fixture
async def joined(start_server: StartServer) -> AsyncIterator[LiveServer]:
    """A server on which Alice and Bob are joined to ROOM (and nobody to anything else)."""
    async with start_server(membership=Memberships({ROOM: {ALICE, BOB}})) as live:
        yield live


def receipt_path(
    receipt_type: str, event_id: str = EVENT, room: str = ROOM, prefix: str = V3
) -> str:
    return (
        f"{prefix}/rooms/{quote(room, safe='')}/receipt/{receipt_type}/{quote(event_id, safe='')}"
    )


def markers_path(room: str = ROOM) -> str:
    return f"{V3}/rooms/{quote(room, safe='')}/read_markers"


def receipts(server: LiveServer) -> Receipts:
    return Receipts(server.database, Memberships())


@pytest.mark.parametrize("prefix", CLIENT_PREFIXES)
async def test_a_read_receipt_is_stored_for_sync(joined: LiveServer, prefix: str) -> None:
    token = await access_token_for(joined, "alice")

    response = await joined.client.post(
        receipt_path("m.read", prefix=prefix), headers=bearer(token), json={}
    )

    assert response.status_code == 200, response.text
    changes = await receipts(joined).changes_for(BOB, [ROOM], 0, 1000)
    entry = changes[ROOM][EVENT]["m.read"][ALICE]
    assert isinstance(entry["ts"], int)
    assert "thread_id" not in entry


async def test_a_receipt_without_a_body_counts_as_empty(joined: LiveServer) -> None:
    token = await access_token_for(joined, "alice")

    response = await joined.client.post(receipt_path("m.read"), headers=bearer(token))

    assert response.status_code == 200, response.text


async def test_threaded_receipts_are_kept_per_thread(joined: LiveServer) -> None:
    token = await access_token_for(joined, "alice")
    for thread, event in (("main", "$a"), ("$root", "$b"), ("main", "$c")):
        response = await joined.client.post(
            receipt_path("m.read", event), headers=bearer(token), json={"thread_id": thread}
        )
        assert response.status_code == 200, response.text

    changes = (await receipts(joined).changes_for(ALICE, [ROOM], 0, 1000))[ROOM]

    # The main thread's newer receipt replaced its older one; the other thread kept its own.
    assert set(changes) == {"$b", "$c"}
    assert changes["$b"]["m.read"][ALICE]["thread_id"] == "$root"
    assert changes["$c"]["m.read"][ALICE]["thread_id"] == "main"


async def test_private_receipts_are_shown_only_to_their_owner(joined: LiveServer) -> None:
    token = await access_token_for(joined, "alice")
    await joined.client.post(receipt_path("m.read.private"), headers=bearer(token), json={})

    assert (await receipts(joined).changes_for(BOB, [ROOM], 0, 1000)) == {}
    mine = await receipts(joined).changes_for(ALICE, [ROOM], 0, 1000)
    assert ALICE in mine[ROOM][EVENT]["m.read.private"]


async def test_fully_read_through_the_receipt_endpoint_is_room_account_data(
    joined: LiveServer,
) -> None:
    token = await access_token_for(joined, "alice")

    await joined.client.post(receipt_path("m.fully_read"), headers=bearer(token), json={})

    url = f"{V3}/user/{quote(ALICE)}/rooms/{quote(ROOM)}/account_data/m.fully_read"
    response = await joined.client.get(url, headers=bearer(token))
    assert response.json() == {"event_id": EVENT}


async def test_read_markers_set_fully_read_and_receipts(joined: LiveServer) -> None:
    token = await access_token_for(joined, "alice")
    body = {"m.fully_read": "$f", "m.read": "$r", "m.read.private": "$p", "org.example": "$x"}

    response = await joined.client.post(markers_path(), headers=bearer(token), json=body)

    assert response.status_code == 200, response.text
    url = f"{V3}/user/{quote(ALICE)}/rooms/{quote(ROOM)}/account_data/m.fully_read"
    assert (await joined.client.get(url, headers=bearer(token))).json() == {"event_id": "$f"}
    changes = (await receipts(joined).changes_for(ALICE, [ROOM], 0, 1000))[ROOM]
    assert changes == {
        "$r": {"m.read": {ALICE: changes["$r"]["m.read"][ALICE]}},
        "$p": {"m.read.private": {ALICE: changes["$p"]["m.read.private"][ALICE]}},
    }


async def test_receipts_need_the_user_to_be_joined(joined: LiveServer) -> None:
    carol = await access_token_for(joined, "carol")

    elsewhere = await joined.client.post(
        receipt_path("m.read", room="!other:test.local"),
        headers=bearer(await access_token_for(joined, "alice")),
        json={},
    )
    outsider = await joined.client.post(receipt_path("m.read"), headers=bearer(carol), json={})
    markers = await joined.client.post(markers_path(), headers=bearer(carol), json={"m.read": "$e"})

    assert_error(elsewhere, 403, "M_FORBIDDEN")
    assert_error(outsider, 403, "M_FORBIDDEN", f"User {user_id('carol')} not in room {ROOM}")
    assert_error(markers, 403, "M_FORBIDDEN")
    assert (await receipts(joined).changes_for(ALICE, [ROOM, "!other:test.local"], 0, 1000)) == {}


@pytest.mark.parametrize(
    ("receipt_type", "event_id", "room", "body", "errcode"),
    [
        ("m.read", "event", ROOM, {}, "M_UNKNOWN"),
        ("m.read", EVENT, "room:test.local", {}, "M_UNKNOWN"),
        ("m.seen", EVENT, ROOM, {}, "M_UNKNOWN"),
        ("m.read", EVENT, ROOM, {"thread_id": ""}, "M_INVALID_PARAM"),
        ("m.read", EVENT, ROOM, {"thread_id": 5}, "M_INVALID_PARAM"),
        ("m.read", EVENT, ROOM, {"thread_id": "thread"}, "M_INVALID_PARAM"),
        ("m.fully_read", EVENT, ROOM, {"thread_id": "main"}, "M_INVALID_PARAM"),
    ],
)
async def test_malformed_receipts_are_refused(
    joined: LiveServer,
    receipt_type: str,
    event_id: str,
    room: str,
    body: dict[str, object],
    errcode: str,
) -> None:
    token = await access_token_for(joined, "alice")

    response = await joined.client.post(
        receipt_path(receipt_type, event_id, room), headers=bearer(token), json=body
    )

    assert_error(response, 400, errcode)
    assert (await receipts(joined).changes_for(ALICE, [ROOM], 0, 1000)) == {}


@pytest.mark.parametrize(
    "body", [{"m.read": 5}, {"m.fully_read": "not-an-event"}, {"m.read": ["$e"]}]
)
async def test_malformed_read_markers_are_refused(
    joined: LiveServer, body: dict[str, object]
) -> None:
    token = await access_token_for(joined, "alice")

    assert_error(
        await joined.client.post(markers_path(), headers=bearer(token), json=body),
        400,
        "M_INVALID_PARAM",
    )
    bad_room = await joined.client.post(
        markers_path("room"), headers=bearer(token), json={"m.read": "$e"}
    )
    assert_error(bad_room, 400, "M_INVALID_PARAM")


async def test_receipts_move_the_stream_and_since_excludes_older_ones(joined: LiveServer) -> None:
    token = await access_token_for(joined, "alice")
    service = receipts(joined)
    start = await service.current_position()
    await joined.client.post(receipt_path("m.read", "$one"), headers=bearer(token), json={})
    middle = await service.current_position()
    await joined.client.post(
        receipt_path("m.read", "$two"),
        headers=bearer(await access_token_for(joined, "bob")),
        json={},
    )
    end = await service.current_position()

    assert start < middle < end
    assert set((await service.changes_for(ALICE, [ROOM], middle, end))[ROOM]) == {"$two"}
    assert set((await service.changes_for(ALICE, [ROOM], start, middle))[ROOM]) == {"$one"}
