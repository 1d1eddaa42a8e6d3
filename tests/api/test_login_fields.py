"""``/login`` beyond the token: login types, flows, ``device_id`` and the device's name."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tessera.config import JwtConfig
from tests.api.support import (
    DEVICES,
    JWT_TYPE,
    LOGIN,
    LOGIN_PREFIXES,
    assert_error,
    bearer,
    count_rows,
    seed_jwt,
    whoami,
)
from tests.conftest import LiveServer, StartServer

ALICE = {"sub": "alice"}


async def devices_of(server: LiveServer, access_token: str) -> list[dict[str, Any]]:
    response = await server.client.get(DEVICES, headers=bearer(access_token))
    assert response.status_code == 200, response.text
    devices: list[dict[str, Any]] = response.json()["devices"]
    return devices


# --- login types and flows -------------------------------------------------------------------


@pytest.mark.parametrize("prefix", LOGIN_PREFIXES)
async def test_login_flows_list_jwt_first(server: LiveServer, prefix: str) -> None:
    response = await server.client.get(f"{prefix}/login")

    assert response.status_code == 200, response.text
    flows = response.json()["flows"]
    assert flows[0] == {"type": JWT_TYPE}
    assert all(isinstance(flow["type"], str) for flow in flows)


async def test_login_flows_omit_jwt_when_disabled(start_server: StartServer) -> None:
    async with start_server(jwt=JwtConfig()) as live:
        response = await live.client.get(LOGIN)

    assert response.status_code == 200, response.text
    assert JWT_TYPE not in [flow["type"] for flow in response.json()["flows"]]


async def test_jwt_login_when_disabled_is_an_unknown_login_type(start_server: StartServer) -> None:
    async with start_server(jwt=JwtConfig()) as live:
        response = await live.login(seed_jwt(ALICE))

        assert_error(response, 400, "M_UNKNOWN", "Unknown login type org.matrix.login.jwt")
        assert await count_rows(live, "users") == 0


async def test_login_without_a_type_is_a_bad_request(server: LiveServer) -> None:
    response = await server.client.post(LOGIN, json={"token": seed_jwt(ALICE)})

    assert_error(response, 400, "M_UNKNOWN", "Missing JSON keys.")


@pytest.mark.parametrize("login_type", [None, 1, ["org.matrix.login.jwt"], {}, True], ids=repr)
async def test_non_string_login_type_is_an_invalid_param(
    server: LiveServer, login_type: Any
) -> None:
    response = await server.client.post(LOGIN, json={"type": login_type, "token": seed_jwt(ALICE)})

    assert_error(response, 400, "M_INVALID_PARAM", "Bad parameter: type")


async def test_unknown_login_type_is_refused(server: LiveServer) -> None:
    response = await server.client.post(LOGIN, json={"type": "m.login.dummy"})

    assert_error(response, 400, "M_UNKNOWN", "Unknown login type m.login.dummy")


async def test_unknown_extra_fields_are_ignored(server: LiveServer) -> None:
    """mautrix bridges send an ``identifier`` with their JWT logins."""
    body = {
        "type": JWT_TYPE,
        "token": seed_jwt(ALICE),
        "identifier": {"type": "m.id.user", "user": "alice"},
        "user": "someone-else",
        "password": "ignored",
        "com.example.extension": [1, 2, 3],
    }

    response = await server.client.post(LOGIN, json=body)

    assert response.status_code == 200, response.text
    assert response.json()["user_id"] == "@alice:test.local"


async def test_login_response_carries_exactly_the_session_fields(server: LiveServer) -> None:
    response = await server.login(seed_jwt(ALICE), device_id="PHONE")

    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) >= {"user_id", "access_token", "device_id", "home_server"}
    assert body["device_id"] == "PHONE"
    assert body["home_server"] == "test.local"
    assert "refresh_token" not in body


# --- device_id -------------------------------------------------------------------------------


@pytest.mark.parametrize("fields", [{}, {"device_id": None}], ids=["absent", "null"])
async def test_device_id_is_generated_as_ten_uppercase_letters(
    server: LiveServer, fields: dict[str, Any]
) -> None:
    response = await server.login(seed_jwt(ALICE), **fields)

    assert response.status_code == 200, response.text
    assert re.fullmatch(r"[A-Z]{10}", response.json()["device_id"])


async def test_generated_device_ids_differ_between_logins(server: LiveServer) -> None:
    ids = {(await server.login(seed_jwt(ALICE))).json()["device_id"] for _ in range(5)}

    assert len(ids) == 5


async def test_given_device_id_is_used(server: LiveServer) -> None:
    access_token = await server.access_token(seed_jwt(ALICE), device_id="MY-LAPTOP")

    assert (await whoami(server, access_token)).json()["device_id"] == "MY-LAPTOP"


async def test_existing_device_id_is_reused_without_renaming(server: LiveServer) -> None:
    first = await server.login(seed_jwt(ALICE), device_id="LAPTOP", initial_device_display_name="A")
    second = await server.login(
        seed_jwt(ALICE), device_id="LAPTOP", initial_device_display_name="B"
    )

    assert first.status_code == second.status_code == 200, second.text
    assert second.json()["device_id"] == "LAPTOP"
    devices = await devices_of(server, second.json()["access_token"])
    assert [(d["device_id"], d["display_name"]) for d in devices] == [("LAPTOP", "A")]
    assert (await whoami(server, second.json()["access_token"])).json()["device_id"] == "LAPTOP"


async def test_same_device_id_for_two_users_makes_two_devices(server: LiveServer) -> None:
    alice = await server.access_token(seed_jwt(ALICE), device_id="SHARED")
    bob = await server.access_token(seed_jwt({"sub": "bob"}), device_id="SHARED")

    assert [d["user_id"] for d in await devices_of(server, alice)] == ["@alice:test.local"]
    assert [d["user_id"] for d in await devices_of(server, bob)] == ["@bob:test.local"]


@pytest.mark.parametrize("device_id", [42, 1.5, True, ["DEV"], {"id": "DEV"}], ids=repr)
async def test_non_string_device_id_is_an_invalid_param(server: LiveServer, device_id: Any) -> None:
    response = await server.login(seed_jwt(ALICE), device_id=device_id)

    assert_error(response, 400, "M_INVALID_PARAM")
    assert await count_rows(server, "devices") == 0


async def test_device_id_over_512_characters_is_an_invalid_param(server: LiveServer) -> None:
    response = await server.login(seed_jwt(ALICE), device_id="D" * 513)

    assert_error(
        response, 400, "M_INVALID_PARAM", "device_id cannot be longer than 512 characters."
    )
    assert await count_rows(server, "devices") == 0


@pytest.mark.parametrize("device_id", ["D" * 512, "\u00e9" * 512], ids=["ascii", "non-ascii"])
async def test_device_id_of_512_characters_is_accepted(server: LiveServer, device_id: str) -> None:
    response = await server.login(seed_jwt(ALICE), device_id=device_id)

    assert response.status_code == 200, response.text
    assert response.json()["device_id"] == device_id


@pytest.mark.parametrize(
    "fields",
    [{"device_id": "DEV\u0000ICE"}, {"initial_device_display_name": "my\u0000phone"}],
    ids=["device_id", "display_name"],
)
async def test_nul_character_in_device_fields_is_not_a_server_error(
    server: LiveServer, fields: dict[str, Any]
) -> None:
    response = await server.login(seed_jwt(ALICE), **fields)

    assert response.status_code < 500, response.text


# --- initial_device_display_name -------------------------------------------------------------


async def test_initial_device_display_name_names_the_new_device(server: LiveServer) -> None:
    access_token = await server.access_token(
        seed_jwt(ALICE), initial_device_display_name="Alice's phone"
    )

    devices = await devices_of(server, access_token)
    assert [d["display_name"] for d in devices] == ["Alice's phone"]


async def test_device_display_name_over_100_characters_is_too_large(server: LiveServer) -> None:
    response = await server.login(seed_jwt(ALICE), initial_device_display_name="n" * 101)

    assert_error(response, 400, "M_TOO_LARGE", "Device display name is too long (max 100)")
    assert await count_rows(server, "devices") == 0


async def test_device_display_name_of_100_characters_is_accepted(server: LiveServer) -> None:
    access_token = await server.access_token(
        seed_jwt(ALICE), initial_device_display_name="\u00e9" * 100
    )

    assert [d["display_name"] for d in await devices_of(server, access_token)] == ["\u00e9" * 100]
