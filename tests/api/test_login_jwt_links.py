"""Which users a JWT provider reaches: its own (linked) users, not every user (issue 12.1).

The two providers of docs/jwt.md §9, read by the real config loader, over
real HTTP on SQLite and PostgreSQL: ``staff`` (with ``admin_claim``) and
``partner-app`` (``allow_registration: false``). A partner token naming a
staff user must not log in as that user, nor pass its re-authentication.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest

from tessera.config import parse_config
from tests.api.support import (
    DEVICES,
    assert_auth_required,
    assert_forbidden,
    bearer,
    count_rows,
    device_ids,
    hmac_jws,
    seed_jwt,
    user_id,
)
from tests.conftest import SEED_SECRET, SERVER_NAME, LiveServer, StartServer
from tests.support.keys import rsa_pair, sign

STAFF = rsa_pair()
STAFF_ISSUER = "https://sso.corp.example"
PARTNER_SECRET = "partner-app-secret-of-at-least-32-bytes!"
PARTNER_ISSUER = "https://partner.example"
ADMIN_USERS = "/_synapse/admin/v2/users"


def providers(**partner_options: Any) -> dict[str, Any]:
    """``start_server`` overrides for §9's two providers (``partner_options`` join partner-app)."""
    document = {
        "server_name": SERVER_NAME,
        "jwt_providers": [
            {
                "id": "staff",
                "secret": STAFF.public_pem,
                "algorithm": "RS256",
                "issuer": STAFF_ISSUER,
                "admin_claim": {"claim": "roles", "value": "matrix-admin"},
            },
            {
                "id": "partner-app",
                "secret": PARTNER_SECRET,
                "algorithm": "HS256",
                "issuer": PARTNER_ISSUER,
                "allow_registration": False,
                **partner_options,
            },
        ],
    }
    config = parse_config(document, Path("."))
    return {"jwt": config.jwt, "jwt_providers": config.jwt_providers}


def staff_token(claims: dict[str, Any]) -> str:
    return sign({"iss": STAFF_ISSUER, **claims}, STAFF.private_pem, "RS256")


def partner_token(claims: dict[str, Any]) -> str:
    return sign({"iss": PARTNER_ISSUER, **claims}, PARTNER_SECRET)


async def links(live: LiveServer, user: str) -> list[tuple[str, str]]:
    async with live.database.read() as txn:
        return sorted(await txn.external_ids.list_for_user(user))


async def ceo_logs_in_through_staff(live: LiveServer) -> str:
    """The access token of @ceo, a server admin, logged in through ``staff``."""
    response = await live.login(staff_token({"sub": "ceo", "roles": ["matrix-admin"]}))
    assert response.status_code == 200, response.text
    admin = await live.client.get(ADMIN_USERS, headers=bearer(response.json()["access_token"]))
    assert admin.status_code == 200, admin.text
    return str(response.json()["access_token"])


async def delete_device_reauthenticated(
    live: LiveServer, token: str, device: str, jwt: str
) -> httpx.Response:
    """DELETE one of the token's devices, re-authenticating with the JWT stage and ``jwt``."""
    path = f"{DEVICES}/{device}"
    session = assert_auth_required(
        await live.client.request("DELETE", path, headers=bearer(token), json={}),
    )
    auth = {"type": "org.matrix.login.jwt", "token": jwt, "session": session}
    return await live.client.request("DELETE", path, headers=bearer(token), json={"auth": auth})


async def test_a_partner_token_cannot_log_in_as_a_staff_admin(start_server: StartServer) -> None:
    async with start_server(**providers()) as live:
        await ceo_logs_in_through_staff(live)
        devices_before = await count_rows(live, "devices")

        response = await live.login(partner_token({"sub": "ceo"}))

        assert_forbidden(response, "User @ceo:test.local is not linked to JWT provider partner-app")
        assert await count_rows(live, "devices") == devices_before
        assert await count_rows(live, "access_tokens") == devices_before
        assert await links(live, user_id("ceo")) == [("staff", "ceo")]


async def test_a_partner_token_cannot_pass_a_staff_user_s_re_authentication(
    start_server: StartServer,
) -> None:
    async with start_server(**providers()) as live:
        token = await ceo_logs_in_through_staff(live)
        [device] = await device_ids(live, token)

        response = await delete_device_reauthenticated(
            live, token, device, partner_token({"sub": "ceo"})
        )

        assert_forbidden(response, "User @ceo:test.local is not linked to JWT provider partner-app")
        assert await device_ids(live, token) == [device]


async def test_the_staff_provider_still_re_authenticates_its_own_user(
    start_server: StartServer,
) -> None:
    async with start_server(**providers()) as live:
        token = await ceo_logs_in_through_staff(live)
        [device] = await device_ids(live, token)

        response = await delete_device_reauthenticated(
            live, token, device, staff_token({"sub": "ceo"})
        )

        assert response.status_code == 200, response.text
        assert await count_rows(live, "devices") == 0


async def test_a_first_login_links_the_new_user_to_its_provider(start_server: StartServer) -> None:
    async with start_server(**providers()) as live:
        first = await live.login(staff_token({"sub": "ann"}))
        again = await live.login(staff_token({"sub": "ann"}))

        assert first.status_code == 200, first.text
        assert again.json()["user_id"] == user_id("ann")
        assert await links(live, user_id("ann")) == [("staff", "ann")]


