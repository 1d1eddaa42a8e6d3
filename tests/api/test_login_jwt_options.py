"""Tessera's opt-in ``jwt_config`` rules over real HTTP, on SQLite and PostgreSQL.

``allow_registration``, ``required_claims``, a JWK Set whose ``kid`` picks
the key (written as YAML, read by the real config loader), and the clock
rules. Every refusal is a 403 ``M_FORBIDDEN``; nothing here may be a 500.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec

from tessera.config import JwtConfig, parse_config
from tests.api.support import (
    assert_error,
    assert_forbidden,
    count_rows,
    deactivate,
    jwt_config,
    seed_jwt,
    user_id,
    whoami,
)
from tests.conftest import SEED_SECRET, SERVER_NAME, LiveServer, StartServer
from tests.support.keys import ec_pair, hmac_sign, jwk, rsa_pair, sign

NOW = 1_700_000_000
FAILED = "JWT validation failed: "
RSA = rsa_pair()
P256 = ec_pair(ec.SECP256R1())
ROTATED_RSA = rsa_pair()


def pinned_clock() -> float:
    return float(NOW)


def from_yaml(**keys: Any) -> JwtConfig:
    """A ``jwt_config`` as the loader reads it from ``homeserver.yaml``."""
    document = {"server_name": SERVER_NAME, "jwt_config": {"enabled": True, **keys}}
    jwt: JwtConfig = parse_config(document, Path(".")).jwt
    return jwt


async def create_user(server: LiveServer, localpart: str) -> None:
    async with server.database.write() as txn:
        assert await txn.users.create(user_id(localpart), localpart, 0)


# --- allow_registration -------------------------------------------------------------------------


async def test_unknown_user_is_not_registered_when_registration_is_off(
    start_server: StartServer,
) -> None:
    async with start_server(jwt=jwt_config(allow_registration=False)) as live:
        response = await live.login(seed_jwt({"sub": "bob"}))
        users = await count_rows(live, "users")

    assert_forbidden(response, "User @bob:test.local is not registered on this server")
    assert users == 0


async def test_existing_user_logs_in_when_registration_is_off(start_server: StartServer) -> None:
    async with start_server(jwt=jwt_config(allow_registration=False)) as live:
        await create_user(live, "alice")
        response = await live.login(seed_jwt({"sub": "Alice"}))
        assert response.status_code == 200, response.text
        me = await whoami(live, response.json()["access_token"])

    assert me.json()["user_id"] == "@alice:test.local"


async def test_deactivated_user_is_still_deactivated_when_registration_is_off(
    start_server: StartServer,
) -> None:
    async with start_server(jwt=jwt_config(allow_registration=False)) as live:
        await create_user(live, "alice")
        await deactivate(live, "alice")
        response = await live.login(seed_jwt({"sub": "alice"}))

    assert_error(response, 403, "M_USER_DEACTIVATED", "This account has been deactivated")


async def test_registration_is_on_by_default_as_in_synapse(server: LiveServer) -> None:
    response = await server.login(seed_jwt({"sub": "carol"}))

    assert response.status_code == 200, response.text
    assert response.json()["user_id"] == "@carol:test.local"


async def test_token_rules_come_before_the_registration_check(start_server: StartServer) -> None:
    async with start_server(jwt=jwt_config(allow_registration=False)) as live:
        response = await live.login(sign({"sub": "bob"}, "not-the-secret-at-all-0123456789"))

    assert_forbidden(response, FAILED + "Signature verification failed")


# --- required_claims ----------------------------------------------------------------------------

CHAT_USERS = {"group": ("chat-users",)}


async def test_required_claim_with_an_allowed_value_logs_in(start_server: StartServer) -> None:
    async with start_server(jwt=jwt_config(required_claims=CHAT_USERS)) as live:
        as_string = await live.login(seed_jwt({"sub": "alice", "group": "chat-users"}))
        in_a_list = await live.login(seed_jwt({"sub": "bob", "group": ["staff", "chat-users"]}))

    assert as_string.status_code == 200, as_string.text
    assert in_a_list.status_code == 200, in_a_list.text


async def test_required_claim_with_another_value_is_forbidden(start_server: StartServer) -> None:
    async with start_server(jwt=jwt_config(required_claims=CHAT_USERS)) as live:
        response = await live.login(seed_jwt({"sub": "alice", "group": ["staff"]}))
        users = await count_rows(live, "users")

    assert_forbidden(response, FAILED + "invalid_claim: Invalid claim 'group'")
    assert users == 0


async def test_missing_required_claim_is_forbidden(start_server: StartServer) -> None:
    async with start_server(jwt=jwt_config(required_claims=CHAT_USERS)) as live:
        response = await live.login(seed_jwt({"sub": "alice"}))

    assert_forbidden(response, FAILED + "missing_claim: Missing 'group' claim")


# --- a JWK Set: the kid picks the key ------------------------------------------------------------


def two_key_set() -> JwtConfig:
    """An RSA and an EC key, written as a YAML mapping under ``secret``."""
    keys = {"keys": [jwk(RSA, "RSA", kid="rsa-2024"), jwk(P256, "EC", kid="ec-2025")]}
    return from_yaml(secret=keys, algorithms=["RS256", "ES256"])


async def test_each_key_of_a_set_logs_in_by_its_kid(start_server: StartServer) -> None:
    async with start_server(jwt=two_key_set()) as live:
        by_rsa = await live.login(sign({"sub": "alice"}, RSA.private_pem, "RS256", kid="rsa-2024"))
        by_ec = await live.login(sign({"sub": "alice"}, P256.private_pem, "ES256", kid="ec-2025"))

    assert by_rsa.status_code == 200, by_rsa.text
    assert by_ec.status_code == 200, by_ec.text
    assert by_rsa.json()["user_id"] == by_ec.json()["user_id"] == "@alice:test.local"


async def test_unknown_kid_is_forbidden_not_a_server_error(start_server: StartServer) -> None:
    async with start_server(jwt=two_key_set()) as live:
        response = await live.login(
            sign({"sub": "alice"}, ROTATED_RSA.private_pem, "RS256", kid="rsa-2026")
        )

    assert_forbidden(response, FAILED + "unknown_kid: Unknown 'kid' value in header")


async def test_kid_of_another_keys_type_is_forbidden(start_server: StartServer) -> None:
    async with start_server(jwt=two_key_set()) as live:
        response = await live.login(
            sign({"sub": "alice"}, P256.private_pem, "ES256", kid="rsa-2024")
        )

    assert_forbidden(
        response, FAILED + 'invalid_key: The key named by "kid" cannot verify "alg" ES256'
    )


async def test_kid_naming_a_key_that_did_not_sign_is_a_bad_signature(
    start_server: StartServer,
) -> None:
    async with start_server(jwt=two_key_set()) as live:
        response = await live.login(
            sign({"sub": "alice"}, ROTATED_RSA.private_pem, "RS256", kid="rsa-2024")
        )

    assert_forbidden(response, FAILED + "Signature verification failed")


async def test_token_without_kid_is_tried_against_the_keys_of_its_alg(
    start_server: StartServer,
) -> None:
    async with start_server(jwt=two_key_set()) as live:
        response = await live.login(sign({"sub": "alice"}, P256.private_pem, "ES256"))

    assert response.status_code == 200, response.text


async def test_algorithm_outside_the_list_is_unsupported(start_server: StartServer) -> None:
    async with start_server(jwt=two_key_set()) as live:
        response = await live.login(sign({"sub": "alice"}, RSA.private_pem, "PS256"))

    assert_forbidden(response, FAILED + 'unsupported_algorithm: Unsupported "alg" value in header')


async def test_hmac_token_signed_with_a_public_jwk_is_refused(start_server: StartServer) -> None:
    async with start_server(jwt=two_key_set()) as live:
        # The RS/HS confusion: HMAC over the public key everyone can fetch.
        response = await live.login(hmac_sign({"sub": "alice"}, RSA.public_pem.encode()))

    assert_forbidden(response, FAILED + 'unsupported_algorithm: Unsupported "alg" value in header')


# --- clock rules ---------------------------------------------------------------------------------


async def test_require_exp_refuses_a_token_without_exp(start_server: StartServer) -> None:
    config = jwt_config(require_exp=True)
    async with start_server(jwt=config, clock=pinned_clock) as live:
        without_exp = await live.login(seed_jwt({"sub": "alice"}))
        with_exp = await live.login(seed_jwt({"sub": "alice", "exp": NOW + 60}))

    assert_forbidden(without_exp, FAILED + "missing_claim: Missing 'exp' claim")
    assert with_exp.status_code == 200, with_exp.text


async def test_max_lifetime_refuses_a_long_lived_token(start_server: StartServer) -> None:
    config = from_yaml(secret=SEED_SECRET, algorithm="HS256", max_lifetime="10m")
    async with start_server(jwt=config, clock=pinned_clock) as live:
        long_lived = await live.login(seed_jwt({"sub": "alice", "iat": NOW, "exp": NOW + 3600}))
        short = await live.login(seed_jwt({"sub": "alice", "iat": NOW, "exp": NOW + 600}))

    assert_forbidden(
        long_lived,
        FAILED + "invalid_claim: Invalid claim 'exp': "
        "the token is valid for longer than max_lifetime (600 s after 'iat')",
    )
    assert short.status_code == 200, short.text


async def test_leeway_zero_refuses_a_token_a_second_past_exp(start_server: StartServer) -> None:
    async with start_server(jwt=jwt_config(leeway=0), clock=pinned_clock) as live:
        response = await live.login(seed_jwt({"sub": "alice", "exp": NOW - 1}))

    assert_forbidden(response, FAILED + "expired_token: The token is expired")


async def test_synapse_config_answers_as_before(start_server: StartServer) -> None:
    # The same block as Synapse's, read by the loader: no new rule applies.
    config = from_yaml(secret=SEED_SECRET, algorithm="HS256")
    claims: dict[str, Any] = {"sub": "alice", "exp": NOW - 119, "iat": NOW - 86_400}
    async with start_server(jwt=config, clock=pinned_clock) as live:
        response = await live.login(seed_jwt(claims))

    assert response.status_code == 200, response.text
