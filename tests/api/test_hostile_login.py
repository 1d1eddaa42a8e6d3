"""Hostile input over real HTTP: forged JWTs, hostile subjects, and bodies that are barely JSON.

The unit forgery tests (``tests/unit/test_jwt_forgery_*.py``) try thousands
of tokens against the verifier; here one forged token per attack goes
through ``POST /login`` on a server configured with each key family, and
must come back 4xx with a Matrix error, never 200, never 5xx, creating no
user. Request bodies complement ``test_http_errors.py`` (which has the plain
not-JSON and not-an-object cases): content types, invalid UTF-8 inside
strings, nesting 100 000 deep, NaN and huge numbers in fields, duplicate
keys (the last wins, as in Synapse's parser), a BOM, on login and on the
authenticated endpoints that read a body. Every response is tallied; the
module's last test prints the tally and asserts there was no 5xx.
"""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.api.support import (
    JWT_TYPE,
    LOGIN,
    assert_error,
    assert_forbidden,
    bearer,
    count_rows,
    hmac_jws,
    jwt_config,
    seed_jwt,
    user_id,
    whoami,
)
from tests.conftest import LiveServer, StartServer
from tests.support.forgery import (
    HOSTILE_SUBJECTS,
    accepted_connections,
    forged_tokens,
    key_url,
    watched_socket,
    worlds,
)

pytestmark = pytest.mark.filterwarnings("ignore:EdDSA is deprecated:joserfc.errors.SecurityWarning")


@dataclass
class ResponseTally:
    seen: int = 0
    server_errors: int = 0
    accepted_forgeries: int = 0


TALLY = ResponseTally()


def judged(response: httpx.Response) -> httpx.Response:
    """Count the response; a 5xx fails the test at once."""
    TALLY.seen += 1
    if response.status_code >= 500:
        TALLY.server_errors += 1
        raise AssertionError(f"{response.status_code}: {response.text}")
    return response


def assert_matrix_4xx(response: httpx.Response) -> dict[str, Any]:
    """A 4xx whose body is a Matrix error (or a user-interactive auth challenge)."""
    judged(response)
    assert 400 <= response.status_code < 500, (response.status_code, response.text)
    body: dict[str, Any] = response.json()
    assert isinstance(body.get("errcode"), str) or "flows" in body, body
    return body


#: The refusals that speak of ``exp``/``nbf``/``iat`` (README, "JWT login rules").
TIME_REFUSALS = (
    "expired_token: The token is expired",
    "invalid_token: The token is not valid yet",
    "invalid_token: The token is not valid as it was issued in the future",
)


def refused_for_its_times(body: dict[str, Any]) -> bool:
    """Whether a refusal's reason is the token's times, which say nothing of its signature."""
    return any(reason in str(body.get("error")) for reason in TIME_REFUSALS)


@pytest.fixture
def key_server() -> Iterator[socket.socket]:
    """A socket that forged ``jku``/``x5u`` headers name; nothing may connect to it."""
    with watched_socket() as listener:
        yield listener


# --- forged tokens -------------------------------------------------------------------------------


@pytest.mark.parametrize("world_name", ["HS256", "RS256", "ES256", "EdDSA", "JWKS"])
async def test_forged_tokens_are_refused_with_a_matrix_error(
    start_server: StartServer, key_server: socket.socket, world_name: str
) -> None:
    world = worlds()[world_name]
    assert world.config.error_detail == "full"  # the refusal's reason is in the answer
    now = time.time()  # the live server's clock: every forged claim is current
    forged = forged_tokens(world, key_url(key_server), now)

    async with start_server(jwt=world.config) as live:
        for attack, token in forged:
            response = await live.login(token)
            if response.status_code == 200:
                TALLY.accepted_forgeries += 1
            body = assert_matrix_4xx(response)
            assert response.status_code in (400, 403), (attack, body)
            assert not refused_for_its_times(body), (attack, body)
        assert await count_rows(live, "users") == 0
        assert accepted_connections(key_server) == 0
        # The same server does log in a token its key really signed, with the claims
        # the forgeries carry: nothing but their signatures refused them.
        genuine = await live.login(world.sign({"sub": "alice", "exp": int(now) + 3600}))
        assert judged(genuine).status_code == 200, genuine.text

    assert len(forged) >= 20


# --- hostile subjects, genuinely signed ----------------------------------------------------------

GRAMMAR = set("abcdefghijklmnopqrstuvwxyz0123456789._=-/+")
#: The verifier's hostile subjects, and five more for the localpart rules: a relative path,
#: a lone surrogate, a leading underscore, all digits, a user ID past 255 characters.
LOGIN_SUBJECTS = [*HOSTILE_SUBJECTS, "./alice", "\ud800", "_alice", "12345", "a" * 300]


