"""``/account/whoami``, ``/logout``, ``/logout/all`` and how access tokens are kept."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from sqlalchemy import text

from tessera.services.auth import DEFAULT_CACHE_TTL
from tests.api.support import (
    CLIENT_PREFIXES,
    DEVICES,
    LOGOUT,
    LOGOUT_ALL,
    WHOAMI,
    assert_error,
    bearer,
    count_rows,
    deactivate,
    seed_jwt,
    whoami,
)
from tests.conftest import LiveServer, StartServer

ALICE = {"sub": "alice"}
BOB = {"sub": "bob"}


def assert_unknown_token(response: httpx.Response) -> None:
    body = assert_error(response, 401, "M_UNKNOWN_TOKEN", "Invalid access token passed.")
    assert body["soft_logout"] is False


# --- whoami ----------------------------------------------------------------------------------


@pytest.mark.parametrize("prefix", CLIENT_PREFIXES)
async def test_whoami_names_the_user_and_device_of_the_token(
    server: LiveServer, prefix: str
) -> None:
    access_token = await server.access_token(seed_jwt(ALICE), device_id="PHONE")

    response = await server.client.get(f"{prefix}/account/whoami", headers=bearer(access_token))

    assert response.status_code == 200, response.text
    assert response.json() == {
        "user_id": "@alice:test.local",
        "device_id": "PHONE",
        "is_guest": False,
    }


async def test_access_token_query_parameter_is_accepted(server: LiveServer) -> None:
    access_token = await server.access_token(seed_jwt(ALICE))

    response = await server.client.get(WHOAMI, params={"access_token": access_token})

    assert response.status_code == 200, response.text
    assert response.json()["user_id"] == "@alice:test.local"


@pytest.mark.parametrize("scheme", ["Bearer", "bearer", "BEARER"])
async def test_bearer_scheme_is_case_insensitive(server: LiveServer, scheme: str) -> None:
    access_token = await server.access_token(seed_jwt(ALICE))

    response = await server.client.get(
        WHOAMI, headers={"Authorization": f"{scheme} {access_token}"}
    )

    assert response.status_code == 200, response.text


async def test_whoami_tells_two_users_apart(server: LiveServer) -> None:
    alice = await server.access_token(seed_jwt(ALICE))
    bob = await server.access_token(seed_jwt(BOB))

    assert (await whoami(server, alice)).json()["user_id"] == "@alice:test.local"
    assert (await whoami(server, bob)).json()["user_id"] == "@bob:test.local"


async def test_token_of_a_deactivated_user_stops_working(server: LiveServer) -> None:
    access_token = await server.access_token(seed_jwt(ALICE))
    await deactivate(server, "alice")

    assert_unknown_token(await whoami(server, access_token))


async def test_token_in_use_stops_working_within_the_cache_ttl_of_deactivation(
    server: LiveServer,
) -> None:
    """A deactivation made behind the server's back (here: straight in the database)."""
    access_token = await server.access_token(seed_jwt(ALICE))
    assert (await whoami(server, access_token)).status_code == 200
    await deactivate(server, "alice")

    await asyncio.sleep(DEFAULT_CACHE_TTL + 0.2)

    assert_unknown_token(await whoami(server, access_token))


async def test_a_short_access_token_cache_ttl_notices_a_change_behind_the_servers_back(
    start_server: StartServer,
) -> None:
    """``access_token_cache_ttl`` reaches the cache: at 1 ms, the next lookup reads again.

    With the default (1 s) the whoami right after the deactivation would still be
    answered from the cache, with a 200.
    """
    async with start_server(access_token_cache_ttl=1) as live:
        access_token = await live.access_token(seed_jwt(ALICE))
        assert (await whoami(live, access_token)).status_code == 200
        await deactivate(live, "alice")
        await asyncio.sleep(0.01)

        assert_unknown_token(await whoami(live, access_token))


# --- logout ----------------------------------------------------------------------------------


@pytest.mark.parametrize("prefix", CLIENT_PREFIXES)
async def test_logout_invalidates_the_token(server: LiveServer, prefix: str) -> None:
    access_token = await server.access_token(seed_jwt(ALICE))

    response = await server.client.post(f"{prefix}/logout", headers=bearer(access_token))

    assert response.status_code == 200, response.text
    assert response.json() == {}
    assert_unknown_token(await whoami(server, access_token))


