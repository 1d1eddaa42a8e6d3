"""``POST /login`` with ``org.matrix.login.jwt``: every rule of the contract, over real HTTP."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tests.api.support import (
    JWT_TYPE,
    LOGIN,
    assert_error,
    assert_forbidden,
    assert_jwt_validation_failed,
    count_rows,
    deactivate,
    hmac_jws,
    jwt_config,
    seed_jwt,
    user_id,
    whoami,
)
from tests.conftest import SEED_SECRET, LiveServer, StartServer
from tests.support.keys import rsa_pair, sign

NOW = 1_700_000_000
LEEWAY = 120
ISSUER = "https://issuer.example"
AUDIENCE = "tessera"
CHARSET_ERROR = "User ID can only contain characters a-z, 0-9, or '=_-./+'"
NUMERIC_ERROR = "Numeric user IDs are reserved for guest users."


def pinned_clock() -> float:
    return float(NOW)


async def profile_name(server: LiveServer, localpart: str) -> Any:
    response = await server.client.get(
        f"/_matrix/client/v3/profile/{user_id(localpart)}/displayname"
    )
    assert response.status_code == 200, response.text
    return response.json().get("displayname")


# --- success ---------------------------------------------------------------------------------


async def test_valid_token_logs_in_and_returns_the_session(server: LiveServer) -> None:
    response = await server.login(seed_jwt({"sub": "alice"}))

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["user_id"] == "@alice:test.local"
    assert body["home_server"] == "test.local"
    assert isinstance(body["device_id"], str) and body["device_id"]
    assert isinstance(body["access_token"], str) and body["access_token"]
    me = await whoami(server, body["access_token"])
    assert me.json()["user_id"] == "@alice:test.local"
    assert me.json()["device_id"] == body["device_id"]


async def test_issuer_claim_is_ignored_when_no_issuer_is_configured(server: LiveServer) -> None:
    response = await server.login(seed_jwt({"sub": "alice", "iss": "https://anyone.example"}))

    assert response.status_code == 200, response.text


async def test_rs256_token_logs_in_when_the_server_holds_its_public_key(
    start_server: StartServer,
) -> None:
    pair = rsa_pair()
    config = jwt_config(secret=pair.public_pem, algorithm="RS256")
    async with start_server(jwt=config) as live:
        response = await live.login(sign({"sub": "alice"}, pair.private_pem, "RS256"))

    assert response.status_code == 200, response.text
    assert response.json()["user_id"] == "@alice:test.local"


async def test_custom_subject_claim_names_the_user(start_server: StartServer) -> None:
    async with start_server(jwt=jwt_config(subject_claim="username")) as live:
        response = await live.login(seed_jwt({"sub": "ignored", "username": "carol"}))

    assert response.status_code == 200, response.text
    assert response.json()["user_id"] == "@carol:test.local"


async def test_custom_subject_claim_absent_is_invalid_jwt(start_server: StartServer) -> None:
    async with start_server(jwt=jwt_config(subject_claim="username")) as live:
        response = await live.login(seed_jwt({"sub": "carol"}))

    assert_forbidden(response, "Invalid JWT")


# --- token failures: 403 M_FORBIDDEN with exact texts ----------------------------------------


async def test_missing_token_field_is_forbidden(server: LiveServer) -> None:
    response = await server.client.post(LOGIN, json={"type": JWT_TYPE})

    assert_forbidden(response, "Token field for JWT is missing")


async def test_null_token_is_forbidden_as_missing(server: LiveServer) -> None:
    response = await server.client.post(LOGIN, json={"type": JWT_TYPE, "token": None})

    assert_forbidden(response, "Token field for JWT is missing")


async def test_token_signed_with_another_secret_fails_signature_check(server: LiveServer) -> None:
    response = await server.login(sign({"sub": "alice"}, "not-the-secret"))

    assert_forbidden(response, "JWT validation failed: Signature verification failed")


async def test_token_with_tampered_payload_fails_signature_check(server: LiveServer) -> None:
    good = seed_jwt({"sub": "alice"}).split(".")
    forged_payload = seed_jwt({"sub": "admin"}).split(".")[1]

    response = await server.login(f"{good[0]}.{forged_payload}.{good[2]}")

    assert_forbidden(response, "JWT validation failed: Signature verification failed")


@pytest.mark.parametrize(
    ("claims", "error"),
    [
        ({"exp": NOW - LEEWAY - 1}, "expired_token: The token is expired"),
        ({"nbf": NOW + LEEWAY + 1}, "invalid_token: The token is not valid yet"),
        (
            {"iat": NOW + LEEWAY + 1},
            "invalid_token: The token is not valid as it was issued in the future",
        ),
    ],
    ids=["exp-past-leeway", "nbf-past-leeway", "iat-past-leeway"],
)
async def test_token_outside_the_leeway_is_forbidden(
    start_server: StartServer, claims: dict[str, Any], error: str
) -> None:
    async with start_server(clock=pinned_clock) as live:
        response = await live.login(seed_jwt({"sub": "alice", **claims}))

    assert_forbidden(response, f"JWT validation failed: {error}")


@pytest.mark.parametrize(
    "claims",
    [
        {"exp": NOW - LEEWAY},
        {"nbf": NOW + LEEWAY},
        {"iat": NOW + LEEWAY},
        {"exp": NOW + 3600, "nbf": NOW - 60, "iat": NOW - 60},
    ],
    ids=["exp-at-leeway", "nbf-at-leeway", "iat-at-leeway", "all-current"],
)
async def test_token_within_the_leeway_logs_in(
    start_server: StartServer, claims: dict[str, Any]
) -> None:
    async with start_server(clock=pinned_clock) as live:
        response = await live.login(seed_jwt({"sub": "alice", **claims}))

    assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    ("claims", "error"),
    [
        ({"exp": -(10**30)}, "expired_token: The token is expired"),
        ({"nbf": 10**30}, "invalid_token: The token is not valid yet"),
        ({"iat": 10**30}, "invalid_token: The token is not valid as it was issued in the future"),
    ],
    ids=["exp-huge-past", "nbf-huge-future", "iat-huge-future"],
)
async def test_huge_integer_time_claims_are_compared_exactly(
    server: LiveServer, claims: dict[str, Any], error: str
) -> None:
    response = await server.login(seed_jwt({"sub": "alice", **claims}))

    assert_forbidden(response, f"JWT validation failed: {error}")


@pytest.mark.parametrize("exp", [10**30, 1e308], ids=["huge-int", "huge-float"])
async def test_far_future_expiry_logs_in(server: LiveServer, exp: float) -> None:
    response = await server.login(seed_jwt({"sub": "alice", "exp": exp}))

    assert response.status_code == 200, response.text


@pytest.mark.parametrize("claim", ["exp", "nbf", "iat"])
@pytest.mark.parametrize("value", ["soon", str(NOW), [NOW], {"t": NOW}, None], ids=repr)
async def test_non_numeric_time_claim_is_an_invalid_claim(
    server: LiveServer, claim: str, value: Any
) -> None:
    response = await server.login(seed_jwt({"sub": "alice", claim: value}))

    assert_forbidden(response, f"JWT validation failed: invalid_claim: Invalid claim '{claim}'")


@pytest.mark.parametrize(
    ("claims", "error"),
    [
        ({"iss": "https://evil.example", "aud": AUDIENCE}, "invalid_claim: Invalid claim 'iss'"),
        ({"aud": AUDIENCE}, "missing_claim: Missing 'iss' claim"),
        ({"iss": ISSUER, "aud": "someone-else"}, "invalid_claim: Invalid claim 'aud'"),
        ({"iss": ISSUER, "aud": ["someone-else", "x"]}, "invalid_claim: Invalid claim 'aud'"),
        ({"iss": ISSUER}, "missing_claim: Missing 'aud' claim"),
    ],
    ids=["iss-wrong", "iss-missing", "aud-wrong", "aud-list-wrong", "aud-missing"],
)
async def test_issuer_and_audience_are_enforced_when_configured(
    start_server: StartServer, claims: dict[str, Any], error: str
) -> None:
    config = jwt_config(issuer=ISSUER, audiences=(AUDIENCE, "other-app"))
    async with start_server(jwt=config) as live:
        response = await live.login(seed_jwt({"sub": "alice", **claims}))

    assert_forbidden(response, f"JWT validation failed: {error}")


@pytest.mark.parametrize(
    "aud", [AUDIENCE, "other-app", [AUDIENCE], ["nobody", "other-app"]], ids=repr
)
async def test_audience_passes_when_any_value_is_configured(
    start_server: StartServer, aud: str | list[str]
) -> None:
    config = jwt_config(issuer=ISSUER, audiences=(AUDIENCE, "other-app"))
    async with start_server(jwt=config) as live:
        response = await live.login(seed_jwt({"sub": "alice", "iss": ISSUER, "aud": aud}))

    assert response.status_code == 200, response.text


@pytest.mark.parametrize("aud", ["audience", ["audience"], "", []], ids=repr)
async def test_audience_present_without_configured_audiences_is_invalid(
    server: LiveServer, aud: str | list[str]
) -> None:
    response = await server.login(seed_jwt({"sub": "alice", "aud": aud}))

    assert_forbidden(response, "JWT validation failed: invalid_claim: Invalid claim 'aud'")


@pytest.mark.parametrize(
    "token",
    [
        sign({"sub": "alice"}, SEED_SECRET, "HS512"),
        sign({"sub": "alice"}, SEED_SECRET, "HS384"),
        hmac_jws({"alg": "none"}, {"sub": "alice"}),
        hmac_jws({"alg": "none"}, {"sub": "alice"}).rsplit(".", 1)[0] + ".",
        hmac_jws({"alg": "HS256 "}, {"sub": "alice"}),
        hmac_jws({"alg": "hs256"}, {"sub": "alice"}),
    ],
    ids=["HS512", "HS384", "none-signed", "none-unsigned", "alg-padded", "alg-lowercase"],
)
async def test_algorithm_other_than_configured_is_unsupported(
    server: LiveServer, token: str
) -> None:
    response = await server.login(token)

    reason = assert_jwt_validation_failed(response)
    assert reason.startswith("unsupported_algorithm: "), reason


async def test_rs256_token_on_an_hs256_server_is_unsupported(server: LiveServer) -> None:
    pair = rsa_pair()

    response = await server.login(sign({"sub": "alice"}, pair.private_pem, "RS256"))

    assert assert_jwt_validation_failed(response).startswith("unsupported_algorithm: ")


async def test_public_key_used_as_hmac_secret_is_refused(start_server: StartServer) -> None:
    """Algorithm confusion: an HS256 token keyed with the server's RS256 public key."""
    pair = rsa_pair()
    forged = hmac_jws({"alg": "HS256", "typ": "JWT"}, {"sub": "admin"}, secret=pair.public_pem)
    async with start_server(jwt=jwt_config(secret=pair.public_pem, algorithm="RS256")) as live:
        response = await live.login(forged)

    assert assert_jwt_validation_failed(response).startswith("unsupported_algorithm: ")


