"""``/.well-known/matrix/client``, the login response's ``well_known`` and ``/capabilities``."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tessera.config import PasswordConfig
from tests.api.support import (
    CAPABILITIES,
    CLIENT_PREFIXES,
    assert_error,
    bearer,
    seed_jwt,
)
from tests.conftest import LiveServer, StartServer

WELL_KNOWN = "/.well-known/matrix/client"
BASE_URL = "https://matrix.test.local/"
DISCOVERY = {"m.homeserver": {"base_url": BASE_URL}}


@pytest.fixture
async def public(start_server: StartServer) -> AsyncIterator[LiveServer]:
    """A server that knows its ``public_baseurl``."""
    async with start_server(public_baseurl=BASE_URL) as live:
        yield live


# --- .well-known -----------------------------------------------------------------------------


async def test_well_known_is_not_found_without_public_baseurl(server: LiveServer) -> None:
    response = await server.client.get(WELL_KNOWN)

    assert_error(response, 404, "M_NOT_FOUND")


async def test_well_known_names_the_public_baseurl(public: LiveServer) -> None:
    response = await public.client.get(WELL_KNOWN)

    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    assert response.json() == DISCOVERY


async def test_well_known_is_readable_from_web_clients(public: LiveServer) -> None:
    """Spec: servers should answer well-known with CORS headers so web clients can read it."""
    response = await public.client.get(WELL_KNOWN, headers={"Origin": "https://app.example"})

    assert response.status_code == 200, response.text
    assert response.headers["access-control-allow-origin"] == "*"


# --- login response --------------------------------------------------------------------------


async def test_login_response_carries_well_known_when_public_baseurl_is_set(
    public: LiveServer,
) -> None:
    response = await public.login(seed_jwt({"sub": "alice"}))

    assert response.status_code == 200, response.text
    assert response.json()["well_known"] == DISCOVERY


async def test_login_response_has_no_well_known_without_public_baseurl(server: LiveServer) -> None:
    response = await server.login(seed_jwt({"sub": "alice"}))

    assert response.status_code == 200, response.text
    assert "well_known" not in response.json()


# --- capabilities ----------------------------------------------------------------------------


@pytest.mark.parametrize("prefix", CLIENT_PREFIXES)
async def test_capabilities_describe_what_a_jwt_user_may_change(
    server: LiveServer, prefix: str
) -> None:
    access_token = await server.access_token(seed_jwt({"sub": "alice"}))

    response = await server.client.get(f"{prefix}/capabilities", headers=bearer(access_token))

    assert response.status_code == 200, response.text
    capabilities = response.json()["capabilities"]
    assert capabilities["m.change_password"] == {"enabled": False}
    assert capabilities["m.set_displayname"] == {"enabled": True}
    assert capabilities["m.set_avatar_url"] == {"enabled": True}


async def test_change_password_stays_off_with_password_login_on(
    start_server: StartServer,
) -> None:
    """There is no password-change endpoint, so advertising one would mislead clients."""
    async with start_server(password=PasswordConfig(enabled=True), bcrypt_rounds=4) as live:
        access_token = await live.access_token(seed_jwt({"sub": "alice"}))

        response = await live.client.get(CAPABILITIES, headers=bearer(access_token))

    assert response.json()["capabilities"]["m.change_password"] == {"enabled": False}


async def test_capabilities_need_an_access_token(server: LiveServer) -> None:
    assert_error(await server.client.get(CAPABILITIES), 401, "M_MISSING_TOKEN")


async def test_capabilities_refuse_an_unknown_token(server: LiveServer) -> None:
    response = await server.client.get(CAPABILITIES, headers=bearer("not-a-token"))

    assert_error(response, 401, "M_UNKNOWN_TOKEN")