async def test_logout_deletes_the_device_and_keeps_other_sessions(server: LiveServer) -> None:
    leaving = await server.access_token(seed_jwt(ALICE), device_id="OLD")
    staying = await server.access_token(seed_jwt(ALICE), device_id="KEEP")

    await server.client.post(LOGOUT, headers=bearer(leaving))

    devices = (await server.client.get(DEVICES, headers=bearer(staying))).json()["devices"]
    assert [device["device_id"] for device in devices] == ["KEEP"]
    assert (await whoami(server, staying)).status_code == 200
    assert await count_rows(server, "access_tokens") == 1


async def test_logout_with_the_query_token_works(server: LiveServer) -> None:
    access_token = await server.access_token(seed_jwt(ALICE))

    response = await server.client.post(LOGOUT, params={"access_token": access_token})

    assert response.status_code == 200, response.text
    assert_unknown_token(await whoami(server, access_token))


async def test_logging_out_twice_fails_the_second_time(server: LiveServer) -> None:
    access_token = await server.access_token(seed_jwt(ALICE))
    await server.client.post(LOGOUT, headers=bearer(access_token))

    assert_unknown_token(await server.client.post(LOGOUT, headers=bearer(access_token)))


@pytest.mark.parametrize("path", [LOGOUT, LOGOUT_ALL])
async def test_logout_without_a_token_is_missing_token(server: LiveServer, path: str) -> None:
    assert_error(await server.client.post(path), 401, "M_MISSING_TOKEN", "Missing access token")


# --- logout/all ------------------------------------------------------------------------------


@pytest.mark.parametrize("prefix", CLIENT_PREFIXES)
async def test_logout_all_invalidates_every_token_of_the_user(
    server: LiveServer, prefix: str
) -> None:
    tokens = [await server.access_token(seed_jwt(ALICE)) for _ in range(3)]

    response = await server.client.post(f"{prefix}/logout/all", headers=bearer(tokens[1]))

    assert response.status_code == 200, response.text
    assert response.json() == {}
    for access_token in tokens:
        assert_unknown_token(await whoami(server, access_token))


async def test_logout_all_leaves_other_users_logged_in(server: LiveServer) -> None:
    alice = await server.access_token(seed_jwt(ALICE))
    bob = await server.access_token(seed_jwt(BOB), device_id="BOBS")

    await server.client.post(LOGOUT_ALL, headers=bearer(alice))

    assert (await whoami(server, bob)).json()["user_id"] == "@bob:test.local"
    devices = (await server.client.get(DEVICES, headers=bearer(bob))).json()["devices"]
    assert [device["device_id"] for device in devices] == ["BOBS"]


async def test_logout_all_deletes_every_device_of_the_user(server: LiveServer) -> None:
    alice = await server.access_token(seed_jwt(ALICE))
    await server.access_token(seed_jwt(ALICE))
    await server.access_token(seed_jwt(BOB))

    await server.client.post(LOGOUT_ALL, headers=bearer(alice))

    assert await count_rows(server, "devices") == 1
    assert await count_rows(server, "access_tokens") == 1


async def test_user_can_log_in_again_after_logout_all(server: LiveServer) -> None:
    await server.client.post(LOGOUT_ALL, headers=bearer(await server.access_token(seed_jwt(ALICE))))

    fresh = await server.access_token(seed_jwt(ALICE))

    assert (await whoami(server, fresh)).status_code == 200


# --- how tokens are kept ---------------------------------------------------------------------


async def test_access_tokens_are_stored_only_as_hashes(server: LiveServer) -> None:
    issued = [await server.access_token(seed_jwt({"sub": name})) for name in ("alice", "bob")]

    async with server.database.connection() as conn:
        rows = (await conn.execute(text("SELECT * FROM access_tokens"))).all()

    assert len(rows) == 2
    stored = [
        value if isinstance(value, str) else bytes(value).decode("latin-1")
        for row in rows
        for value in row
        if isinstance(value, str | bytes | memoryview)
    ]
    for access_token in issued:
        tail = access_token[-20:]  # random in any token format
        assert not any(tail in value for value in stored)
        assert not any(access_token.encode().hex() in value.lower() for value in stored)


async def test_access_tokens_are_unique_and_long_enough_for_128_bits(server: LiveServer) -> None:
    tokens = [await server.access_token(seed_jwt(ALICE)) for _ in range(20)]

    assert len(set(tokens)) == 20
    # 128 bits need at least 22 base64 characters (or 32 hex digits).
    assert all(len(access_token) >= 22 for access_token in tokens)
