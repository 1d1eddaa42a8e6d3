"""Admin API input that once came back as a 500 (found while fuzzing).

PostgreSQL text holds no NUL and both engines take 64-bit integers at most: each such case
must be a 400 Matrix error on both engines, and must change nothing. bcrypt 5 raises on a
password past 72 bytes: setting one must work as it did with older bcrypt.
"""

from __future__ import annotations

import pytest

from tessera.config import PasswordConfig
from tests.api.support import LOGIN, PASSWORD_TYPE, assert_error, bearer, seed_jwt, user_id
from tests.conftest import LiveServer, StartServer

USERS = "/_synapse/admin/v2/users"


async def _admin_headers(server: LiveServer) -> dict[str, str]:
    token = await server.access_token(seed_jwt({"sub": "root"}))
    async with server.database.write() as txn:
        await txn.users.set_admin(user_id("root"), True)
    return bearer(token)


@pytest.mark.parametrize(
    "query",
    [
        "from=99999999999999999999999",
        "from=9223372036854775808",
        "limit=-9223372036854775809",
    ],
)
async def test_an_integer_past_64_bits_is_invalid_param(server: LiveServer, query: str) -> None:
    headers = await _admin_headers(server)
    response = await server.client.get(f"{USERS}?{query}", headers=headers)
    assert_error(response, 400, "M_INVALID_PARAM")


async def test_the_largest_64_bit_offset_is_an_empty_page(server: LiveServer) -> None:
    headers = await _admin_headers(server)
    response = await server.client.get(f"{USERS}?from=9223372036854775807", headers=headers)
    assert response.status_code == 200, response.text
    assert response.json()["users"] == []


@pytest.mark.parametrize("parameter", ["name", "user_id"])
async def test_a_nul_in_the_name_filter_is_invalid_param(
    server: LiveServer, parameter: str
) -> None:
    headers = await _admin_headers(server)
    response = await server.client.get(USERS, params={parameter: "ro\x00ot"}, headers=headers)
    assert_error(response, 400, "M_INVALID_PARAM")


@pytest.mark.parametrize("field", ["displayname", "avatar_url"])
async def test_a_nul_in_a_profile_field_is_invalid_param_and_changes_nothing(
    server: LiveServer, field: str
) -> None:
    headers = await _admin_headers(server)
    alice = user_id("alice")
    await server.access_token(seed_jwt({"sub": "alice"}))
    response = await server.client.put(
        f"{USERS}/{alice}", json={field: "a\x00b", "admin": True}, headers=headers
    )
    assert_error(response, 400, "M_INVALID_PARAM")
    after = (await server.client.get(f"{USERS}/{alice}", headers=headers)).json()
    assert after["admin"] is False
    assert after["displayname"] == "alice"
    assert after["avatar_url"] is None


async def test_a_nul_in_a_new_users_displayname_creates_no_user(server: LiveServer) -> None:
    headers = await _admin_headers(server)
    bob = user_id("bob")
    response = await server.client.put(
        f"{USERS}/{bob}", json={"displayname": "\x00"}, headers=headers
    )
    assert_error(response, 400, "M_INVALID_PARAM")
    assert_error(await server.client.get(f"{USERS}/{bob}", headers=headers), 404, "M_NOT_FOUND")


async def test_a_password_past_72_bytes_can_be_set_and_logged_in_with(
    start_server: StartServer,
) -> None:
    async with start_server(password=PasswordConfig(enabled=True), bcrypt_rounds=4) as server:
        headers = await _admin_headers(server)
        password = "correct horse battery staple " * 4  # 116 bytes
        response = await server.client.put(
            f"{USERS}/{user_id('carol')}", json={"password": password}, headers=headers
        )
        assert response.status_code == 201, response.text
        body = {"type": PASSWORD_TYPE, "user": "carol", "password": password}
        login = await server.client.post(LOGIN, json=body)
        assert login.status_code == 200, login.text
        assert login.json()["user_id"] == user_id("carol")
