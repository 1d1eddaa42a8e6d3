"""A user-interactive-auth stage that fails answers as Synapse does: 401, the flows to retry
with, ``errcode: M_FORBIDDEN`` and why; the request it guarded does nothing."""

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tessera.config import LoginTokenConfig, PasswordConfig
from tessera.config.model import LoginRateLimits, RateLimitConfig
from tests.api.support import (
    DEACTIVATE,
    GET_TOKEN,
    JWT_TYPE,
    PASSWORD_TYPE,
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
from tests.conftest import UNLIMITED_LOGINS, LiveServer, StartServer


@pytest.fixture
async def live(start_server: StartServer) -> AsyncIterator[LiveServer]:
    """Password login on (so m.login.password is a known stage) and get_token served."""
    async with start_server(
        password=PasswordConfig(enabled=True),
        login_tokens=LoginTokenConfig(enabled=True),
    ) as server:
        yield server


async def login(server: LiveServer, localpart: str, device_id: str) -> str:
    return await server.access_token(seed_jwt({"sub": localpart}), device_id=device_id)


def assert_stage_failed(response: httpx.Response, session: str) -> str:
    """401 with the whole UIA body plus M_FORBIDDEN; returns the error text."""
    assert response.status_code == 401, response.text
    body: dict[str, Any] = response.json()
    error = body.pop("error")
    assert isinstance(error, str) and error, body
    assert body == {
        "flows": [{"stages": [JWT_TYPE]}],
        "params": {},
        "session": session,
        "completed": [],
        "errcode": "M_FORBIDDEN",
    }
    return error


UNUSABLE_STAGES: list[dict[str, Any]] = [
    # The user has no password: the session does not offer m.login.password.
    password_auth("alice", "anything"),
    {"type": "m.login.dummy"},
    {"type": "m.login.sso"},
    {"type": 7},
    {"type": None},
    # A JWT whose subject cannot be a user: the stage fails, whatever the reason.
    jwt_auth("Not A Valid Localpart"),
]


@pytest.mark.parametrize("auth", UNUSABLE_STAGES, ids=repr)
async def test_an_unusable_stage_keeps_the_device(live: LiveServer, auth: dict[str, Any]) -> None:
    keep = await login(live, "alice", "KEEP")
    old = await login(live, "alice", "OLD")
    path = "/_matrix/client/v3/devices/OLD"
    session = assert_auth_required(
        await live.client.request("DELETE", path, headers=bearer(keep), json={})
    )

    response = await live.client.request(
        "DELETE", path, headers=bearer(keep), json={"auth": {**auth, "session": session}}
    )

    assert_stage_failed(response, session)
    assert (await whoami(live, old)).status_code == 200
    # The session is still good: the right stage completes it.
    done = await live.client.request(
        "DELETE", path, headers=bearer(keep), json={"auth": jwt_auth("alice", session)}
    )
    assert done.status_code == 200, done.text


async def test_a_password_stage_for_a_user_without_one_keeps_the_account(
    live: LiveServer,
) -> None:
    token = await login(live, "alice", "PHONE")
    session = assert_auth_required(
        await live.client.post(DEACTIVATE, headers=bearer(token), json={})
    )

    response = await live.client.post(
        DEACTIVATE,
        headers=bearer(token),
        json={"auth": password_auth("alice", "guess", session)},
    )

    error = assert_stage_failed(response, session)
    assert PASSWORD_TYPE in error
    assert (await whoami(live, token)).status_code == 200
    assert (await live.login(seed_jwt({"sub": "alice"}))).status_code == 200


async def test_an_unusable_stage_issues_no_login_token(live: LiveServer) -> None:
    token = await login(live, "alice", "PHONE")
    session = assert_auth_required(
        await live.client.post(GET_TOKEN, headers=bearer(token), json={})
    )

    response = await live.client.post(
        GET_TOKEN,
        headers=bearer(token),
        json={"auth": {"type": "m.login.dummy", "session": session}},
    )

    assert_stage_failed(response, session)
    assert "login_token" not in response.json()
    assert await count_rows(live, "login_tokens") == 0


async def test_a_rate_limited_password_stage_is_a_429_to_wait_for_not_a_stage_failure(
    start_server: StartServer,
) -> None:
    """Retrying at once cannot succeed: the client is told how long to wait."""
    guesses = RateLimitConfig(per_second=0.01, burst_count=1)
    limits = LoginRateLimits(UNLIMITED_LOGINS.address, UNLIMITED_LOGINS.account, guesses)
    async with start_server(password=PasswordConfig(enabled=True), rc_login=limits) as live:
        keep = await login(live, "alice", "KEEP")
        old = await login(live, "alice", "OLD")
        await set_password(live, "alice", "correct horse")
        path = "/_matrix/client/v3/devices/OLD"
        session = assert_auth_required(
            await live.client.request("DELETE", path, headers=bearer(keep), json={}),
            (JWT_TYPE, PASSWORD_TYPE),
        )

        async def attempt() -> httpx.Response:
            auth = password_auth("alice", "wrong", session)
            return await live.client.request(
                "DELETE", path, headers=bearer(keep), json={"auth": auth}
            )

        first, second = await attempt(), await attempt()

        assert (first.status_code, first.json()["errcode"]) == (401, "M_FORBIDDEN")
        body = assert_error(second, 429, "M_LIMIT_EXCEEDED")
        assert body["retry_after_ms"] > 0
        assert (await whoami(live, old)).status_code == 200