#: Tokens that are not a well-formed JWS of a JSON object (each signed correctly when it can be).
MALFORMED_TOKENS = {
    "empty": "",
    "one-part": "not-a-jwt",
    "garbage-parts": "a.b.c",
    "empty-parts": "...",
    "five-parts": "a.b.c.d.e",
    "bad-base64": "!!!.###.$$$",
    "non-ascii": "\u00e9t\u00e9.\u00e9t\u00e9.\u00e9t\u00e9",
    "no-signature-part": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9",
    "header-not-json": hmac_jws(b"not json", {"sub": "alice"}),
    "header-a-list": hmac_jws(b"[]", {"sub": "alice"}),
    "header-not-utf8": hmac_jws(b"\xff\xfe", {"sub": "alice"}),
    "header-without-alg": hmac_jws({"typ": "JWT"}, {"sub": "alice"}),
    "payload-not-json": hmac_jws({"alg": "HS256"}, b"not json"),
    "payload-a-list": hmac_jws({"alg": "HS256"}, ["alice"]),
    "payload-a-string": hmac_jws({"alg": "HS256"}, "alice"),
    "payload-null": hmac_jws({"alg": "HS256"}, b"null"),
    "payload-not-utf8": hmac_jws({"alg": "HS256"}, b"\xff\xfe"),
    "crit-not-a-list": hmac_jws({"alg": "HS256", "crit": 1}, {"sub": "alice"}),
    "crit-not-strings": hmac_jws({"alg": "HS256", "crit": [1]}, {"sub": "alice"}),
    "crit-unknown-extension": hmac_jws(
        {"alg": "HS256", "crit": ["exp"]}, {"sub": "alice", "exp": NOW * 2}
    ),
    "payload-nested-5000-deep": hmac_jws(
        {"alg": "HS256"}, b'{"sub":"alice","x":' + b"[" * 5000 + b"]" * 5000 + b"}"
    ),
    "exp-of-5000-digits": hmac_jws({"alg": "HS256"}, b'{"sub":"alice","exp":' + b"9" * 5000 + b"}"),
}


