"""``jwt_providers``, claim mapping, profile sync, ``admin_claim``, replay protection and
``error_detail`` over real HTTP, on SQLite and PostgreSQL.

Every provider here is read by the real config loader from the YAML an
operator would write.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from tessera.config import Config, parse_config
from tests.api.support import (
    assert_error,
    assert_forbidden,
    bearer,
    count_rows,
    seed_jwt,
    user_id,
    whoami,
)
from tests.conftest import SEED_SECRET, SERVER_NAME, LiveServer, StartServer
from tests.support.keys import rsa_pair, sign

CORP = rsa_pair()
CORP_ISSUER = "https://sso.corp.example"
PARTNER_SECRET = "partner-app-secret-of-at-least-32-bytes!"
PARTNER_ISSUER = "https://partner.example"


def config_of(**document: Any) -> Config:
    """What the loader reads from a homeserver.yaml holding ``document``."""
    return parse_config({"server_name": SERVER_NAME, **document}, Path("."))


def overrides(**document: Any) -> dict[str, Any]:
    """``start_server`` overrides for the JWT parts of ``document``."""
    config = config_of(**document)
    return {"jwt": config.jwt, "jwt_providers": config.jwt_providers}


def corp_token(claims: dict[str, Any], **header: Any) -> str:
    return sign({"iss": CORP_ISSUER, **claims}, CORP.private_pem, "RS256", **header)


def partner_token(claims: dict[str, Any]) -> str:
    return sign({"iss": PARTNER_ISSUER, **claims}, PARTNER_SECRET)


TWO_PROVIDERS = overrides(
    jwt_providers=[
        {
            "id": "corp",
            "secret": CORP.public_pem,
            "algorithm": "RS256",
            "issuer": CORP_ISSUER,
            "localpart_template": "{{ user.preferred_username }}",
            "localpart_normalisation": "lowercase",
            "required_claims": {"groups": "chat-users"},
        },
        {
            "id": "partner",
            "secret": PARTNER_SECRET,
            "algorithm": "HS256",
            "issuer": PARTNER_ISSUER,
            "localpart_normalisation": "map",
        },
    ]
)


async def profile_of(live: LiveServer, localpart: str) -> dict[str, Any]:
    response = await live.client.get(f"/_matrix/client/v3/profile/{user_id(localpart)}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


# --- several providers ---------------------------------------------------------------------------


async def test_each_provider_logs_in_its_own_users_with_its_own_rules(
    start_server: StartServer,
) -> None:
    async with start_server(**TWO_PROVIDERS) as live:
        corp = await live.login(
            corp_token({"sub": "f81d", "preferred_username": "Ann", "groups": ["chat-users"]})
        )
        partner = await live.login(partner_token({"sub": "Bob Smith"}))

        assert corp.status_code == 200, corp.text
        assert corp.json()["user_id"] == user_id("ann")
        assert partner.status_code == 200, partner.text
        assert partner.json()["user_id"] == user_id("bob=20smith")


async def test_a_provider_s_claim_rules_do_not_apply_to_the_other(
    start_server: StartServer,
) -> None:
    async with start_server(**TWO_PROVIDERS) as live:
        outsider = await live.login(corp_token({"sub": "x", "preferred_username": "eve"}))
        partner = await live.login(partner_token({"sub": "eve"}))

        assert_forbidden(outsider, "JWT validation failed: missing_claim: Missing 'groups' claim")
        assert partner.status_code == 200, partner.text


async def test_an_issuer_cannot_borrow_another_provider_s_key(start_server: StartServer) -> None:
    async with start_server(**TWO_PROVIDERS) as live:
        # Signed with the partner's secret but claiming to be the corporate IdP.
        forged = sign({"iss": CORP_ISSUER, "sub": "admin", "groups": "chat-users"}, PARTNER_SECRET)
        unknown = sign({"iss": "https://evil.example", "sub": "x"}, PARTNER_SECRET)
        no_issuer = sign({"sub": "x"}, PARTNER_SECRET)

        assert_forbidden(
            await live.login(forged),
            'JWT validation failed: unsupported_algorithm: Unsupported "alg" value in header',
        )
        for token in (unknown, no_issuer):
            assert_forbidden(
                await live.login(token), "JWT validation failed: invalid_claim: Invalid claim 'iss'"
            )
        assert await count_rows(live, "users") == 0


async def test_jwt_config_and_providers_serve_side_by_side(start_server: StartServer) -> None:
    async with start_server(
        **overrides(
            jwt_config={"enabled": True, "secret": SEED_SECRET, "algorithm": "HS256"},
            jwt_providers=[
                {
                    "id": "corp",
                    "secret": CORP.public_pem,
                    "algorithm": "RS256",
                    "issuer": CORP_ISSUER,
                }
            ],
        )
    ) as live:
        seed = await live.login(seed_jwt({"sub": "seed-user"}))
        corp = await live.login(corp_token({"sub": "corp-user"}))

        assert seed.json()["user_id"] == user_id("seed-user")
        assert corp.json()["user_id"] == user_id("corp-user")


# --- mapping ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("normalisation", "subject", "expected"),
    [
        ("strict", "alice", "alice"),
        ("lowercase", "Alice", "alice"),
        ("map", "Alice Smith", "alice=20smith"),
        ("map", "_svc", "=5fsvc"),
    ],
)
async def test_normalisation_modes(
    start_server: StartServer, normalisation: str, subject: str, expected: str
) -> None:
    jwt = {"enabled": True, "secret": SEED_SECRET, "algorithm": "HS256"}
    async with start_server(
        **overrides(jwt_config={**jwt, "localpart_normalisation": normalisation})
    ) as live:
        response = await live.login(seed_jwt({"sub": subject}))

        assert response.status_code == 200, response.text
        assert response.json()["user_id"] == user_id(expected)


async def test_strict_normalisation_refuses_what_synapse_refuses(start_server: StartServer) -> None:
    async with start_server() as live:
        response = await live.login(seed_jwt({"sub": "Alice Smith"}))

        assert_error(response, 400, "M_INVALID_USERNAME")


async def test_numeric_localparts_are_refused_unless_allowed(start_server: StartServer) -> None:
    jwt = {"enabled": True, "secret": SEED_SECRET, "algorithm": "HS256"}
    async with start_server() as live:
        assert_error(await live.login(seed_jwt({"sub": "10042"})), 400, "M_INVALID_USERNAME")
    async with start_server(
        **overrides(jwt_config={**jwt, "allow_numeric_localparts": True})
    ) as live:
        response = await live.login(seed_jwt({"sub": 10042}))

        assert response.status_code == 200, response.text
        assert response.json()["user_id"] == user_id("10042")


async def test_a_template_missing_its_claim_is_a_403_and_creates_nobody(
    start_server: StartServer,
) -> None:
    async with start_server(**TWO_PROVIDERS) as live:
        response = await live.login(corp_token({"sub": "f81d", "groups": "chat-users"}))

        assert_forbidden(
            response,
            "JWT validation failed: invalid_claim: The token's claims do not give a user ID "
            "(localpart_template)",
        )
        assert await count_rows(live, "users") == 0


# --- profile sync -------------------------------------------------------------------------------

SYNCED = {
    "enabled": True,
    "secret": SEED_SECRET,
    "algorithm": "HS256",
    "display_name_claim": "name",
    "avatar_url_claim": "picture",
    "email_claim": "email",
}


async def emails(live: LiveServer, localpart: str) -> list[str]:
    async with live.database.read() as txn:
        return [t.address for t in await txn.threepids.list_for_user(user_id(localpart))]


FIRST = {"sub": "ann", "name": "Ann", "picture": "mxc://corp/ann", "email": "Ann@Corp.Example"}
LATER = {**FIRST, "name": "Ann B.", "picture": "mxc://corp/new", "email": "b@corp.example"}


@pytest.mark.parametrize(
    ("sync", "display_name", "email"),
    [
        ({}, "Ann", "ann@corp.example"),
        (
            {"display_name_sync": "every_login", "email_sync": "every_login"},
            "Ann B.",
            "b@corp.example",
        ),
    ],
)
async def test_the_first_login_fills_the_profile_and_every_login_sync_refreshes_it(
    start_server: StartServer, sync: dict[str, str], display_name: str, email: str
) -> None:
    async with start_server(**overrides(jwt_config={**SYNCED, **sync})) as live:
        assert (await live.login(seed_jwt(FIRST))).status_code == 200
        assert (await live.login(seed_jwt(LATER))).status_code == 200

        # avatar_url is first_login only in both cases: the stored one stays.
        profile = {"displayname": display_name, "avatar_url": "mxc://corp/ann"}
        assert await profile_of(live, "ann") == profile
        assert await emails(live, "ann") == [email]


# --- admin_claim --------------------------------------------------------------------------------


async def test_admin_claim_grants_and_revokes_server_admin(start_server: StartServer) -> None:
    jwt = {
        "enabled": True,
        "secret": SEED_SECRET,
        "algorithm": "HS256",
        "admin_claim": {"claim": "realm_access.roles", "value": "matrix-admin"},
    }
    admin_path = "/_synapse/admin/v2/users"
    async with start_server(**overrides(jwt_config=jwt)) as live:
        roles = {"realm_access": {"roles": ["staff", "matrix-admin"]}}
        admin = await live.access_token(seed_jwt({"sub": "root", **roles}))
        plain = await live.access_token(
            seed_jwt({"sub": "pat", "realm_access": {"roles": ["staff"]}})
        )

        assert (await live.client.get(admin_path, headers=bearer(admin))).status_code == 200
        assert_forbidden(
            await live.client.get(admin_path, headers=bearer(plain)), "You are not a server admin"
        )

        # The IdP drops the role: the next login takes the admin flag away at once.
        await live.access_token(seed_jwt({"sub": "root", "realm_access": {"roles": []}}))
        assert_forbidden(
            await live.client.get(admin_path, headers=bearer(admin)), "You are not a server admin"
        )


# --- jti replay protection ---------------------------------------------------------------------

REPLAY = {
    "enabled": True,
    "secret": SEED_SECRET,
    "algorithm": "HS256",
    "require_exp": True,
    "jti_replay_protection": True,
}


async def test_a_jti_logs_in_once(start_server: StartServer) -> None:
    async with start_server(**overrides(jwt_config=REPLAY)) as live:
        exp = int(time.time()) + 300
        token = seed_jwt({"sub": "ann", "jti": "one-time", "exp": exp})
        other = seed_jwt({"sub": "ann", "jti": "another", "exp": exp})

        first = await live.login(token)
        replay = await live.login(token)

        assert first.status_code == 200, first.text
        assert_forbidden(
            replay, "JWT validation failed: invalid_token: The token has already been used"
        )
        assert (await live.login(other)).status_code == 200
        assert await count_rows(live, "devices") == 2
        assert await count_rows(live, "jwt_used_ids") == 2
        assert (await whoami(live, first.json()["access_token"])).status_code == 200


async def test_without_a_jti_replay_protection_refuses_the_token(start_server: StartServer) -> None:
    async with start_server(**overrides(jwt_config=REPLAY)) as live:
        response = await live.login(seed_jwt({"sub": "ann", "exp": int(time.time()) + 300}))

        assert_forbidden(response, "JWT validation failed: missing_claim: Missing 'jti' claim")


async def test_a_failed_login_does_not_spend_the_jti(start_server: StartServer) -> None:
    jwt = {**REPLAY, "allow_registration": False}
    async with start_server(**overrides(jwt_config=jwt)) as live:
        token = seed_jwt({"sub": "ann", "jti": "j1", "exp": int(time.time()) + 300})

        assert (await live.login(token)).status_code == 403
        assert await count_rows(live, "jwt_used_ids") == 0


async def test_expired_ids_are_purged(start_server: StartServer) -> None:
    async with start_server(**overrides(jwt_config=REPLAY)) as live:
        async with live.database.write() as txn:
            assert await txn.jwt_ids.claim(b"\x01" * 32, 1_000)  # expired long ago
        response = await live.login(
            seed_jwt({"sub": "ann", "jti": "j", "exp": int(time.time()) + 60})
        )

        assert response.status_code == 200
        assert await count_rows(live, "jwt_used_ids") == 1


# --- error_detail -------------------------------------------------------------------------------


async def test_minimal_error_detail_hides_the_reason(start_server: StartServer) -> None:
    jwt = {"enabled": True, "secret": SEED_SECRET, "algorithm": "HS256", "error_detail": "minimal"}
    async with start_server(**overrides(jwt_config=jwt)) as live:
        expired = seed_jwt({"sub": "ann", "exp": 1})
        forged = sign({"sub": "ann"}, "another-secret-of-at-least-32-bytes-long")

        for token in (expired, forged, "not.a.jwt"):
            assert_forbidden(await live.login(token), "Invalid JWT")
        assert (await live.login(seed_jwt({"sub": "ann"}))).status_code == 200


async def test_lowercase_never_turns_a_look_alike_into_an_existing_user(
    start_server: StartServer,
) -> None:
    jwt = {"enabled": True, "secret": SEED_SECRET, "algorithm": "HS256"}
    async with start_server(
        **overrides(jwt_config={**jwt, "localpart_normalisation": "lowercase"})
    ) as live:
        kermit = await live.login(seed_jwt({"sub": "Kermit"}))
        kelvin = await live.login(seed_jwt({"sub": "\u212aermit"}))  # KELVIN SIGN + "ermit"

        assert kermit.json()["user_id"] == user_id("kermit")
        assert_error(kelvin, 400, "M_INVALID_USERNAME")
        assert await count_rows(live, "devices") == 1
