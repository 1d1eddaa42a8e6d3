"""Races over real HTTP, on both engines: nothing issued is lost, nothing ended comes back.

(50 concurrent first logins of one new user are in ``test_login_jwt.py``.)

- Concurrent logins with one ``device_id``: one device row, and every token
  answered with a 200 works. Synapse keeps a device's older tokens when it
  logs in again with the same ``device_id`` (element-hq/synapse#6616; the
  spec says the server *may* invalidate them), and so does Tessera.
- Concurrent refreshes of one refresh token: each is a retry of the last
  (see ``services/sessions.py``), so exactly one pair survives: its access
  token works and its refresh token refreshes; every other pair answered is
  401 ``M_UNKNOWN_TOKEN``.
- Logout racing requests with the same token, or a refresh of its session:
  no 5xx at any time, and once the logout has answered the token, its
  refresh token and its device are gone for good.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from tests.api.support import (
    LOGOUT,
    LOGOUT_ALL,
    REFRESH,
    assert_error,
    bearer,
    count_rows,
    seed_jwt,
    user_id,
    whoami,
)
from tests.conftest import LiveServer

RACERS = 20


def assert_no_server_error(responses: list[httpx.Response]) -> None:
    errors = [(r.status_code, r.text) for r in responses if r.status_code >= 500]
    assert errors == [], errors


def assert_ok_or_unknown_token(response: httpx.Response) -> None:
    if response.status_code != 200:
        assert_error(response, 401, "M_UNKNOWN_TOKEN")


async def login_refreshable(server: LiveServer, **fields: Any) -> dict[str, Any]:
    response = await server.login(seed_jwt({"sub": "alice"}), refresh_token=True, **fields)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


# --- logins with one device_id -------------------------------------------------------------------


async def test_concurrent_logins_with_one_device_id_make_one_device(server: LiveServer) -> None:
    token = seed_jwt({"sub": "alice"})

    responses = await asyncio.gather(
        *(server.login(token, device_id="SHARED") for _ in range(RACERS))
    )

    assert [r.status_code for r in responses] == [200] * RACERS, [r.text for r in responses]
    assert {r.json()["device_id"] for r in responses} == {"SHARED"}
    assert await count_rows(server, "users") == 1
    assert await count_rows(server, "devices") == 1
    # As Synapse: logging in again on a device keeps its earlier tokens.
    for response in responses:
        me = await whoami(server, response.json()["access_token"])
        assert me.json() == {"user_id": user_id("alice"), "device_id": "SHARED", "is_guest": False}


async def test_concurrent_logins_with_one_device_id_on_an_existing_device(
    server: LiveServer,
) -> None:
    first = await server.access_token(
        seed_jwt({"sub": "alice"}), device_id="SHARED", initial_device_display_name="Laptop"
    )

    responses = await asyncio.gather(
        *(
            server.login(
                seed_jwt({"sub": "alice"}),
                device_id="SHARED",
                initial_device_display_name=f"Racer {n}",
                refresh_token=n % 2 == 0,
            )
            for n in range(RACERS)
        )
    )

    assert [r.status_code for r in responses] == [200] * RACERS, [r.text for r in responses]
    assert await count_rows(server, "devices") == 1
    assert await count_rows(server, "access_tokens") == RACERS + 1
    for access_token in [first, *(r.json()["access_token"] for r in responses)]:
        assert (await whoami(server, access_token)).status_code == 200
    device = await server.client.get("/_matrix/client/v3/devices/SHARED", headers=bearer(first))
    assert device.json()["display_name"] == "Laptop"  # an existing device keeps its name


# --- refresh -------------------------------------------------------------------------------------


async def test_concurrent_refreshes_of_one_token_leave_exactly_one_live_pair(
    server: LiveServer,
) -> None:
    login = await login_refreshable(server)

    responses = await asyncio.gather(
        *(
            server.client.post(REFRESH, json={"refresh_token": login["refresh_token"]})
            for _ in range(RACERS)
        )
    )

    assert_no_server_error(responses)
    for response in responses:
        assert_ok_or_unknown_token(response)
    pairs = [r.json() for r in responses if r.status_code == 200]
    assert pairs
    working = [p for p in pairs if (await whoami(server, p["access_token"])).status_code == 200]
    assert len(working) == 1, f"{len(working)} of {len(pairs)} refreshed pairs work"
    winner = working[0]
    for loser in (p for p in pairs if p is not winner):
        assert_error(await whoami(server, loser["access_token"]), 401, "M_UNKNOWN_TOKEN")
        refused = await server.client.post(REFRESH, json={"refresh_token": loser["refresh_token"]})
        assert_error(refused, 401, "M_UNKNOWN_TOKEN")
    assert_error(await whoami(server, login["access_token"]), 401, "M_UNKNOWN_TOKEN")
    assert await count_rows(server, "access_tokens") == 1
    assert await count_rows(server, "refresh_tokens") == 1
    onward = await server.client.post(REFRESH, json={"refresh_token": winner["refresh_token"]})
    assert onward.status_code == 200, onward.text
    assert (await whoami(server, onward.json()["access_token"])).status_code == 200


# --- logout --------------------------------------------------------------------------------------


async def test_logout_racing_requests_with_its_token(server: LiveServer) -> None:
    access_token = await server.access_token(seed_jwt({"sub": "alice"}))
    requests = [whoami(server, access_token) for _ in range(RACERS)]
    logout = server.client.post(LOGOUT, headers=bearer(access_token))

    *before, logged_out = await asyncio.gather(*requests[: RACERS // 2], logout)
    after = await asyncio.gather(*requests[RACERS // 2 :])

    assert logged_out.status_code == 200, logged_out.text
    assert_no_server_error([*before, *after])
    for response in before:
        assert_ok_or_unknown_token(response)
    for response in after:
        assert_error(response, 401, "M_UNKNOWN_TOKEN")
    assert await count_rows(server, "devices") == 0
    assert await count_rows(server, "access_tokens") == 0


async def test_logouts_racing_each_other(server: LiveServer) -> None:
    access_token = await server.access_token(seed_jwt({"sub": "alice"}))

    responses = await asyncio.gather(
        *(
            server.client.post(LOGOUT if n % 2 else LOGOUT_ALL, headers=bearer(access_token))
            for n in range(RACERS)
        )
    )

    assert_no_server_error(responses)
    for response in responses:
        assert_ok_or_unknown_token(response)
    assert any(r.status_code == 200 for r in responses)
    assert_error(await whoami(server, access_token), 401, "M_UNKNOWN_TOKEN")
    assert await count_rows(server, "devices") == 0


async def test_logout_racing_a_refresh_of_its_session_leaves_nothing_behind(
    server: LiveServer,
) -> None:
    login = await login_refreshable(server)
    refreshes = [
        server.client.post(REFRESH, json={"refresh_token": login["refresh_token"]})
        for _ in range(RACERS)
    ]
    logout = server.client.post(LOGOUT, headers=bearer(login["access_token"]))

    responses = await asyncio.gather(*refreshes[: RACERS // 2], logout, *refreshes[RACERS // 2 :])

    assert_no_server_error(responses)
    logged_out = responses[RACERS // 2]
    assert logged_out.status_code == 200, logged_out.text
    for response in responses:
        assert_ok_or_unknown_token(response)
    # Whatever a refresh answered, the session it belonged to is over.
    for pair in (r.json() for r in responses if r is not logged_out and r.status_code == 200):
        assert_error(await whoami(server, pair["access_token"]), 401, "M_UNKNOWN_TOKEN")
        refused = await server.client.post(REFRESH, json={"refresh_token": pair["refresh_token"]})
        assert_error(refused, 401, "M_UNKNOWN_TOKEN")
    for table in ("devices", "access_tokens", "refresh_tokens"):
        assert await count_rows(server, table) == 0, table