@pytest.mark.parametrize("token", MALFORMED_TOKENS.values(), ids=MALFORMED_TOKENS.keys())
async def test_malformed_token_is_forbidden_with_a_reason(server: LiveServer, token: str) -> None:
    response = await server.login(token)

    assert_jwt_validation_failed(response)


@pytest.mark.parametrize("claims", [{}, {"sub": None}, {"name": "alice"}], ids=repr)
async def test_token_without_a_subject_is_invalid_jwt(
    server: LiveServer, claims: dict[str, Any]
) -> None:
    response = await server.login(seed_jwt(claims))

    assert_forbidden(response, "Invalid JWT")


@pytest.mark.parametrize(
    "token",
    [
        "a" * 1_000_000,
        "eyJ" + "A" * 1_000_000 + ".eyJ.sig",
        ".".join(["A" * 333_333] * 3),
        seed_jwt({"sub": "alice", "padding": "x" * 1_000_000}),
    ],
    ids=["1MB-letters", "1MB-header", "1MB-three-parts", "1MB-validly-signed"],
)
async def test_megabyte_token_is_forbidden_never_a_server_error(
    start_server: StartServer, token: str
) -> None:
    async with start_server(max_request_body_size=4 * 1024 * 1024) as live:
        response = await live.login(token)

    assert_jwt_validation_failed(response)


