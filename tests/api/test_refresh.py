"""Refresh tokens (spec v1.3): ``refresh_token: true`` at login, ``POST /refresh``, lifetimes.

Lifetimes follow Synapse's keys and defaults: refreshable access tokens live
5 minutes, everything else lives forever unless configured. Expiry is tested
with a clock the test moves, never by sleeping.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import text

from tessera.config import SessionConfig
from tests.api.support import (
    CLIENT_PREFIXES,
    LOGOUT,
    LOGOUT_ALL,
    REFRESH,
    ManualClock,
    assert_error,
    bearer,
    seed_jwt,
    whoami,
)
from tests.conftest import LiveServer, StartServer

FIVE_MINUTES_MS = 5 * 60 * 1000


async def login_refreshable(server: LiveServer, localpart: str = "alice") -> dict[str, Any]:
    response = await server.login(seed_jwt({"sub": localpart}), refresh_token=True)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def refresh(server: LiveServer, refresh_token: str) -> httpx.Response:
    return await server.client.post(REFRESH, json={"refresh_token": refresh_token})


async def refreshed(server: LiveServer, refresh_token: str) -> dict[str, Any]:
    response = await refresh(server, refresh_token)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def assert_soft_logged_out(response: httpx.Response) -> None:
    body = assert_error(response, 401, "M_UNKNOWN_TOKEN")
    assert body["soft_logout"] is True, body


def assert_unknown_refresh_token(response: httpx.Response) -> None:
    assert_error(response, 401, "M_UNKNOWN_TOKEN")


# --- login -----------------------------------------------------------------------------------


async def test_refresh_token_true_returns_a_refresh_token_and_five_minute_expiry(
    server: LiveServer,
) -> None:
    body = await login_refreshable(server)

    assert isinstance(body["refresh_token"], str)
    assert body["refresh_token"] not in ("", body["access_token"])
    assert body["expires_in_ms"] == FIVE_MINUTES_MS
    assert (await whoami(server, body["access_token"])).status_code == 200


@pytest.mark.parametrize("fields", [{}, {"refresh_token": False}], ids=["absent", "false"])
async def test_login_without_refresh_token_has_no_expiry(
    server: LiveServer, fields: dict[str, Any]
) -> None:
    response = await server.login(seed_jwt({"sub": "alice"}), **fields)

    assert response.status_code == 200, response.text
    assert "expires_in_ms" not in response.json()
    assert "refresh_token" not in response.json()


async def test_access_token_without_refresh_never_expires_by_default(
    start_server: StartServer,
) -> None:
    clock = ManualClock()
    async with start_server(clock=clock) as live:
        access_token = await live.access_token(seed_jwt({"sub": "alice"}))
        clock.advance(10 * 365 * 24 * 3600)

        assert (await whoami(live, access_token)).status_code == 200


@pytest.mark.parametrize("value", ["true", 1, 0, None, [], {}], ids=repr)
async def test_non_boolean_refresh_token_is_refused(server: LiveServer, value: Any) -> None:
    response = await server.login(seed_jwt({"sub": "alice"}), refresh_token=value)

    assert_error(response, 400, "M_UNKNOWN", "`refresh_token` should be true or false.")


async def test_refresh_tokens_are_stored_only_as_hashes(server: LiveServer) -> None:
    login = await login_refreshable(server)
    second = await refreshed(server, login["refresh_token"])

    async with server.database.connection() as conn:
        rows = (await conn.execute(text("SELECT * FROM refresh_tokens"))).all()

    assert len(rows) == 2
    stored = [
        value if isinstance(value, str) else bytes(value).decode("latin-1")
        for row in rows
        for value in row
        if isinstance(value, str | bytes | memoryview)
    ]
    for refresh_token in (login["refresh_token"], second["refresh_token"]):
        tail = refresh_token[-20:]  # random in any token format
        assert not any(tail in value for value in stored)


# --- POST /refresh ---------------------------------------------------------------------------


@pytest.mark.parametrize("prefix", CLIENT_PREFIXES)
async def test_refresh_rotates_both_tokens_for_the_same_device(
    server: LiveServer, prefix: str
) -> None:
    login = await login_refreshable(server)

    response = await server.client.post(
        f"{prefix}/refresh", json={"refresh_token": login["refresh_token"]}
    )

    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"access_token", "refresh_token", "expires_in_ms"}
    assert body["access_token"] != login["access_token"]
    assert body["refresh_token"] != login["refresh_token"]
    assert body["expires_in_ms"] == FIVE_MINUTES_MS
    me = (await whoami(server, body["access_token"])).json()
    assert me == {
        "user_id": "@alice:test.local",
        "device_id": login["device_id"],
        "is_guest": False,
    }


async def test_refresh_needs_no_access_token_and_ignores_a_dead_one(server: LiveServer) -> None:
    login = await login_refreshable(server)

    response = await server.client.post(
        REFRESH,
        headers=bearer("not-a-token"),
        json={"refresh_token": login["refresh_token"]},
    )

    assert response.status_code == 200, response.text


async def test_old_refresh_token_works_again_until_the_new_access_token_is_used(
    server: LiveServer,
) -> None:
    """A client that lost the first answer may retry with the same refresh token."""
    login = await login_refreshable(server)
    await refreshed(server, login["refresh_token"])

    retry = await refreshed(server, login["refresh_token"])
    assert (await whoami(server, retry["access_token"])).status_code == 200

    assert_unknown_refresh_token(await refresh(server, login["refresh_token"]))


async def test_old_refresh_token_dies_once_the_new_refresh_token_is_refreshed(
    server: LiveServer,
) -> None:
    login = await login_refreshable(server)
    second = await refreshed(server, login["refresh_token"])

    third = await refreshed(server, second["refresh_token"])

    assert_unknown_refresh_token(await refresh(server, login["refresh_token"]))
    assert (await whoami(server, third["access_token"])).status_code == 200


async def test_pair_replaced_by_a_retry_is_dead(server: LiveServer) -> None:
    """Synapse's chain: login → first (replaced by the retry) → refreshing first fails."""
    login = await login_refreshable(server)
    first = await refreshed(server, login["refresh_token"])
    retry = await refreshed(server, login["refresh_token"])

    assert_unknown_refresh_token(await refresh(server, first["refresh_token"]))
    assert_error(await whoami(server, first["access_token"]), 401, "M_UNKNOWN_TOKEN")
    assert (await whoami(server, retry["access_token"])).status_code == 200