async def test_allow_existing_users_claims_the_user_and_records_the_link(
    start_server: StartServer,
) -> None:
    async with start_server(**providers(allow_existing_users=True)) as live:
        await ceo_logs_in_through_staff(live)

        response = await live.login(partner_token({"sub": "ceo"}))

        assert response.status_code == 200, response.text
        assert response.json()["user_id"] == user_id("ceo")
        assert await links(live, user_id("ceo")) == [("partner-app", "ceo"), ("staff", "ceo")]


async def test_a_link_decides_the_user_whatever_the_subject_maps_to(
    start_server: StartServer,
) -> None:
    async with start_server(**providers()) as live:
        await live.login(staff_token({"sub": "ann"}))
        async with live.database.write() as txn:
            assert await txn.external_ids.add("partner-app", "ext-4711", user_id("ann"))

        response = await live.login(partner_token({"sub": "ext-4711"}))

        assert response.status_code == 200, response.text
        assert response.json()["user_id"] == user_id("ann")
        assert await count_rows(live, "users") == 1


async def test_a_provider_reaches_its_user_by_another_case_of_the_subject(
    start_server: StartServer,
) -> None:
    async with start_server(**providers()) as live:
        await live.login(staff_token({"sub": "kermit"}))

        response = await live.login(staff_token({"sub": "Kermit"}))

        assert response.status_code == 200, response.text
        assert response.json()["user_id"] == user_id("kermit")
        assert await links(live, user_id("kermit")) == [("staff", "Kermit"), ("staff", "kermit")]


async def test_a_user_made_by_the_admin_api_is_claimed_by_no_provider(
    start_server: StartServer,
) -> None:
    async with start_server(**providers()) as live:
        headers = bearer(await ceo_logs_in_through_staff(live))
        made = await live.client.put(f"{ADMIN_USERS}/{user_id('bob')}", headers=headers, json={})
        assert made.status_code == 201, made.text

        staff = await live.login(staff_token({"sub": "bob"}))

        assert_forbidden(staff, "User @bob:test.local is not linked to JWT provider staff")
        assert await links(live, user_id("bob")) == []


async def test_a_lone_jwt_config_reaches_every_existing_user_as_synapse_does(
    server: LiveServer,
) -> None:
    async with server.database.write() as txn:
        assert await txn.users.create(user_id("made"), None, 0)

    response = await server.login(seed_jwt({"sub": "made"}))

    assert response.status_code == 200, response.text
    assert await links(server, user_id("made")) == [("jwt_config", "made")]


async def test_jwt_config_beside_providers_claims_no_existing_user(
    start_server: StartServer,
) -> None:
    with_seed = providers()
    with_seed["jwt"] = parse_config(
        {
            "server_name": SERVER_NAME,
            "jwt_config": {"enabled": True, "secret": SEED_SECRET, "algorithm": "HS256"},
        },
        Path("."),
    ).jwt
    async with start_server(**with_seed) as live:
        await ceo_logs_in_through_staff(live)

        response = await live.login(seed_jwt({"sub": "ceo"}))

        assert_forbidden(response, "User @ceo:test.local is not linked to JWT provider jwt_config")


async def test_allow_existing_users_also_passes_re_authentication(
    start_server: StartServer,
) -> None:
    async with start_server(**providers(allow_existing_users=True)) as live:
        token = await ceo_logs_in_through_staff(live)
        [device] = await device_ids(live, token)

        response = await delete_device_reauthenticated(
            live, token, device, partner_token({"sub": "ceo"})
        )

        assert response.status_code == 200, response.text
        assert await count_rows(live, "devices") == 0


@pytest.mark.parametrize("subject", ["x" * 1025, "a\x00b", "\ud800"])
async def test_a_subject_no_link_can_hold_is_a_403_and_creates_nobody(
    start_server: StartServer, subject: str
) -> None:
    # The template makes a fine localpart: only the link's subject is unusable.
    templated = providers(localpart_template="{{ user.name }}", allow_registration=True)
    async with start_server(**templated) as live:
        # json.dumps escapes the lone surrogate as JSON may carry it (joserfc cannot sign it).
        claims = {"iss": PARTNER_ISSUER, "sub": subject, "name": "zed"}
        token = hmac_jws({"alg": "HS256", "typ": "JWT"}, claims, PARTNER_SECRET)
        response = await live.login(token)

        assert response.status_code == 403, response.text
        assert response.json()["errcode"] == "M_FORBIDDEN"
        assert "subject claim" in response.json()["error"]
        assert await count_rows(live, "users") == 0


async def test_concurrent_first_logins_make_one_user_and_one_link(
    start_server: StartServer,
) -> None:
    async with start_server(**providers()) as live:
        responses = await asyncio.gather(
            *(live.login(staff_token({"sub": "zed"})) for _ in range(20))
        )

        assert {r.status_code for r in responses} == {200}
        assert await count_rows(live, "users") == 1
        assert await links(live, user_id("zed")) == [("staff", "zed")]


async def test_two_providers_racing_for_a_new_user_leave_it_to_one(
    start_server: StartServer,
) -> None:
    async with start_server(**providers(allow_registration=True)) as live:
        tokens = [staff_token({"sub": "zed"}), partner_token({"sub": "zed"})] * 10
        responses = await asyncio.gather(*(live.login(token) for token in tokens))

        [(winner, _)] = await links(live, user_id("zed"))
        expected = {("staff", 200), ("partner-app", 403)}
        if winner == "partner-app":
            expected = {("staff", 403), ("partner-app", 200)}
        seen = {
            ("staff" if i % 2 == 0 else "partner-app", r.status_code)
            for i, r in enumerate(responses)
        }
        assert seen == expected
        assert await count_rows(live, "users") == 1
