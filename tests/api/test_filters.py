"""``POST /user/{userId}/filter`` and ``GET /user/{userId}/filter/{filterId}``."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest

from tests.api.support import CLIENT_PREFIXES, access_token_for, assert_error, bearer, user_id
from tests.conftest import LiveServer

ALICE = user_id("alice")
FILTER = {
    "event_fields": ["type", "content.body"],
    "room": {
        "timeline": {"limit": 10, "types": ["m.room.*"], "not_senders": ["@spam:test.local"]},
        "state": {"lazy_load_members": True},
        "include_leave": True,
    },
    "presence": {"not_types": ["*"]},
}


def filters(owner: str, prefix: str = "/_matrix/client/v3") -> str:
    return f"{prefix}/user/{quote(owner, safe='')}/filter"


async def upload(server: LiveServer, token: str, body: Any, owner: str = ALICE) -> Any:
    return await server.client.post(filters(owner), headers=bearer(token), json=body)


@pytest.mark.parametrize("prefix", CLIENT_PREFIXES)
async def test_an_uploaded_filter_is_downloaded_as_sent(server: LiveServer, prefix: str) -> None:
    token = await access_token_for(server, "alice")

    created = await server.client.post(filters(ALICE, prefix), headers=bearer(token), json=FILTER)

    assert created.status_code == 200, created.text
    filter_id = created.json()["filter_id"]
    assert isinstance(filter_id, str)
    fetched = await server.client.get(
        f"{filters(ALICE, prefix)}/{filter_id}", headers=bearer(token)
    )
    assert fetched.status_code == 200, fetched.text
    assert fetched.json() == FILTER


async def test_the_same_filter_gets_the_same_id_and_another_a_new_one(server: LiveServer) -> None:
    token = await access_token_for(server, "alice")

    first = (await upload(server, token, FILTER)).json()["filter_id"]
    again = (await upload(server, token, dict(reversed(list(FILTER.items()))))).json()["filter_id"]
    other = (await upload(server, token, {"room": {"rooms": []}})).json()["filter_id"]

    assert first == again
    assert other != first


async def test_filters_of_other_users_are_forbidden(server: LiveServer) -> None:
    alice = await access_token_for(server, "alice")
    bob = await access_token_for(server, "bob")
    filter_id = (await upload(server, alice, FILTER)).json()["filter_id"]

    assert_error(
        await upload(server, bob, FILTER, owner=ALICE),
        403,
        "M_FORBIDDEN",
        "Cannot create filters for other users",
    )
    response = await server.client.get(f"{filters(ALICE)}/{filter_id}", headers=bearer(bob))
    assert_error(response, 403, "M_FORBIDDEN", "Cannot get filters for other users")
    # Bob's own namespace does not hold Alice's filter either.
    response = await server.client.get(
        f"{filters(user_id('bob'))}/{filter_id}", headers=bearer(bob)
    )
    assert_error(response, 404, "M_NOT_FOUND")


@pytest.mark.parametrize(
    ("body", "key"),
    [
        ({"event_fields": "type"}, "event_fields"),
        ({"event_format": "xml"}, "event_format"),
        ({"room": []}, "room"),
        ({"room": {"timeline": {"limit": -1}}}, "room.timeline.limit"),
        ({"room": {"timeline": {"limit": "10"}}}, "room.timeline.limit"),
        ({"room": {"state": {"types": [1]}}}, "room.state.types"),
        ({"room": {"ephemeral": {"lazy_load_members": "yes"}}}, "room.ephemeral.lazy_load_members"),
        ({"presence": {"senders": None}}, "presence.senders"),
        ({"account_data": {"limit": True}}, "account_data.limit"),
    ],
)
async def test_malformed_filters_are_refused_naming_the_key(
    server: LiveServer, body: dict[str, Any], key: str
) -> None:
    token = await access_token_for(server, "alice")

    error = assert_error(await upload(server, token, body), 400, "M_BAD_JSON")

    assert f"'{key}'" in error["error"]


@pytest.mark.parametrize("owner", ["alice", "@alice", "", "@:"])
async def test_malformed_user_ids_are_invalid(server: LiveServer, owner: str) -> None:
    token = await access_token_for(server, "alice")

    assert_error(await upload(server, token, FILTER, owner=owner or "x"), 400, "M_INVALID_PARAM")


@pytest.mark.parametrize("filter_id", ["abc", "-1", "1.5", "9" * 30])
async def test_malformed_filter_ids_are_invalid(server: LiveServer, filter_id: str) -> None:
    token = await access_token_for(server, "alice")

    response = await server.client.get(f"{filters(ALICE)}/{filter_id}", headers=bearer(token))

    assert_error(response, 400, "M_INVALID_PARAM", "Invalid filter_id")


async def test_an_unknown_filter_is_not_found(server: LiveServer) -> None:
    token = await access_token_for(server, "alice")

    response = await server.client.get(f"{filters(ALICE)}/12345", headers=bearer(token))

    assert_error(response, 404, "M_NOT_FOUND", "No such filter")


async def test_filters_need_an_access_token(server: LiveServer) -> None:
    assert_error(await server.client.post(filters(ALICE), json=FILTER), 401, "M_MISSING_TOKEN")