async def test_refreshed_chain_keeps_working(server: LiveServer) -> None:
    tokens = await login_refreshable(server)
    for _ in range(5):
        tokens = await refreshed(server, tokens["refresh_token"])
        assert (await whoami(server, tokens["access_token"])).status_code == 200


@pytest.mark.parametrize("token", ["", "unknown", "syr_AAAAAAAAAAAAAAAAAAAA_000000"])
async def test_unknown_refresh_token_is_unknown_token(server: LiveServer, token: str) -> None:
    assert_unknown_refresh_token(await refresh(server, token))


async def test_access_token_is_not_a_refresh_token(server: LiveServer) -> None:
    login = await login_refreshable(server)

    assert_unknown_refresh_token(await refresh(server, login["access_token"]))


async def test_refresh_without_the_field_is_a_missing_param(server: LiveServer) -> None:
    response = await server.client.post(REFRESH, json={})

    assert_error(response, 400, "M_MISSING_PARAM")


@pytest.mark.parametrize("value", [None, 1, ["x"], {"x": 1}, True], ids=repr)
async def test_non_string_refresh_token_is_an_invalid_param(server: LiveServer, value: Any) -> None:
    response = await server.client.post(REFRESH, json={"refresh_token": value})

    assert_error(response, 400, "M_INVALID_PARAM", "Invalid param: refresh_token")


@pytest.mark.parametrize("path", [LOGOUT, LOGOUT_ALL])
async def test_refresh_after_logout_is_unknown_token(server: LiveServer, path: str) -> None:
    login = await login_refreshable(server)
    await server.client.post(path, headers=bearer(login["access_token"]))

    assert_unknown_refresh_token(await refresh(server, login["refresh_token"]))


async def test_refresh_after_logout_of_a_refreshed_session_is_unknown_token(
    server: LiveServer,
) -> None:
    login = await login_refreshable(server)
    second = await refreshed(server, login["refresh_token"])
    await server.client.post(LOGOUT, headers=bearer(second["access_token"]))

    assert_unknown_refresh_token(await refresh(server, second["refresh_token"]))
    assert_unknown_refresh_token(await refresh(server, login["refresh_token"]))


# --- expiry (pinned clock) -------------------------------------------------------------------


async def test_access_token_works_until_it_expires(start_server: StartServer) -> None:
    clock = ManualClock()
    async with start_server(clock=clock) as live:
        login = await login_refreshable(live)
        clock.advance(FIVE_MINUTES_MS / 1000 - 1)

        assert (await whoami(live, login["access_token"])).status_code == 200