def is_valid_new_localpart(subject: str) -> bool:
    return (
        bool(subject)
        and set(subject) <= GRAMMAR
        and not subject.startswith("_")
        and not subject.isdigit()
        and len(f"@{subject}:test.local") <= 255
    )


@pytest.mark.parametrize("subject", LOGIN_SUBJECTS, ids=ascii)
async def test_hostile_subject_logs_in_as_itself_or_is_refused(
    server: LiveServer, subject: str
) -> None:
    token = seed_jwt({"sub": subject}) if subject != "\ud800" else _surrogate_subject_token()

    response = judged(await server.login(token))

    if is_valid_new_localpart(subject):
        assert response.status_code == 200, response.text
        assert response.json()["user_id"] == user_id(subject)
    else:
        body = assert_matrix_4xx(response)
        assert body["errcode"] in ("M_INVALID_USERNAME", "M_FORBIDDEN"), body
        assert await count_rows(server, "users") == 0


def _surrogate_subject_token() -> str:
    from tests.api.support import hmac_jws

    return hmac_jws({"alg": "HS256"}, b'{"sub": "\\ud800"}')


@pytest.mark.parametrize(
    "confusable",
    ["\u212aermit", "\u212aERMIT", "\u0138ermit", "\uff4bermit", "k\u0435rmit"],
    ids=ascii,
)
async def test_confusable_subject_never_logs_in_as_an_existing_user(
    server: LiveServer, confusable: str
) -> None:
    """KELVIN SIGN lower-cases to an ASCII k: it must not reach @kermit's account."""
    kermit = await server.access_token(seed_jwt({"sub": "kermit"}))

    response = judged(await server.login(seed_jwt({"sub": confusable})))

    assert_error(response, 400, "M_INVALID_USERNAME")
    assert await count_rows(server, "users") == 1
    devices = (await server.client.get("/_matrix/client/v3/devices", headers=bearer(kermit))).json()
    assert len(devices["devices"]) == 1


@pytest.mark.parametrize(
    "name",
    ["\x00", "Alice\x00Admin", "\u202eecilA", "\U0001f600" * 50, "x" * 10_000],
    ids=["nul", "nul-inside", "rtl-override", "emoji", "10k-chars"],
)
async def test_hostile_display_name_claim_never_breaks_login(
    start_server: StartServer, name: str
) -> None:
    async with start_server(jwt=jwt_config(display_name_claim="name")) as live:
        response = judged(await live.login(seed_jwt({"sub": "alice", "name": name})))
        assert response.status_code == 200, response.text
        profile = judged(await live.client.get(f"/_matrix/client/v3/profile/{user_id('alice')}"))

    # A name that cannot be stored (NUL), or is absurdly long, is ignored: the user
    # gets the localpart; any other name is kept exactly.
    usable = "\x00" not in name and len(name) <= 1024
    assert profile.json()["displayname"] == (name if usable else "alice")


async def test_lone_surrogate_display_name_claim_never_breaks_login(
    start_server: StartServer,
) -> None:
    from tests.api.support import hmac_jws

    token = hmac_jws({"alg": "HS256"}, b'{"sub": "alice", "name": "\\ud800"}')
    async with start_server(jwt=jwt_config(display_name_claim="name")) as live:
        response = judged(await live.login(token))
        assert response.status_code == 200, response.text
        profile = judged(await live.client.get(f"/_matrix/client/v3/profile/{user_id('alice')}"))

    assert profile.json()["displayname"] == "alice"


# --- huge numbers in signed claims -------------------------------------------------------------

REPLAY_PROTECTED = {"require_exp": True, "jti_replay_protection": True}


@pytest.mark.parametrize(
    "exp",
    ["1" + "0" * 400, "1.7976931348623157e308", str(2**64 + 1)],
    ids=["10**400", "max-float", "2**64+1"],
)
async def test_a_signed_exp_past_any_float_logs_in_once_with_replay_protection(
    start_server: StartServer, exp: str
) -> None:
    """``exp = 10**400`` is a valid (late) expiry; keeping its ``jti`` once overflowed a float."""
    from tests.api.support import hmac_jws

    token = hmac_jws(
        {"alg": "HS256"}, f'{{"sub": "alice", "jti": "j-{exp[:4]}", "exp": {exp}}}'.encode()
    )
    async with start_server(jwt=jwt_config(**REPLAY_PROTECTED)) as live:
        first = judged(await live.login(token))
        replayed = judged(await live.login(token))
        used_ids = await count_rows(live, "jwt_used_ids")

    assert first.status_code == 200, first.text
    assert used_ids == 1
    assert_error(
        replayed,
        403,
        "M_FORBIDDEN",
        "JWT validation failed: invalid_token: The token has already been used",
    )


# --- bodies that are barely JSON -----------------------------------------------------------------