@pytest.mark.parametrize(
    "token",
    [0, 12345, 1.5, -1, True, False, [], ["a.b.c"], {}, {"token": "a.b.c"}],
    ids=repr,
)
async def test_non_string_token_is_forbidden_never_a_server_error(
    server: LiveServer, token: Any
) -> None:
    response = await server.login(token)

    assert_jwt_validation_failed(response)


# --- localparts ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("subject", "error"),
    [
        ("Alice", CHARSET_ERROR),
        ("ALICE", CHARSET_ERROR),
        ("al ice", CHARSET_ERROR),
        ("alice!", CHARSET_ERROR),
        ("al#ice", CHARSET_ERROR),
        ("\u00e1lice", CHARSET_ERROR),
        ("alice\n", CHARSET_ERROR),
        ("", "User ID cannot be empty"),
        ("_alice", "User ID may not begin with _"),
        ("_", "User ID may not begin with _"),
        ("12345", NUMERIC_ERROR),
        ("0", NUMERIC_ERROR),
        (12345, NUMERIC_ERROR),
        ("a" * 244, "User ID may not be longer than 255 characters"),
    ],
    ids=[
        "uppercase",
        "all-uppercase",
        "space",
        "bang",
        "hash",
        "non-ascii",
        "trailing-newline",
        "empty",
        "underscore-prefix",
        "only-underscore",
        "numeric",
        "zero",
        "numeric-json-number",
        "user-id-256-bytes",
    ],
)
async def test_invalid_new_localpart_is_rejected(
    server: LiveServer, subject: Any, error: str
) -> None:
    response = await server.login(seed_jwt({"sub": subject}))

    assert_error(response, 400, "M_INVALID_USERNAME", error)
    assert await count_rows(server, "users") == 0


@pytest.mark.parametrize(
    "subject",
    ["kermit:evil.example", "kermit:test.local", "@kermit:test.local", "kermit:"],
)
async def test_subject_with_a_colon_is_rejected_not_logged_in_as_another_user(
    server: LiveServer, subject: str
) -> None:
    await server.access_token(seed_jwt({"sub": "kermit"}))

    response = await server.login(seed_jwt({"sub": subject}))

    assert_error(response, 400, "M_INVALID_USERNAME", CHARSET_ERROR)
    assert await count_rows(server, "users") == 1


async def test_subject_with_a_nul_character_is_rejected_not_a_server_error(
    server: LiveServer,
) -> None:
    response = await server.login(seed_jwt({"sub": "ali\u0000ce"}))

    assert_error(response, 400, "M_INVALID_USERNAME", CHARSET_ERROR)


@pytest.mark.parametrize(
    "localpart",
    ["a", "alice", "user1", "1user", "x.y_z=w-v/u+t", "a" * 243],
    ids=["one-letter", "alice", "user1", "leading-digit", "every-symbol", "user-id-255-bytes"],
)
async def test_valid_localpart_is_created_on_first_login(
    server: LiveServer, localpart: str
) -> None:
    response = await server.login(seed_jwt({"sub": localpart}))

    assert response.status_code == 200, response.text
    assert response.json()["user_id"] == user_id(localpart)
    assert await count_rows(server, "users") == 1