async def test_expired_access_token_is_soft_logged_out(start_server: StartServer) -> None:
    clock = ManualClock()
    async with start_server(clock=clock) as live:
        login = await login_refreshable(live)
        # Used once first, so the token also sits in the lookup cache.
        assert (await whoami(live, login["access_token"])).status_code == 200
        clock.advance(FIVE_MINUTES_MS / 1000 + 1)

        response = await whoami(live, login["access_token"])

    assert_soft_logged_out(response)


async def test_refresh_after_expiry_revives_the_session_on_the_same_device(
    start_server: StartServer,
) -> None:
    clock = ManualClock()
    async with start_server(clock=clock) as live:
        login = await login_refreshable(live)
        clock.advance(3600)
        assert_soft_logged_out(await whoami(live, login["access_token"]))

        body = await refreshed(live, login["refresh_token"])

        me = await whoami(live, body["access_token"])
    assert me.status_code == 200, me.text
    assert me.json()["device_id"] == login["device_id"]


async def test_refreshable_access_token_lifetime_is_honoured(start_server: StartServer) -> None:
    clock = ManualClock()
    sessions = SessionConfig(refreshable_access_token_lifetime=60_000)
    async with start_server(clock=clock, sessions=sessions) as live:
        login = await login_refreshable(live)
        assert login["expires_in_ms"] == 60_000
        assert (await refreshed(live, login["refresh_token"]))["expires_in_ms"] == 60_000
        clock.advance(61)

        assert_soft_logged_out(await whoami(live, login["access_token"]))


async def test_nonrefreshable_access_token_lifetime_applies_without_refresh_token(
    start_server: StartServer,
) -> None:
    clock = ManualClock()
    sessions = SessionConfig(nonrefreshable_access_token_lifetime=3_600_000)
    async with start_server(clock=clock, sessions=sessions) as live:
        response = await live.login(seed_jwt({"sub": "alice"}))
        body = response.json()
        assert body["expires_in_ms"] == 3_600_000
        assert "refresh_token" not in body
        clock.advance(3599)
        assert (await whoami(live, body["access_token"])).status_code == 200
        clock.advance(2)

        assert_soft_logged_out(await whoami(live, body["access_token"]))


async def test_nonrefreshable_lifetime_does_not_shorten_refreshable_tokens(
    start_server: StartServer,
) -> None:
    sessions = SessionConfig(nonrefreshable_access_token_lifetime=3_600_000)
    async with start_server(sessions=sessions) as live:
        login = await login_refreshable(live)

    assert login["expires_in_ms"] == FIVE_MINUTES_MS


async def test_session_lifetime_ends_a_login_without_refresh_token(
    start_server: StartServer,
) -> None:
    clock = ManualClock()
    sessions = SessionConfig(session_lifetime=24 * 3600 * 1000)
    async with start_server(clock=clock, sessions=sessions) as live:
        body = (await live.login(seed_jwt({"sub": "alice"}))).json()
        assert body["expires_in_ms"] == 24 * 3600 * 1000
        clock.advance(24 * 3600 + 1)

        assert_soft_logged_out(await whoami(live, body["access_token"]))


async def test_session_lifetime_caps_refreshed_tokens_then_refusal(
    start_server: StartServer,
) -> None:
    clock = ManualClock()
    sessions = SessionConfig(session_lifetime=400_000)
    async with start_server(clock=clock, sessions=sessions) as live:
        login = await login_refreshable(live)
        assert login["expires_in_ms"] == FIVE_MINUTES_MS
        clock.advance(200)
        second = await refreshed(live, login["refresh_token"])
        # Only 200 s of the session are left: the new token may not outlive it.
        assert second["expires_in_ms"] == 200_000
        clock.advance(201)

        response = await refresh(live, second["refresh_token"])
        access = await whoami(live, second["access_token"])

    assert_error(response, 403, "M_FORBIDDEN")
    assert_soft_logged_out(access)


async def test_refresh_token_lifetime_expires_an_unused_refresh_token(
    start_server: StartServer,
) -> None:
    clock = ManualClock()
    sessions = SessionConfig(refresh_token_lifetime=600_000)
    async with start_server(clock=clock, sessions=sessions) as live:
        login = await login_refreshable(live)
        clock.advance(599)
        second = await refreshed(live, login["refresh_token"])
        clock.advance(601)

        response = await refresh(live, second["refresh_token"])

    assert_error(response, 403, "M_FORBIDDEN", "The supplied refresh token has expired")
