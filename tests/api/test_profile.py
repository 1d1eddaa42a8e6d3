"""``/profile/{userId}`` and its ``displayname`` and ``avatar_url`` fields."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import httpx
import pytest

from tests.api.support import (
    CLIENT_PREFIXES,
    assert_error,
    bearer,
    jwt_config,
    seed_jwt,
    user_id,
)
from tests.conftest import LiveServer, StartServer

ALICE = user_id("alice")
AVATAR = "mxc://test.local/AbCdEfGhIjKlMnOp"
FIELDS = ("displayname", "avatar_url")


def profile_path(target: str, field: str | None = None, prefix: str = "/_matrix/client/v3") -> str:
    path = f"{prefix}/profile/{quote(target, safe='')}"
    return f"{path}/{field}" if field else path


async def put_field(
    server: LiveServer, access_token: str, target: str, field: str, body: Any
) -> httpx.Response:
    return await server.client.put(
        profile_path(target, field), headers=bearer(access_token), json=body
    )


async def profile(server: LiveServer, target: str = ALICE) -> dict[str, Any]:
    response = await server.client.get(profile_path(target))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


# --- reading ---------------------------------------------------------------------------------


@pytest.mark.parametrize("prefix", CLIENT_PREFIXES)
async def test_full_profile_of_a_new_user_holds_only_the_displayname(
    server: LiveServer, prefix: str
) -> None:
    await server.access_token(seed_jwt({"sub": "alice"}))

    response = await server.client.get(profile_path(ALICE, prefix=prefix))

    assert response.status_code == 200, response.text
    assert response.json() == {"displayname": "alice"}


async def test_full_profile_shows_displayname_and_avatar_url(server: LiveServer) -> None:
    access_token = await server.access_token(seed_jwt({"sub": "alice"}))
    await put_field(server, access_token, ALICE, "displayname", {"displayname": "Alice L."})
    await put_field(server, access_token, ALICE, "avatar_url", {"avatar_url": AVATAR})

    assert await profile(server) == {"displayname": "Alice L.", "avatar_url": AVATAR}


async def test_display_name_claim_shows_in_the_full_profile(start_server: StartServer) -> None:
    async with start_server(jwt=jwt_config(display_name_claim="name")) as live:
        await live.access_token(seed_jwt({"sub": "alice", "name": "Alice Liddell"}))

        assert await profile(live) == {"displayname": "Alice Liddell"}


@pytest.mark.parametrize("field", [None, *FIELDS])
async def test_profile_of_an_unknown_user_is_not_found(
    server: LiveServer, field: str | None
) -> None:
    await server.access_token(seed_jwt({"sub": "alice"}))

    response = await server.client.get(profile_path(user_id("nobody"), field))

    assert_error(response, 404, "M_NOT_FOUND")


@pytest.mark.parametrize("field", [None, *FIELDS])
async def test_profile_of_a_malformed_user_id_is_an_invalid_param(
    server: LiveServer, field: str | None
) -> None:
    response = await server.client.get(profile_path("alice", field))

    assert_error(response, 400, "M_INVALID_PARAM", "Invalid user id")


# --- writing ---------------------------------------------------------------------------------


@pytest.mark.parametrize("prefix", CLIENT_PREFIXES)
async def test_owner_sets_their_displayname(server: LiveServer, prefix: str) -> None:
    access_token = await server.access_token(seed_jwt({"sub": "alice"}))

    response = await server.client.put(
        profile_path(ALICE, "displayname", prefix),
        headers=bearer(access_token),
        json={"displayname": "Alice in Wonderland"},
    )

    assert response.status_code == 200, response.text
    assert response.json() == {}
    read = await server.client.get(profile_path(ALICE, "displayname", prefix))
    assert read.json() == {"displayname": "Alice in Wonderland"}


@pytest.mark.parametrize("prefix", CLIENT_PREFIXES)
async def test_owner_sets_their_avatar_url(server: LiveServer, prefix: str) -> None:
    access_token = await server.access_token(seed_jwt({"sub": "alice"}))

    response = await server.client.put(
        profile_path(ALICE, "avatar_url", prefix),
        headers=bearer(access_token),
        json={"avatar_url": AVATAR},
    )

    assert response.status_code == 200, response.text
    assert response.json() == {}
    read = await server.client.get(profile_path(ALICE, "avatar_url", prefix))
    assert read.status_code == 200, read.text
    assert read.json() == {"avatar_url": AVATAR}


async def test_new_displayname_replaces_the_display_name_claim(start_server: StartServer) -> None:
    async with start_server(jwt=jwt_config(display_name_claim="name")) as live:
        access_token = await live.access_token(seed_jwt({"sub": "alice", "name": "From JWT"}))

        await put_field(live, access_token, ALICE, "displayname", {"displayname": "Chosen"})

        assert await profile(live) == {"displayname": "Chosen"}


@pytest.mark.parametrize("field", FIELDS)
async def test_setting_another_users_field_is_forbidden(server: LiveServer, field: str) -> None:
    alice = await server.access_token(seed_jwt({"sub": "alice"}))
    await put_field(server, alice, ALICE, "avatar_url", {"avatar_url": AVATAR})
    bob = await server.access_token(seed_jwt({"sub": "bob"}))

    response = await put_field(server, bob, ALICE, field, {field: "mxc://evil/x"})

    assert_error(response, 403, "M_FORBIDDEN")
    assert await profile(server) == {"displayname": "alice", "avatar_url": AVATAR}


@pytest.mark.parametrize("field", FIELDS)
async def test_setting_a_field_of_an_unknown_user_is_forbidden(
    server: LiveServer, field: str
) -> None:
    alice = await server.access_token(seed_jwt({"sub": "alice"}))

    response = await put_field(server, alice, user_id("nobody"), field, {field: "x"})

    assert_error(response, 403, "M_FORBIDDEN")


@pytest.mark.parametrize("field", FIELDS)
async def test_setting_a_field_needs_an_access_token(server: LiveServer, field: str) -> None:
    await server.access_token(seed_jwt({"sub": "alice"}))

    response = await server.client.put(profile_path(ALICE, field), json={field: "x"})

    assert_error(response, 401, "M_MISSING_TOKEN")
    assert await profile(server) == {"displayname": "alice"}


async def test_displayname_over_256_characters_is_too_large(server: LiveServer) -> None:
    access_token = await server.access_token(seed_jwt({"sub": "alice"}))

    response = await put_field(
        server, access_token, ALICE, "displayname", {"displayname": "x" * 257}
    )

    assert_error(response, 400, "M_TOO_LARGE", "Displayname is too long (max 256)")
    assert await profile(server) == {"displayname": "alice"}


async def test_displayname_of_256_characters_is_accepted(server: LiveServer) -> None:
    access_token = await server.access_token(seed_jwt({"sub": "alice"}))

    response = await put_field(
        server, access_token, ALICE, "displayname", {"displayname": "x" * 256}
    )

    assert response.status_code == 200, response.text
    assert await profile(server) == {"displayname": "x" * 256}


async def test_avatar_url_over_1000_characters_is_too_large(server: LiveServer) -> None:
    access_token = await server.access_token(seed_jwt({"sub": "alice"}))
    too_long = "mxc://test.local/" + "a" * (1001 - len("mxc://test.local/"))

    response = await put_field(server, access_token, ALICE, "avatar_url", {"avatar_url": too_long})

    assert_error(response, 400, "M_TOO_LARGE", "Avatar URL is too long (max 1000)")
    assert await profile(server) == {"displayname": "alice"}


@pytest.mark.parametrize("field", FIELDS)
@pytest.mark.parametrize("value", [1, ["x"], {"x": 1}, True, "nul\u0000byte"], ids=repr)
async def test_non_string_value_is_an_invalid_param(
    server: LiveServer, field: str, value: Any
) -> None:
    """Synapse: ``400 M_INVALID_PARAM "'displayname' must be a string"`` (likewise avatar_url)."""
    access_token = await server.access_token(seed_jwt({"sub": "alice"}))

    response = await put_field(server, access_token, ALICE, field, {field: value})

    assert_error(response, 400, "M_INVALID_PARAM")
    assert await profile(server) == {"displayname": "alice"}


@pytest.mark.parametrize("field", FIELDS)
async def test_body_without_the_fields_key_is_a_missing_param(
    server: LiveServer, field: str
) -> None:
    """The spec requires the key named in the URL; Synapse: 400 M_MISSING_PARAM.

    A body that names nothing must not silently clear the field.
    """
    access_token = await server.access_token(seed_jwt({"sub": "alice"}))
    await put_field(server, access_token, ALICE, "avatar_url", {"avatar_url": AVATAR})

    response = await put_field(server, access_token, ALICE, field, {"unrelated": "x"})

    assert_error(response, 400, "M_MISSING_PARAM", f"Missing key '{field}'")
    assert await profile(server) == {"displayname": "alice", "avatar_url": AVATAR}


async def test_malformed_user_id_in_a_put_is_an_invalid_param(server: LiveServer) -> None:
    access_token = await server.access_token(seed_jwt({"sub": "alice"}))

    response = await put_field(server, access_token, "alice", "displayname", {"displayname": "x"})

    assert_error(response, 400, "M_INVALID_PARAM", "Invalid user id")