#: Deep enough for any parser's recursion, small enough to pass the 64 KiB default body limit.
DEEP = 30_000
NOT_JSON_BODIES = [
    pytest.param(b'{"type": "\xff"}', id="invalid-utf8-in-a-string"),
    pytest.param(b'{"type": "\xc0\xaf"}', id="overlong-utf8"),
    pytest.param(b'{"type": "\xed\xa0\x80"}', id="utf8-encoded-surrogate"),
    pytest.param(b'{"type": "\xe2\x82"}', id="truncated-utf8"),
    pytest.param(b"[" * DEEP, id="deep-open-brackets"),
    pytest.param(b"[" * DEEP + b"]" * DEEP, id="deep-nested-arrays"),
    pytest.param(b'{"a":' * (DEEP // 5) + b"1" + b"}" * (DEEP // 5), id="deep-nested-objects"),
    pytest.param(b'{"type": "x", "x": ' + b"[" * DEEP + b"}", id="deep-in-a-field"),
    pytest.param(b'{"type": "x", "device_id": NaN}', id="nan-in-a-field"),
    pytest.param(b'{"type": "x", "device_id": -Infinity}', id="minus-infinity"),
    pytest.param(b'{"type": "x", "device_id": 1e400}', id="float-overflow"),
    pytest.param(b'{"type": "x", "device_id": 1' + b"0" * 400 + b"}", id="400-digit-integer"),
    pytest.param(b'\xef\xbb\xbf{"type": "x"}', id="utf8-bom"),
    pytest.param('{"type": "x"}'.encode("utf-16"), id="utf16"),
    pytest.param(b'{"type": "x"}\x00', id="trailing-nul"),
    pytest.param(b'{"type": "x"} {"type": "y"}', id="two-documents"),
]


async def post_login(
    server: LiveServer, body: bytes, content_type: str | None = None
) -> httpx.Response:
    headers = {} if content_type is None else {"Content-Type": content_type}
    return await server.client.post(LOGIN, content=body, headers=headers)


@pytest.mark.parametrize("body", NOT_JSON_BODIES)
async def test_login_body_that_is_not_json_is_m_not_json(server: LiveServer, body: bytes) -> None:
    response = judged(await post_login(server, body, "application/json"))

    assert_error(response, 400, "M_NOT_JSON", "Content not JSON.")


@pytest.mark.parametrize("body", [b"[" * 100_000, b'{"type": "x", "x": ' + b"[{" * 100_000])
async def test_100k_deep_body_is_refused_before_it_is_parsed(
    server: LiveServer, body: bytes
) -> None:
    response = judged(await post_login(server, body, "application/json"))

    # Over the default body limit: refused while it streams in, never parsed.
    assert_error(response, 413, "M_TOO_LARGE")


async def test_moderately_deep_json_in_an_ignored_field_is_read(server: LiveServer) -> None:
    depth = 500  # orjson's limit is 1024 levels
    junk = b"[" * depth + b"]" * depth
    body = b'{"type": "%s", "token": "%s", "x": %s}' % (
        JWT_TYPE.encode(),
        seed_jwt({"sub": "alice"}).encode(),
        junk,
    )

    response = judged(await post_login(server, body, "application/json"))

    assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    "content_type",
    [
        None,
        "text/plain",
        "application/xml",
        "multipart/form-data; boundary=x",
        "application/json; charset=latin-1",
        "*/*",
    ],
)
async def test_content_type_never_changes_how_the_body_is_read(
    server: LiveServer, content_type: str | None
) -> None:
    """Synapse reads JSON whatever the Content-Type says; so does Tessera, and so do its errors."""
    good = json.dumps({"type": JWT_TYPE, "token": seed_jwt({"sub": "alice"})}).encode()

    accepted = judged(await post_login(server, good, content_type))
    refused = judged(await post_login(server, b"type=org.matrix.login.jwt&token=x", content_type))

    assert accepted.status_code == 200, accepted.text
    assert_error(refused, 400, "M_NOT_JSON")


@pytest.mark.parametrize(
    ("fields", "status"),
    [
        pytest.param('"token": "junk", "token": "{good}"', 200, id="token-last-valid"),
        pytest.param('"token": "{good}", "token": "junk"', 403, id="token-last-junk"),
        pytest.param('"device_id": "A", "device_id": "B"', 200, id="device-id-last-wins"),
    ],
)
async def test_duplicate_keys_in_a_body_are_read_as_the_last(
    server: LiveServer, fields: str, status: int
) -> None:
    good = seed_jwt({"sub": "alice"})
    token = "" if "token" in fields else f'"token": "{good}", '
    text = f'{{"type": "{JWT_TYPE}", {token}{fields.replace("{good}", good)}}}'

    response = judged(await post_login(server, text.encode(), "application/json"))

    assert response.status_code == status, response.text
    if "device_id" in fields:
        assert response.json()["device_id"] == "B"


async def test_duplicate_login_type_is_read_as_the_last(server: LiveServer) -> None:
    token = seed_jwt({"sub": "alice"})
    body = f'{{"type": "m.login.password", "token": "{token}", "type": "{JWT_TYPE}"}}'

    response = judged(await post_login(server, body.encode(), "application/json"))

    assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    ("field", "literal"),
    [
        ("device_id", "18446744073709551616"),
        ("device_id", "-0"),
        ("initial_device_display_name", "1.7976931348623157e308"),
        ("refresh_token", "1e308"),
        ("token", "12345678901234567890"),
        ("type", "-9223372036854775809"),
    ],
)
async def test_huge_numbers_where_strings_belong_are_clean_400s_or_403s(
    server: LiveServer, field: str, literal: str
) -> None:
    members = {"type": json.dumps(JWT_TYPE), "token": json.dumps(seed_jwt({"sub": "a1"}))}
    members[field] = literal
    body = "{" + ", ".join(f'"{k}": {v}' for k, v in members.items()) + "}"

    response = await post_login(server, body.encode(), "application/json")

    body_json = assert_matrix_4xx(response)
    assert response.status_code in (400, 403), body_json
    assert await count_rows(server, "devices") == 0


