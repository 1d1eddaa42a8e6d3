"""Read-only ``GET /devices`` and ``GET /profile/{userId}/displayname``."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from tests.api.support import (
    CLIENT_PREFIXES,
    DEVICES,
    assert_error,
    bearer,
    jwt_config,
    seed_jwt,
)
from tests.conftest import LiveServer, StartServer

DEVICE_FIELDS = {"user_id", "device_id", "display_name", "last_seen_ip", "last_seen_ts"}


def displayname_path(user_id: str, prefix: str = "/_matrix/client/v3") -> str:
    return f"{prefix}/profile/{quote(user_id, safe='')}/displayname"


# --- devices ---------------------------------------------------------------------------------


@pytest.mark.parametrize("prefix", CLIENT_PREFIXES)
async def test_devices_lists_what_the_login_stored(server: LiveServer, prefix: str) -> None:
    access_token = await server.access_token(
        seed_jwt({"sub": "alice"}), device_id="PHONE", initial_device_display_name="Alice's phone"
    )

    response = await server.client.get(f"{prefix}/devices", headers=bearer(access_token))

    assert response.status_code == 200, response.text
    [device] = response.json()["devices"]
    assert set(device) >= DEVICE_FIELDS
    assert device["user_id"] == "@alice:test.local"
    assert device["device_id"] == "PHONE"
    assert device["display_name"] == "Alice's phone"


async def test_device_without_a_name_has_a_null_display_name(server: LiveServer) -> None:
    access_token = await server.access_token(seed_jwt({"sub": "alice"}))

    [device] = (await server.client.get(DEVICES, headers=bearer(access_token))).json()["devices"]

    assert device["display_name"] is None


async def test_devices_lists_every_session_of_the_user_only(server: LiveServer) -> None:
    await server.access_token(seed_jwt({"sub": "alice"}), device_id="A1")
    access_token = await server.access_token(seed_jwt({"sub": "alice"}), device_id="A2")
    await server.access_token(seed_jwt({"sub": "bob"}), device_id="B1")

    devices = (await server.client.get(DEVICES, headers=bearer(access_token))).json()["devices"]

    assert sorted(device["device_id"] for device in devices) == ["A1", "A2"]
    assert {device["user_id"] for device in devices} == {"@alice:test.local"}


async def test_devices_needs_an_access_token(server: LiveServer) -> None:
    assert_error(await server.client.get(DEVICES), 401, "M_MISSING_TOKEN", "Missing access token")


# --- profile displayname ---------------------------------------------------------------------


@pytest.mark.parametrize("prefix", CLIENT_PREFIXES)
async def test_displayname_of_a_new_user_is_the_localpart(server: LiveServer, prefix: str) -> None:
    await server.access_token(seed_jwt({"sub": "alice"}))

    response = await server.client.get(displayname_path("@alice:test.local", prefix))

    assert response.status_code == 200, response.text
    assert response.json() == {"displayname": "alice"}


async def test_displayname_shows_the_display_name_claim(start_server: StartServer) -> None:
    async with start_server(jwt=jwt_config(display_name_claim="name")) as live:
        await live.access_token(seed_jwt({"sub": "alice", "name": "Alice Liddell"}))

        response = await live.client.get(displayname_path("@alice:test.local"))

    assert response.json() == {"displayname": "Alice Liddell"}


async def test_displayname_needs_no_access_token(server: LiveServer) -> None:
    await server.access_token(seed_jwt({"sub": "alice"}))

    response = await server.client.get(displayname_path("@alice:test.local"))

    assert response.status_code == 200, response.text


async def test_displayname_path_may_be_unencoded(server: LiveServer) -> None:
    await server.access_token(seed_jwt({"sub": "alice"}))

    response = await server.client.get("/_matrix/client/v3/profile/@alice:test.local/displayname")

    assert response.json() == {"displayname": "alice"}


@pytest.mark.parametrize(
    "user_id", ["@nobody:test.local", "@alice:elsewhere.example", "@Alice:test.local"]
)
async def test_displayname_of_an_unknown_user_is_not_found(
    server: LiveServer, user_id: str
) -> None:
    await server.access_token(seed_jwt({"sub": "alice"}))

    response = await server.client.get(displayname_path(user_id))

    assert_error(response, 404, "M_NOT_FOUND", "Profile was not found")


@pytest.mark.parametrize(
    "user_id", ["alice", "@alice", "alice:test.local", "@ali\u0000ce:test.local"]
)
async def test_displayname_of_a_malformed_user_id_is_an_invalid_param(
    server: LiveServer, user_id: str
) -> None:
    """Synapse: ``400 M_INVALID_PARAM "Invalid user id"`` before any lookup."""
    response = await server.client.get(displayname_path(user_id))

    assert_error(response, 400, "M_INVALID_PARAM", "Invalid user id")
