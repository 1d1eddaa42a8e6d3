"""Global and room account data: ``/user/{userId}[/rooms/{roomId}]/account_data/{type}``."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest

from tests.api.support import CLIENT_PREFIXES, access_token_for, assert_error, bearer, user_id
from tests.conftest import LiveServer

ALICE = user_id("alice")
ROOM = "!room:test.local"
V12_ROOM = "!bWFkZSB1cCByZWZlcmVuY2UgaGFzaA"


def path(
    owner: str, data_type: str, room: str | None = None, prefix: str = "/_matrix/client/v3"
) -> str:
    base = f"{prefix}/user/{quote(owner, safe='')}"
    if room is not None:
        base += f"/rooms/{quote(room, safe='')}"
    return f"{base}/account_data/{quote(data_type, safe='')}"


async def put(server: LiveServer, token: str, url: str, body: Any) -> Any:
    return await server.client.put(url, headers=bearer(token), json=body)


@pytest.mark.parametrize("prefix", CLIENT_PREFIXES)
@pytest.mark.parametrize("room", [None, ROOM, V12_ROOM])
async def test_account_data_is_read_back_as_set(
    server: LiveServer, prefix: str, room: str | None
) -> None:
    token = await access_token_for(server, "alice")
    url = path(ALICE, "org.example.settings", room, prefix)

    assert (await put(server, token, url, {"theme": "dark", "n": [1, 2]})).status_code == 200
    response = await server.client.get(url, headers=bearer(token))

    assert response.status_code == 200, response.text
    assert response.json() == {"theme": "dark", "n": [1, 2]}


async def test_setting_again_replaces_and_global_and_room_data_are_apart(
    server: LiveServer,
) -> None:
    token = await access_token_for(server, "alice")
    await put(server, token, path(ALICE, "m.tag"), {"v": 1})
    await put(server, token, path(ALICE, "m.tag"), {"v": 2})
    await put(server, token, path(ALICE, "m.tag", ROOM), {"v": 3})

    assert (await server.client.get(path(ALICE, "m.tag"), headers=bearer(token))).json() == {"v": 2}
    room = await server.client.get(path(ALICE, "m.tag", ROOM), headers=bearer(token))
    assert room.json() == {"v": 3}
    other_room = await server.client.get(
        path(ALICE, "m.tag", "!other:test.local"), headers=bearer(token)
    )
    assert_error(other_room, 404, "M_NOT_FOUND", "Room account data not found")


async def test_unset_account_data_is_not_found(server: LiveServer) -> None:
    token = await access_token_for(server, "alice")

    response = await server.client.get(path(ALICE, "org.example.none"), headers=bearer(token))

    assert_error(response, 404, "M_NOT_FOUND", "Account data not found")


async def test_each_user_has_their_own(server: LiveServer) -> None:
    alice = await access_token_for(server, "alice")
    bob = await access_token_for(server, "bob")
    await put(server, alice, path(ALICE, "org.example"), {"who": "alice"})

    response = await server.client.get(path(user_id("bob"), "org.example"), headers=bearer(bob))

    assert_error(response, 404, "M_NOT_FOUND")


@pytest.mark.parametrize("room", [None, ROOM])
async def test_other_users_account_data_is_forbidden(server: LiveServer, room: str | None) -> None:
    alice = await access_token_for(server, "alice")
    bob = await access_token_for(server, "bob")
    await put(server, alice, path(ALICE, "org.example", room), {"secret": 1})

    assert_error(
        await put(server, bob, path(ALICE, "org.example", room), {}),
        403,
        "M_FORBIDDEN",
        "Cannot add account data for other users.",
    )
    response = await server.client.get(path(ALICE, "org.example", room), headers=bearer(bob))
    assert_error(response, 403, "M_FORBIDDEN", "Cannot get account data for other users.")
    assert (
        await server.client.get(path(ALICE, "org.example", room), headers=bearer(alice))
    ).json() == {"secret": 1}


@pytest.mark.parametrize("room", [None, ROOM])
@pytest.mark.parametrize(
    ("data_type", "api"), [("m.fully_read", "read_markers"), ("m.push_rules", "/pushrules")]
)
async def test_fully_read_and_push_rules_have_their_own_apis(
    server: LiveServer, room: str | None, data_type: str, api: str
) -> None:
    token = await access_token_for(server, "alice")

    error = assert_error(
        await put(server, token, path(ALICE, data_type, room), {}), 405, "M_BAD_JSON"
    )

    assert error["error"].startswith(f"Cannot set {data_type} through this API.")
    assert api in error["error"]


async def test_global_push_rules_account_data_is_the_rule_set(server: LiveServer) -> None:
    token = await access_token_for(server, "alice")

    response = await server.client.get(path(ALICE, "m.push_rules"), headers=bearer(token))

    assert response.status_code == 200, response.text
    override = response.json()["global"]["override"]
    assert override[0]["rule_id"] == ".m.rule.master"


@pytest.mark.parametrize(
    "room", ["room:test.local", "!", "!:test.local", "!a:", "!a:bad host", "!a+b"]
)
async def test_malformed_room_ids_are_invalid(server: LiveServer, room: str) -> None:
    token = await access_token_for(server, "alice")

    assert_error(await put(server, token, path(ALICE, "m.tag", room), {}), 400, "M_INVALID_PARAM")
    response = await server.client.get(path(ALICE, "m.tag", room), headers=bearer(token))
    assert_error(response, 400, "M_INVALID_PARAM")


async def test_malformed_user_ids_and_types_are_invalid(server: LiveServer) -> None:
    token = await access_token_for(server, "alice")

    assert_error(await put(server, token, path("alice", "m.tag"), {}), 400, "M_INVALID_PARAM")
    assert_error(await put(server, token, path(ALICE, "t" * 256), {}), 400, "M_INVALID_PARAM")
    assert_error(await put(server, token, path(ALICE, "a\x00b"), {}), 400, "M_INVALID_PARAM")


@pytest.mark.parametrize("body", [b"[]", b'"text"', b"12"])
async def test_content_must_be_an_object(server: LiveServer, body: bytes) -> None:
    token = await access_token_for(server, "alice")

    response = await server.client.put(path(ALICE, "m.tag"), headers=bearer(token), content=body)

    assert_error(response, 400, "M_BAD_JSON")
    missing = await server.client.get(path(ALICE, "m.tag"), headers=bearer(token))
    assert_error(missing, 404, "M_NOT_FOUND")


async def test_nul_inside_content_is_kept(server: LiveServer) -> None:
    token = await access_token_for(server, "alice")

    await put(server, token, path(ALICE, "org.example"), {"a\x00": "b\x00c"})

    response = await server.client.get(path(ALICE, "org.example"), headers=bearer(token))
    assert response.json() == {"a\x00": "b\x00c"}
