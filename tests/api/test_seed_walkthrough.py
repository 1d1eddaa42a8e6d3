"""The seed page's "How to test JWT as a developer", word for word, against Tessera.

The page's ``jwt_config`` (secret ``my-secret-token``, HS256) is the ``server``
fixture's; its step 4 token is used literally.
"""

from __future__ import annotations

import pytest

from tests.api.support import JWT_TYPE, LOGIN_PREFIXES, assert_forbidden, bearer, seed_jwt
from tests.conftest import LiveServer

#: Step 4's literal token: ``{"typ": "JWT", "alg": "HS256"}`` / ``{"sub": "test-user"}``.
SEED_TOKEN = (
    "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9"
    ".eyJzdWIiOiJ0ZXN0LXVzZXIifQ"
    ".Ag71GT8v01UO3w80aqRPTeuVPBIBZkYhNTJJ-_-zQIc"
)
#: Step 4's request body, byte for byte as the page's ``curl --data`` sends it.
STEP_4_BODY = '{"type":"org.matrix.login.jwt","token":"' + SEED_TOKEN + '"}'
#: Step 2's sample token: its payload carries ``"aud": ["audience"]``.
STEP_2_PAYLOAD = {"sub": "user1", "aud": ["audience"]}


@pytest.mark.parametrize("prefix", LOGIN_PREFIXES)
async def test_step_3_login_types_include_jwt_first(server: LiveServer, prefix: str) -> None:
    response = await server.client.get(f"{prefix}/login")

    assert response.status_code == 200, response.text
    assert response.json()["flows"][0] == {"type": JWT_TYPE}


@pytest.mark.parametrize("prefix", LOGIN_PREFIXES)
async def test_step_4_literal_token_logs_in_as_test_user(server: LiveServer, prefix: str) -> None:
    response = await server.client.post(
        f"{prefix}/login",
        content=STEP_4_BODY,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["user_id"] == "@test-user:test.local"
    assert body["home_server"] == "test.local"
    assert body["device_id"]
    assert body["access_token"]


@pytest.mark.parametrize("prefix", LOGIN_PREFIXES)
async def test_returned_access_token_queries_the_client_api(
    server: LiveServer, prefix: str
) -> None:
    login = await server.client.post(f"{prefix}/login", content=STEP_4_BODY)
    access_token = login.json()["access_token"]

    response = await server.client.get(
        "/_matrix/client/v3/account/whoami", headers=bearer(access_token)
    )

    assert response.status_code == 200, response.text
    assert response.json() == {
        "user_id": "@test-user:test.local",
        "device_id": login.json()["device_id"],
        "is_guest": False,
    }


async def test_literal_token_logs_in_the_same_user_every_time(server: LiveServer) -> None:
    first = await server.login(SEED_TOKEN)
    second = await server.login(SEED_TOKEN)

    assert first.json()["user_id"] == second.json()["user_id"] == "@test-user:test.local"


async def test_step_2_sample_token_is_refused_for_its_audience(server: LiveServer) -> None:
    """The page's own rule: an ``aud`` with no ``audiences`` configured fails."""
    response = await server.login(seed_jwt(STEP_2_PAYLOAD))

    assert_forbidden(response, "JWT validation failed: invalid_claim: Invalid claim 'aud'")
