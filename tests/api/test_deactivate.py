"""``POST /account/deactivate``: UIA first, then every session ends and logins are refused."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tessera.config import PasswordConfig
from tests.api.support import (
    CLIENT_PREFIXES,
    DEACTIVATE,
    JWT_TYPE,
    LOGIN,
    PASSWORD_TYPE,
    REFRESH,
    assert_auth_required,
    assert_error,
    bearer,
    count_rows,
    jwt_auth,
    password_auth,
    seed_jwt,
    set_password,
    whoami,
)
from tests.conftest import LiveServer, StartServer

DEACTIVATED = "This account has been deactivated"


async def deactivate(
    server: LiveServer, access_token: str, auth: dict[str, Any] | None = None, **fields: Any
) -> httpx.Response:
    body = {**fields, **({} if auth is None else {"auth": auth})}
    return await server.client.post(DEACTIVATE, headers=bearer(access_token), json=body)


async def deactivated_with_jwt(server: LiveServer, access_token: str, localpart: str) -> None:
    response = await deactivate(server, access_token, jwt_auth(localpart))
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("prefix", CLIENT_PREFIXES)
async def test_deactivate_first_answers_401_with_the_jwt_flow(
    server: LiveServer, prefix: str
) -> None:
    access_token = await server.access_token(seed_jwt({"sub": "alice"}))

    response = await server.client.post(
        f"{prefix}/account/deactivate", headers=bearer(access_token), json={}
    )

    assert_auth_required(response)
    assert (await whoami(server, access_token)).status_code == 200


@pytest.mark.parametrize("prefix", CLIENT_PREFIXES)
async def test_deactivate_with_a_fresh_jwt_reports_the_unbind_result(
    server: LiveServer, prefix: str
) -> None:
    access_token = await server.access_token(seed_jwt({"sub": "alice"}))
    path = f"{prefix}/account/deactivate"
    session = assert_auth_required(
        await server.client.post(path, headers=bearer(access_token), json={})
    )

    response = await server.client.post(
        path, headers=bearer(access_token), json={"auth": jwt_auth("alice", session)}
    )

    assert response.status_code == 200, response.text
    assert response.json() == {"id_server_unbind_result": "success"}


async def test_deactivation_kills_every_token_of_the_user(server: LiveServer) -> None:
    tokens = [await server.access_token(seed_jwt({"sub": "alice"})) for _ in range(3)]

    await deactivated_with_jwt(server, tokens[0], "alice")

    for access_token in tokens:
        assert_error(await whoami(server, access_token), 401, "M_UNKNOWN_TOKEN")


async def test_deactivation_deletes_every_device_and_leaves_other_users_alone(
    server: LiveServer,
) -> None:
    alice = await server.access_token(seed_jwt({"sub": "alice"}))
    await server.access_token(seed_jwt({"sub": "alice"}))
    bob = await server.access_token(seed_jwt({"sub": "bob"}))

    await deactivated_with_jwt(server, alice, "alice")

    assert await count_rows(server, "devices") == 1
    assert (await whoami(server, bob)).json()["user_id"] == "@bob:test.local"


async def test_later_jwt_login_is_user_deactivated(server: LiveServer) -> None:
    access_token = await server.access_token(seed_jwt({"sub": "alice"}))
    await deactivated_with_jwt(server, access_token, "alice")

    response = await server.login(seed_jwt({"sub": "alice"}))

    assert_error(response, 403, "M_USER_DEACTIVATED", DEACTIVATED)
    assert await count_rows(server, "devices") == 0


async def test_refresh_token_of_a_deactivated_user_is_dead(server: LiveServer) -> None:
    login = await server.login(seed_jwt({"sub": "alice"}), refresh_token=True)
    tokens = login.json()
    await deactivated_with_jwt(server, tokens["access_token"], "alice")

    response = await server.client.post(REFRESH, json={"refresh_token": tokens["refresh_token"]})

    assert_error(response, 401, "M_UNKNOWN_TOKEN")


async def test_extra_deactivate_fields_are_accepted(server: LiveServer) -> None:
    access_token = await server.access_token(seed_jwt({"sub": "alice"}))

    response = await deactivate(
        server, access_token, jwt_auth("alice"), erase=True, id_server="id.example.org"
    )

    assert response.status_code == 200, response.text
    assert response.json() == {"id_server_unbind_result": "success"}


async def test_jwt_for_another_user_is_invalid_auth_and_deactivates_nobody(
    server: LiveServer,
) -> None:
    alice = await server.access_token(seed_jwt({"sub": "alice"}))
    bob = await server.access_token(seed_jwt({"sub": "bob"}))

    response = await deactivate(server, alice, jwt_auth("bob"))

    assert_error(response, 403, "M_FORBIDDEN", "Invalid auth")
    assert (await whoami(server, alice)).status_code == 200
    assert (await whoami(server, bob)).status_code == 200


async def test_bad_jwt_answers_401_with_the_error_and_the_flows(server: LiveServer) -> None:
    access_token = await server.access_token(seed_jwt({"sub": "alice"}))
    session = assert_auth_required(await deactivate(server, access_token))

    response = await deactivate(
        server, access_token, {"type": JWT_TYPE, "token": "garbage", "session": session}
    )

    assert response.status_code == 401, response.text
    body = response.json()
    assert body["errcode"] == "M_FORBIDDEN"
    assert body["error"].startswith("JWT validation failed: "), body
    assert body["flows"] == [{"stages": [JWT_TYPE]}]
    assert body["session"] == session
    assert (await whoami(server, access_token)).status_code == 200


async def test_deactivate_needs_an_access_token(server: LiveServer) -> None:
    response = await server.client.post(DEACTIVATE, json={"auth": jwt_auth("alice")})

    assert_error(response, 401, "M_MISSING_TOKEN")


async def test_password_user_deactivates_with_the_password_stage(
    start_server: StartServer,
) -> None:
    async with start_server(password=PasswordConfig(enabled=True), bcrypt_rounds=4) as live:
        access_token = await live.access_token(seed_jwt({"sub": "alice"}))
        await set_password(live, "alice", "correct horse")
        session = assert_auth_required(
            await deactivate(live, access_token), (JWT_TYPE, PASSWORD_TYPE)
        )

        response = await deactivate(
            live, access_token, password_auth("alice", "correct horse", session)
        )
        assert response.status_code == 200, response.text

        password_login = await live.client.post(
            LOGIN,
            json={
                "type": PASSWORD_TYPE,
                "identifier": {"type": "m.id.user", "user": "alice"},
                "password": "correct horse",
            },
        )

    assert_error(password_login, 403, "M_USER_DEACTIVATED", DEACTIVATED)


async def test_erase_clears_the_profile_and_marks_the_user_erased(server: LiveServer) -> None:
    access_token = await server.access_token(seed_jwt({"sub": "alice"}))
    await server.client.put(
        "/_matrix/client/v3/profile/@alice:test.local/avatar_url",
        headers=bearer(access_token),
        json={"avatar_url": "mxc://test.local/a"},
    )

    response = await deactivate(server, access_token, jwt_auth("alice"), erase=True)

    assert response.status_code == 200, response.text
    async with server.database.read() as txn:
        user = await txn.users.get("@alice:test.local")
    assert user is not None
    assert (user.deactivated, user.erased, user.display_name, user.avatar_url) == (
        True,
        True,
        None,
        None,
    )


@pytest.mark.parametrize("erase", ["true", 1, None])
async def test_erase_that_is_not_a_boolean_is_refused_before_anything_happens(
    server: LiveServer, erase: object
) -> None:
    access_token = await server.access_token(seed_jwt({"sub": "alice"}))

    response = await deactivate(server, access_token, jwt_auth("alice"), erase=erase)

    assert_error(response, 400, "M_BAD_JSON", "Param 'erase' must be a boolean, if given")
    assert (await whoami(server, access_token)).status_code == 200
