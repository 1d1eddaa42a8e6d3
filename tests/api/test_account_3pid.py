"""``GET /account/3pid`` and the admin API's ``threepids``: the e-mail from ``email_claim``."""

from typing import Any

import pytest

from tests.api.support import (
    CLIENT_PREFIXES,
    ManualClock,
    admin_headers,
    assert_error,
    bearer,
    jwt_config,
    seed_jwt,
    user_id,
)
from tests.conftest import LiveServer, StartServer

ADDRESS = "ann@corp.example"


async def ann_token(live: LiveServer, **claims: Any) -> str:
    return await live.access_token(seed_jwt({"sub": "ann", "email": "Ann@Corp.Example", **claims}))


@pytest.mark.parametrize("prefix", CLIENT_PREFIXES)
async def test_account_3pid_lists_the_email_from_the_claim(
    start_server: StartServer, prefix: str
) -> None:
    clock = ManualClock()
    async with start_server(clock=clock, jwt=jwt_config(email_claim="email")) as live:
        token = await ann_token(live)

        response = await live.client.get(f"{prefix}/account/3pid", headers=bearer(token))

    assert response.status_code == 200, response.text
    assert response.json() == {
        "threepids": [
            {
                "medium": "email",
                "address": ADDRESS,
                "validated_at": clock.ms(),
                "added_at": clock.ms(),
            }
        ]
    }


async def test_account_3pid_is_empty_without_an_email(server: LiveServer) -> None:
    token = await server.access_token(seed_jwt({"sub": "bob"}))

    response = await server.client.get("/_matrix/client/v3/account/3pid", headers=bearer(token))

    assert response.status_code == 200, response.text
    assert response.json() == {"threepids": []}


async def test_account_3pid_needs_an_access_token(server: LiveServer) -> None:
    response = await server.client.get("/_matrix/client/v3/account/3pid")

    assert_error(response, 401, "M_MISSING_TOKEN")


async def test_the_admin_user_object_lists_threepids_like_synapse(
    start_server: StartServer,
) -> None:
    clock = ManualClock()
    async with start_server(clock=clock, jwt=jwt_config(email_claim="email")) as live:
        await ann_token(live)
        headers = await admin_headers(live)
        path = f"/_synapse/admin/v2/users/{user_id('ann')}"

        fetched = await live.client.get(path, headers=headers)
        modified = await live.client.put(path, headers=headers, json={"displayname": "Ann"})

    expected = [
        {"medium": "email", "address": ADDRESS, "validated_at": clock.ms(), "added_at": clock.ms()}
    ]
    assert fetched.json()["threepids"] == expected
    assert modified.json()["threepids"] == expected


async def test_deactivation_removes_the_threepids(start_server: StartServer) -> None:
    async with start_server(jwt=jwt_config(email_claim="email")) as live:
        await ann_token(live)
        headers = await admin_headers(live)

        await live.client.post(
            f"/_synapse/admin/v1/deactivate/{user_id('ann')}", headers=headers, json={}
        )
        fetched = await live.client.get(
            f"/_synapse/admin/v2/users/{user_id('ann')}", headers=headers
        )

    assert fetched.json()["threepids"] == []
