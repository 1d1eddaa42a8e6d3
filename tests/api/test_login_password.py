"""``m.login.password`` for users that have a password (off unless ``password_config.enabled``).

Users are created by a JWT login and then given a bcrypt hash, as a
migration from Synapse would leave them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import bcrypt
import httpx
import pytest

from tessera.config import PasswordConfig
from tests.api.support import (
    DEVICES,
    JWT_TYPE,
    LOGIN,
    LOGIN_PREFIXES,
    PASSWORD_TYPE,
    assert_error,
    bearer,
    count_rows,
    deactivate,
    seed_jwt,
    set_password,
    user_id,
    whoami,
)
from tests.conftest import LiveServer, StartServer

PASSWORD = "correct horse battery staple"
INVALID = "Invalid username or password"
ALICE = user_id("alice")


@pytest.fixture
async def live(start_server: StartServer) -> AsyncIterator[LiveServer]:
    """Password login on; alice exists (made by a JWT login) and has PASSWORD."""
    async with start_server(password=PasswordConfig(enabled=True), bcrypt_rounds=4) as server:
        await server.access_token(seed_jwt({"sub": "alice"}))
        await set_password(server, "alice", PASSWORD)
        yield server


def by_identifier(user: Any, password: Any = PASSWORD, **fields: Any) -> dict[str, Any]:
    return {
        "type": PASSWORD_TYPE,
        "identifier": {"type": "m.id.user", "user": user},
        "password": password,
        **fields,
    }


async def password_login(server: LiveServer, body: dict[str, Any]) -> httpx.Response:
    return await server.client.post(LOGIN, json=body)


async def logged_in_as(server: LiveServer, body: dict[str, Any]) -> str:
    response = await password_login(server, body)
    assert response.status_code == 200, response.text
    access_token = response.json()["access_token"]
    me = await whoami(server, access_token)
    assert me.status_code == 200, me.text
    return str(me.json()["user_id"])


# --- disabled --------------------------------------------------------------------------------


async def test_password_login_is_not_listed_when_disabled(server: LiveServer) -> None:
    flows = (await server.client.get(LOGIN)).json()["flows"]

    assert PASSWORD_TYPE not in [flow["type"] for flow in flows]


async def test_password_login_when_disabled_is_refused_even_for_a_user_with_one(
    server: LiveServer,
) -> None:
    await server.access_token(seed_jwt({"sub": "alice"}))
    await set_password(server, "alice", PASSWORD)
    devices_before = await count_rows(server, "devices")

    response = await password_login(server, by_identifier("alice"))

    assert_error(response, 400, "M_UNKNOWN", "Password login has been disabled.")
    assert await count_rows(server, "devices") == devices_before


# --- enabled: success ------------------------------------------------------------------------


@pytest.mark.parametrize("prefix", LOGIN_PREFIXES)
async def test_password_login_is_listed_after_jwt_when_enabled(
    live: LiveServer, prefix: str
) -> None:
    response = await live.client.get(f"{prefix}/login")

    assert response.status_code == 200, response.text
    assert response.json()["flows"] == [{"type": JWT_TYPE}, {"type": PASSWORD_TYPE}]


@pytest.mark.parametrize("prefix", LOGIN_PREFIXES)
async def test_localpart_identifier_logs_in(live: LiveServer, prefix: str) -> None:
    response = await live.client.post(f"{prefix}/login", json=by_identifier("alice"))

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["user_id"] == ALICE
    assert body["home_server"] == "test.local"
    assert (await whoami(live, body["access_token"])).json()["user_id"] == ALICE


async def test_full_user_id_identifier_logs_in(live: LiveServer) -> None:
    assert await logged_in_as(live, by_identifier(ALICE)) == ALICE


@pytest.mark.parametrize("user", ["alice", ALICE])
async def test_legacy_user_field_logs_in(live: LiveServer, user: str) -> None:
    body = {"type": PASSWORD_TYPE, "user": user, "password": PASSWORD}

    assert await logged_in_as(live, body) == ALICE


@pytest.mark.parametrize("user", ["ALICE", "Alice", "@ALICE:test.local", "@Alice:test.local"])
async def test_user_is_matched_case_insensitively(live: LiveServer, user: str) -> None:
    assert await logged_in_as(live, by_identifier(user)) == ALICE


async def test_password_login_creates_the_named_device(live: LiveServer) -> None:
    body = by_identifier("alice", device_id="LAPTOP", initial_device_display_name="Laptop")

    response = await password_login(live, body)

    assert response.status_code == 200, response.text
    assert response.json()["device_id"] == "LAPTOP"
    devices = (
        await live.client.get(DEVICES, headers=bearer(response.json()["access_token"]))
    ).json()["devices"]
    laptop = next(device for device in devices if device["device_id"] == "LAPTOP")
    assert laptop["display_name"] == "Laptop"


async def test_password_login_can_ask_for_a_refresh_token(live: LiveServer) -> None:
    response = await password_login(live, by_identifier("alice", refresh_token=True))

    assert response.status_code == 200, response.text
    assert isinstance(response.json()["refresh_token"], str)
    assert response.json()["expires_in_ms"] == 5 * 60 * 1000


async def test_synapse_bcrypt_hash_with_pepper_logs_in(start_server: StartServer) -> None:
    """Synapse stores ``bcrypt(password + pepper)``; such a hash copied over keeps working."""
    config = PasswordConfig(enabled=True, pepper="pepper!")
    async with start_server(password=config, bcrypt_rounds=4) as live:
        await live.access_token(seed_jwt({"sub": "alice"}))
        synapse_hash = bcrypt.hashpw(f"{PASSWORD}pepper!".encode(), bcrypt.gensalt(4)).decode()
        async with live.database.write() as txn:
            await txn.users.set_password_hash(ALICE, synapse_hash)

        assert await logged_in_as(live, by_identifier("alice")) == ALICE


# --- enabled: failure ------------------------------------------------------------------------


async def test_wrong_password_is_forbidden_and_makes_no_device(live: LiveServer) -> None:
    devices_before = await count_rows(live, "devices")

    response = await password_login(live, by_identifier("alice", "wrong"))

    assert_error(response, 403, "M_FORBIDDEN", INVALID)
    assert await count_rows(live, "devices") == devices_before


@pytest.mark.parametrize("user", ["nobody", "@nobody:test.local", "@alice:elsewhere.example"])
async def test_unknown_user_is_forbidden_like_a_wrong_password(live: LiveServer, user: str) -> None:
    response = await password_login(live, by_identifier(user))

    assert_error(response, 403, "M_FORBIDDEN", INVALID)


async def test_user_without_a_password_is_forbidden_like_a_wrong_password(
    live: LiveServer,
) -> None:
    await live.access_token(seed_jwt({"sub": "bob"}))

    for password in ("", PASSWORD):
        response = await password_login(live, by_identifier("bob", password))
        assert_error(response, 403, "M_FORBIDDEN", INVALID)


async def test_deactivated_user_with_the_right_password_is_user_deactivated(
    live: LiveServer,
) -> None:
    await deactivate(live, "alice")

    response = await password_login(live, by_identifier("alice"))

    assert_error(response, 403, "M_USER_DEACTIVATED", "This account has been deactivated")


async def test_deactivated_user_with_a_wrong_password_is_forbidden(live: LiveServer) -> None:
    await deactivate(live, "alice")

    response = await password_login(live, by_identifier("alice", "wrong"))

    assert_error(response, 403, "M_FORBIDDEN", INVALID)


@pytest.mark.parametrize(
    ("body", "errcode", "error"),
    [
        (
            {"type": PASSWORD_TYPE, "password": PASSWORD},
            "M_INVALID_PARAM",
            "Invalid login submission",
        ),
        (
            {"type": PASSWORD_TYPE, "identifier": {}, "password": PASSWORD},
            "M_INVALID_PARAM",
            "Invalid login submission",
        ),
        (
            {"type": PASSWORD_TYPE, "identifier": {"user": "alice"}, "password": PASSWORD},
            "M_MISSING_PARAM",
            "'identifier' dict has no key 'type'",
        ),
        (
            {
                "type": PASSWORD_TYPE,
                "identifier": {"type": "m.id.unknown", "user": "alice"},
                "password": PASSWORD,
            },
            "M_UNKNOWN",
            "Unknown login identifier type",
        ),
        (
            {"type": PASSWORD_TYPE, "identifier": {"type": "m.id.user"}, "password": PASSWORD},
            "M_UNKNOWN",
            "User identifier is missing 'user' key",
        ),
        (by_identifier(""), "M_UNKNOWN", "User identifier is missing 'user' key"),
        (
            {"type": PASSWORD_TYPE, "identifier": {"type": "m.id.user", "user": "alice"}},
            "M_INVALID_PARAM",
            "Bad parameter: password",
        ),
        (by_identifier("alice", 12345), "M_INVALID_PARAM", "Bad parameter: password"),
        (by_identifier("alice", None), "M_INVALID_PARAM", "Bad parameter: password"),
    ],
    ids=[
        "no-identifier",
        "empty-identifier",
        "identifier-without-type",
        "unknown-identifier-type",
        "identifier-without-user",
        "empty-user",
        "no-password",
        "numeric-password",
        "null-password",
    ],
)
async def test_malformed_submission_gets_synapses_answer(
    live: LiveServer, body: dict[str, Any], errcode: str, error: str
) -> None:
    response = await password_login(live, body)

    assert_error(response, 400, errcode, error)


@pytest.mark.parametrize(
    "identifier",
    [
        "alice",
        1,
        ["m.id.user"],
        {"type": "m.id.user", "user": 1},
        {"type": "m.id.user", "user": ["alice"]},
    ],
    ids=repr,
)
async def test_odd_identifier_shapes_are_a_bad_request_never_a_server_error(
    live: LiveServer, identifier: Any
) -> None:
    body = {"type": PASSWORD_TYPE, "identifier": identifier, "password": PASSWORD}

    response = await password_login(live, body)

    assert response.status_code == 400, response.text
    assert response.json()["errcode"].startswith("M_")


@pytest.mark.parametrize("user", ["ali\u0000ce", "@ali\u0000ce:test.local"], ids=repr)
async def test_nul_character_in_the_user_is_refused_not_a_server_error(
    live: LiveServer, user: str
) -> None:
    response = await password_login(live, by_identifier(user))

    assert response.status_code in (400, 403), response.text
    assert response.json()["errcode"] in ("M_INVALID_PARAM", "M_FORBIDDEN")


# --- JWT logins from clients that also send an identifier ------------------------------------


async def test_mautrix_style_jwt_login_with_an_identifier_still_works(server: LiveServer) -> None:
    """mautrix-python always sends ``identifier``, even for JWT: the JWT decides who logs in."""
    response = await server.login(
        seed_jwt({"sub": "alice"}),
        identifier={"type": "m.id.user", "user": "bob"},
        initial_device_display_name="mautrix bridge",
    )

    assert response.status_code == 200, response.text
    assert response.json()["user_id"] == ALICE


async def test_jwt_login_with_an_identifier_works_when_passwords_are_on(live: LiveServer) -> None:
    response = await live.login(
        seed_jwt({"sub": "carol"}), identifier={"type": "m.id.user", "user": "carol"}
    )

    assert response.status_code == 200, response.text
    assert response.json()["user_id"] == user_id("carol")