# --- the same bodies on authenticated endpoints --------------------------------------------------

AUTHENTICATED_WITH_BODIES = [
    ("PUT", "/_matrix/client/v3/profile/{user}/displayname"),
    ("PUT", "/_matrix/client/v3/profile/{user}/avatar_url"),
    ("PUT", "/_matrix/client/v3/devices/{device}"),
    ("DELETE", "/_matrix/client/v3/devices/{device}"),
    ("POST", "/_matrix/client/v3/delete_devices"),
    ("POST", "/_matrix/client/v3/account/deactivate"),
    ("POST", "/_matrix/client/v3/refresh"),
]
HOSTILE_BODIES = [
    b"",
    b"\xff\xfe",
    b'{"displayname": "\xed\xa0\x80"}',
    b"[" * DEEP,
    b'{"displayname": NaN, "display_name": Infinity}',
    b'{"devices": [1e400]}',
    b'{"refresh_token": 1' + b"0" * 400 + b"}",
    b'\xef\xbb\xbf{"displayname": "x"}',
    b'{"displayname": "a", "displayname": "b", "auth": {"type": 1}}',
    b'{"devices": "' + b"A" * 100 + b'", "auth": []}',
    b"null",
    b'"x"',
]


@pytest.mark.parametrize(("method", "path"), AUTHENTICATED_WITH_BODIES)
async def test_hostile_bodies_on_authenticated_endpoints_get_matrix_errors(
    server: LiveServer, method: str, path: str
) -> None:
    login = await server.login(seed_jwt({"sub": "alice"}), device_id="DEV")
    token = login.json()["access_token"]
    url = path.format(user=user_id("alice"), device="DEV")

    for body in HOSTILE_BODIES:
        for content_type in ("application/json", "text/plain"):
            response = await server.client.request(
                method, url, content=body, headers={**bearer(token), "Content-Type": content_type}
            )
            judged(response)
            if response.status_code != 200:
                assert_matrix_4xx(response)

    # Nothing hostile logged the session out or deactivated the user.
    assert judged(await whoami(server, token)).status_code == 200


def test_response_tally(capsys: pytest.CaptureFixture[str]) -> None:
    """Runs last in this module: how many responses were judged, and that none was a 5xx."""
    with capsys.disabled():
        print(
            f"\nhostile HTTP: {TALLY.seen} responses judged, {TALLY.server_errors} 5xx, "
            f"{TALLY.accepted_forgeries} forged tokens accepted"
        )
    assert TALLY.server_errors == 0
    assert TALLY.accepted_forgeries == 0


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "utf-16-le", "utf-32-be"])
@pytest.mark.parametrize("part", ["header", "payload"])
async def test_a_signed_token_whose_json_is_not_utf8_is_forbidden_with_the_reason(
    server: LiveServer, encoding: str, part: str
) -> None:
    header = json.dumps({"alg": "HS256", "typ": "JWT"})
    payload = json.dumps({"sub": "alice"})
    if part == "header":
        token = hmac_jws(header.encode(encoding), payload.encode())
        reason = "decode_error: Invalid header: JSON must be UTF-8 without a byte-order mark"
    else:
        token = hmac_jws(header.encode(), payload.encode(encoding))
        reason = "invalid_payload: Claims JSON must be UTF-8 without a byte-order mark"

    response = await server.login(token)

    assert_forbidden(response, f"JWT validation failed: {reason}")
    assert await count_rows(server, "users") == 0
