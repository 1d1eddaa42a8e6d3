"""``m.login.token`` and ``POST /_matrix/client/v1/login/get_token`` (spec v1.7).

A signed-in device asks for a short-lived, single-use token (behind UIA by
default) and another device logs in with it. Off unless
``login_via_existing_session.enabled``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tessera.config import LoginTokenConfig
from tests.api.support import (
    CAPABILITIES,
    GET_TOKEN,
    JWT_TYPE,
    LOGIN,
    TOKEN_TYPE,
    ManualClock,
    assert_auth_required,
    assert_error,
    bearer,
    deactivate,
    jwt_auth,
    seed_jwt,
    whoami,
)
from tests.conftest import LiveServer, StartServer

ENABLED = LoginTokenConfig(enabled=True)
NO_UIA = LoginTokenConfig(enabled=True, require_ui_auth=False)
INVALID = "Invalid login token"


@pytest.fixture
async def live(start_server: StartServer) -> AsyncIterator[LiveServer]:
    """A server that issues login tokens, behind UIA (the default)."""
    async with start_server(login_tokens=ENABLED) as server:
        yield server


async def get_token(
    server: LiveServer, access_token: str, body: dict[str, Any] | None = None
) -> httpx.Response:
    return await server.client.post(GET_TOKEN, headers=bearer(access_token), json=body or {})


async def issued_token(server: LiveServer, localpart: str = "alice") -> str:
    """A login token for ``localpart``, obtained through UIA from a signed-in device."""
    access_token = await server.access_token(seed_jwt({"sub": localpart}))
    response = await get_token(server, access_token, {"auth": jwt_auth(localpart)})
    assert response.status_code == 200, response.text
    return str(response.json()["login_token"])


async def token_login(server: LiveServer, token: Any, **fields: Any) -> httpx.Response:
    return await server.client.post(LOGIN, json={"type": TOKEN_TYPE, "token": token, **fields})


# --- off by default --------------------------------------------------------------------------


async def test_get_token_is_unrecognized_when_disabled(server: LiveServer) -> None:
    access_token = await server.access_token(seed_jwt({"sub": "alice"}))

    response = await get_token(server, access_token, {"auth": jwt_auth("alice")})

    assert_error(response, 404, "M_UNRECOGNIZED")


async def test_login_flows_omit_login_tokens_when_disabled(server: LiveServer) -> None:
    flows = (await server.client.get(LOGIN)).json()["flows"]

    assert TOKEN_TYPE not in [flow["type"] for flow in flows]


async def test_token_login_when_disabled_is_an_unknown_login_type(server: LiveServer) -> None:
    response = await token_login(server, "anything")

    assert_error(response, 400, "M_UNKNOWN", f"Unknown login type {TOKEN_TYPE}")


async def test_capabilities_say_get_login_token_is_off_when_disabled(server: LiveServer) -> None:
    access_token = await server.access_token(seed_jwt({"sub": "alice"}))

    response = await server.client.get(CAPABILITIES, headers=bearer(access_token))

    assert response.json()["capabilities"]["m.get_login_token"] == {"enabled": False}


# --- enabled ---------------------------------------------------------------------------------


async def test_login_flows_list_login_tokens_with_get_login_token(live: LiveServer) -> None:
    response = await live.client.get(LOGIN)

    assert response.status_code == 200, response.text
    flows = response.json()["flows"]
    assert flows[0] == {"type": JWT_TYPE}
    assert {"type": TOKEN_TYPE, "get_login_token": True} in flows


async def test_capabilities_say_get_login_token_is_on(live: LiveServer) -> None:
    access_token = await live.access_token(seed_jwt({"sub": "alice"}))

    response = await live.client.get(CAPABILITIES, headers=bearer(access_token))

    assert response.json()["capabilities"]["m.get_login_token"] == {"enabled": True}


async def test_get_token_asks_for_user_interactive_auth_by_default(live: LiveServer) -> None:
    access_token = await live.access_token(seed_jwt({"sub": "alice"}))

    assert_auth_required(await get_token(live, access_token))


async def test_get_token_after_jwt_reauth_issues_a_five_minute_token(live: LiveServer) -> None:
    access_token = await live.access_token(seed_jwt({"sub": "alice"}))
    session = assert_auth_required(await get_token(live, access_token))

    response = await get_token(live, access_token, {"auth": jwt_auth("alice", session)})

    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"login_token", "expires_in_ms"}
    assert isinstance(body["login_token"], str)
    assert body["login_token"]
    assert body["expires_in_ms"] == 5 * 60 * 1000


async def test_get_token_with_a_jwt_for_another_user_is_invalid_auth(live: LiveServer) -> None:
    access_token = await live.access_token(seed_jwt({"sub": "alice"}))

    response = await get_token(live, access_token, {"auth": jwt_auth("bob")})

    assert_error(response, 403, "M_FORBIDDEN", "Invalid auth")


async def test_get_token_needs_no_uia_when_not_required(start_server: StartServer) -> None:
    async with start_server(login_tokens=NO_UIA) as live:
        access_token = await live.access_token(seed_jwt({"sub": "alice"}))

        response = await get_token(live, access_token)

    assert response.status_code == 200, response.text
    assert isinstance(response.json()["login_token"], str)


async def test_get_token_needs_an_access_token(live: LiveServer) -> None:
    response = await live.client.post(GET_TOKEN, json={"auth": jwt_auth("alice")})

    assert_error(response, 401, "M_MISSING_TOKEN")


async def test_get_token_is_served_under_v1_only(live: LiveServer) -> None:
    access_token = await live.access_token(seed_jwt({"sub": "alice"}))

    response = await live.client.post(
        "/_matrix/client/v3/login/get_token", headers=bearer(access_token), json={}
    )

    assert_error(response, 404, "M_UNRECOGNIZED")


async def test_token_timeout_is_honoured(start_server: StartServer) -> None:
    config = LoginTokenConfig(enabled=True, require_ui_auth=False, token_timeout=60_000)
    async with start_server(login_tokens=config) as live:
        access_token = await live.access_token(seed_jwt({"sub": "alice"}))

        response = await get_token(live, access_token)

    assert response.json()["expires_in_ms"] == 60_000


# --- logging in with the token ---------------------------------------------------------------


async def test_login_token_signs_in_the_same_user_on_a_new_device(live: LiveServer) -> None:
    first = await live.access_token(seed_jwt({"sub": "alice"}), device_id="FIRST")
    issued = await get_token(live, first, {"auth": jwt_auth("alice")})

    response = await token_login(live, issued.json()["login_token"], device_id="SECOND")

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["user_id"] == "@alice:test.local"
    assert body["device_id"] == "SECOND"
    assert (await whoami(live, body["access_token"])).json()["device_id"] == "SECOND"
    assert (await whoami(live, first)).status_code == 200


async def test_login_token_works_only_once(live: LiveServer) -> None:
    token = await issued_token(live)
    assert (await token_login(live, token)).status_code == 200

    response = await token_login(live, token)

    assert_error(response, 403, "M_FORBIDDEN", INVALID)


@pytest.mark.parametrize("token", ["", "never-issued", 1, None, ["x"]], ids=repr)
async def test_unknown_login_token_is_forbidden(live: LiveServer, token: Any) -> None:
    response = await token_login(live, token)

    assert_error(response, 403, "M_FORBIDDEN", INVALID)


async def test_login_token_is_not_an_access_token(live: LiveServer) -> None:
    token = await issued_token(live)

    assert_error(await whoami(live, token), 401, "M_UNKNOWN_TOKEN")
    assert (await token_login(live, token)).status_code == 200


async def test_access_token_is_not_a_login_token(live: LiveServer) -> None:
    access_token = await live.access_token(seed_jwt({"sub": "alice"}))

    assert_error(await token_login(live, access_token), 403, "M_FORBIDDEN", INVALID)


async def test_login_token_works_until_it_expires(start_server: StartServer) -> None:
    clock = ManualClock()
    async with start_server(clock=clock, login_tokens=ENABLED) as live:
        token = await issued_token(live)
        clock.advance(5 * 60 - 1)

        response = await token_login(live, token)

    assert response.status_code == 200, response.text


async def test_expired_login_token_is_forbidden(start_server: StartServer) -> None:
    clock = ManualClock()
    async with start_server(clock=clock, login_tokens=ENABLED) as live:
        token = await issued_token(live)
        clock.advance(5 * 60 + 1)

        response = await token_login(live, token)

    assert_error(response, 403, "M_FORBIDDEN", INVALID)


async def test_token_login_can_ask_for_a_refresh_token(live: LiveServer) -> None:
    token = await issued_token(live)

    response = await token_login(live, token, refresh_token=True)

    assert response.status_code == 200, response.text
    assert isinstance(response.json()["refresh_token"], str)
    assert response.json()["expires_in_ms"] == 5 * 60 * 1000


async def test_token_login_of_a_deactivated_user_is_user_deactivated(live: LiveServer) -> None:
    token = await issued_token(live)
    await deactivate(live, "alice")

    response = await token_login(live, token)

    assert_error(response, 403, "M_USER_DEACTIVATED", "This account has been deactivated")


async def test_token_login_without_a_token_is_refused(live: LiveServer) -> None:
    response = await live.client.post(LOGIN, json={"type": TOKEN_TYPE})

    assert_error(response, 400, "M_UNKNOWN", "Missing JSON keys.")