@pytest.mark.parametrize("localpart", ["+1", "-1", "1_000", "1.5", "1/2", "1=1"])
async def test_digits_with_punctuation_are_not_a_numeric_localpart(
    server: LiveServer, localpart: str
) -> None:
    """Only all-digit localparts are reserved for guests (Synapse: ``^\\d+$``)."""
    response = await server.login(seed_jwt({"sub": localpart}))

    assert response.status_code == 200, response.text
    assert response.json()["user_id"] == user_id(localpart)


@pytest.mark.parametrize("subject", ["Kermit", "KERMIT", "kErMiT"])
async def test_existing_user_is_matched_case_insensitively(
    server: LiveServer, subject: str
) -> None:
    await server.access_token(seed_jwt({"sub": "kermit"}))

    response = await server.login(seed_jwt({"sub": subject}))

    assert response.status_code == 200, response.text
    assert response.json()["user_id"] == "@kermit:test.local"
    assert await count_rows(server, "users") == 1


async def test_every_login_of_the_same_user_gets_a_new_device_and_token(
    server: LiveServer,
) -> None:
    first = (await server.login(seed_jwt({"sub": "alice"}))).json()
    second = (await server.login(seed_jwt({"sub": "alice"}))).json()

    assert first["user_id"] == second["user_id"] == "@alice:test.local"
    assert first["device_id"] != second["device_id"]
    assert first["access_token"] != second["access_token"]
    assert await count_rows(server, "users") == 1


# --- display names ---------------------------------------------------------------------------


async def test_new_user_display_name_defaults_to_the_localpart(server: LiveServer) -> None:
    await server.access_token(seed_jwt({"sub": "alice", "name": "Alice Liddell"}))

    assert await profile_name(server, "alice") == "alice"


async def test_display_name_claim_sets_the_name_on_first_login(start_server: StartServer) -> None:
    async with start_server(jwt=jwt_config(display_name_claim="name")) as live:
        await live.access_token(seed_jwt({"sub": "alice", "name": "Alice Liddell"}))

        assert await profile_name(live, "alice") == "Alice Liddell"


async def test_display_name_claim_is_ignored_on_later_logins(start_server: StartServer) -> None:
    async with start_server(jwt=jwt_config(display_name_claim="name")) as live:
        await live.access_token(seed_jwt({"sub": "alice", "name": "Alice Liddell"}))
        await live.access_token(seed_jwt({"sub": "alice", "name": "Queen of Hearts"}))

        assert await profile_name(live, "alice") == "Alice Liddell"


async def test_display_name_claim_absent_falls_back_to_the_localpart(
    start_server: StartServer,
) -> None:
    async with start_server(jwt=jwt_config(display_name_claim="name")) as live:
        await live.access_token(seed_jwt({"sub": "alice"}))

        assert await profile_name(live, "alice") == "alice"


# --- deactivated users -----------------------------------------------------------------------


@pytest.mark.parametrize("subject", ["kermit", "Kermit"])
async def test_deactivated_user_cannot_log_in(server: LiveServer, subject: str) -> None:
    await server.access_token(seed_jwt({"sub": "kermit"}))
    await deactivate(server, "kermit")

    response = await server.login(seed_jwt({"sub": subject}))

    assert_error(response, 403, "M_USER_DEACTIVATED", "This account has been deactivated")


async def test_deactivated_login_issues_no_device_or_token(server: LiveServer) -> None:
    await server.access_token(seed_jwt({"sub": "kermit"}), device_id="OLD")
    await deactivate(server, "kermit")

    await server.login(seed_jwt({"sub": "kermit"}), device_id="NEW")

    assert await count_rows(server, "devices") == 1
    assert await count_rows(server, "access_tokens") == 1


# --- concurrency -----------------------------------------------------------------------------


async def test_concurrent_first_logins_create_exactly_one_user(server: LiveServer) -> None:
    token = seed_jwt({"sub": "newcomer"})

    responses = await asyncio.gather(*(server.login(token) for _ in range(50)))

    assert [r.status_code for r in responses] == [200] * 50, [
        r.text for r in responses if r.status_code != 200
    ]
    assert {r.json()["user_id"] for r in responses} == {"@newcomer:test.local"}
    assert len({r.json()["access_token"] for r in responses}) == 50
    assert await count_rows(server, "users") == 1
