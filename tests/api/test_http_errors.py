"""Matrix error bodies for HTTP-level failures, CORS on every response, and the body size limit."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from tests.api.support import (
    DEVICES,
    JWT_TYPE,
    LOGIN,
    LOGOUT,
    LOGOUT_ALL,
    WHOAMI,
    assert_error,
    bearer,
    seed_jwt,
)
from tests.conftest import LiveServer, StartServer

VERSIONS = "/_matrix/client/versions"
LIMIT = 1024


def assert_cors(response: httpx.Response) -> None:
    """The headers the spec's "Web Browser Clients" section asks of every response."""
    headers = response.headers
    assert headers.get("access-control-allow-origin") == "*", dict(headers)
    methods = {m.strip() for m in headers.get("access-control-allow-methods", "").split(",")}
    assert methods >= {"GET", "POST", "PUT", "DELETE", "OPTIONS"}, methods
    allowed = {
        h.strip().lower() for h in headers.get("access-control-allow-headers", "").split(",")
    }
    assert allowed >= {"x-requested-with", "content-type", "authorization"}, allowed


def login_body_of_size(size: int) -> bytes:
    """A JSON login body of exactly ``size`` bytes (its token is junk)."""
    empty = f'{{"type":"{JWT_TYPE}","token":""}}'.encode()
    body = f'{{"type":"{JWT_TYPE}","token":"{"x" * (size - len(empty))}"}}'.encode()
    assert len(body) == size
    return body


async def in_chunks(data: bytes, chunk: int = 256) -> AsyncIterator[bytes]:
    for start in range(0, len(data), chunk):
        yield data[start : start + chunk]


# --- unrecognised requests -------------------------------------------------------------------


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/_matrix/client/v3/nope",
        "/_matrix/client/v4/login",
        "/_matrix/client/v3/login/extra",
        "/_matrix/client/api/v1/account/whoami",
        "/_matrix/client/v3/profile/@alice:test.local/pronouns",
        "/_matrix/client/versions/",
        "/_matrix/client/v3/login/",
    ],
)
async def test_unknown_path_is_404_unrecognized(server: LiveServer, method: str, path: str) -> None:
    response = await server.client.request(method, path)

    assert_error(response, 404, "M_UNRECOGNIZED", "Unrecognized request")
    assert_cors(response)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("PUT", LOGIN),
        ("DELETE", LOGIN),
        ("PATCH", "/_matrix/client/r0/login"),
        ("GET", LOGOUT),
        ("GET", LOGOUT_ALL),
        ("POST", WHOAMI),
        ("DELETE", DEVICES),
        ("POST", VERSIONS),
    ],
)
async def test_wrong_method_is_405_unrecognized(server: LiveServer, method: str, path: str) -> None:
    response = await server.client.request(method, path)

    assert_error(response, 405, "M_UNRECOGNIZED", "Unrecognized request")
    assert_cors(response)


# --- bodies ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not json",
        b"{",
        b'{"type": "org.matrix.login.jwt",}',
        b"{'type': 'org.matrix.login.jwt'}",
        b'{"type": NaN}',
        b'{"type": Infinity}',
        b"\xff\xfe\x00",
        b'{"type": "\\ud800"}',
    ],
    ids=repr,
)
async def test_body_that_is_not_json_is_m_not_json(server: LiveServer, body: bytes) -> None:
    response = await server.client.post(
        LOGIN, content=body, headers={"Content-Type": "application/json"}
    )

    assert_error(response, 400, "M_NOT_JSON", "Content not JSON.")
    assert_cors(response)


@pytest.mark.parametrize(
    "body", [b"[]", b'["org.matrix.login.jwt"]', b'"org.matrix.login.jwt"', b"42", b"null", b"true"]
)
async def test_json_that_is_not_an_object_is_m_bad_json(server: LiveServer, body: bytes) -> None:
    response = await server.client.post(
        LOGIN, content=body, headers={"Content-Type": "application/json"}
    )

    assert_error(response, 400, "M_BAD_JSON", "Content must be a JSON object.")


async def test_json_body_is_read_whatever_the_content_type(server: LiveServer) -> None:
    """``curl --data`` (the seed page's step 4) sends form-urlencoded."""
    body = f'{{"type":"{JWT_TYPE}","token":"{seed_jwt({"sub": "alice"})}"}}'

    response = await server.client.post(
        LOGIN, content=body, headers={"Content-Type": "application/x-www-form-urlencoded"}
    )

    assert response.status_code == 200, response.text


# --- access tokens ---------------------------------------------------------------------------


AUTHENTICATED = [("GET", WHOAMI), ("GET", DEVICES), ("POST", LOGOUT), ("POST", LOGOUT_ALL)]


@pytest.mark.parametrize(("method", "path"), AUTHENTICATED)
async def test_request_without_a_token_is_missing_token(
    server: LiveServer, method: str, path: str
) -> None:
    response = await server.client.request(method, path)

    body = assert_error(response, 401, "M_MISSING_TOKEN", "Missing access token")
    assert "soft_logout" not in body
    assert_cors(response)


@pytest.mark.parametrize(
    "authorization", ["Bearer", "Basic YWxpY2U6c2VjcmV0", "Token abc"], ids=repr
)
async def test_authorization_without_a_bearer_token_is_missing_token(
    server: LiveServer, authorization: str
) -> None:
    response = await server.client.get(WHOAMI, headers={"Authorization": authorization})

    assert_error(response, 401, "M_MISSING_TOKEN")


@pytest.mark.parametrize(("method", "path"), AUTHENTICATED)
async def test_unknown_bearer_token_is_unknown_token_without_soft_logout(
    server: LiveServer, method: str, path: str
) -> None:
    response = await server.client.request(method, path, headers=bearer("tat_never_issued"))

    body = assert_error(response, 401, "M_UNKNOWN_TOKEN", "Invalid access token passed.")
    assert body["soft_logout"] is False
    assert_cors(response)


@pytest.mark.parametrize("token", ["tat_never_issued", "x" * 5000, "\u00e9\u00e9", "\u0000"])
async def test_unknown_query_token_is_unknown_token_without_soft_logout(
    server: LiveServer, token: str
) -> None:
    response = await server.client.get(WHOAMI, params={"access_token": token})

    body = assert_error(response, 401, "M_UNKNOWN_TOKEN", "Invalid access token passed.")
    assert body["soft_logout"] is False


async def test_login_token_is_not_an_access_token(server: LiveServer) -> None:
    response = await server.client.get(WHOAMI, headers=bearer(seed_jwt({"sub": "alice"})))

    assert_error(response, 401, "M_UNKNOWN_TOKEN")


# --- CORS ------------------------------------------------------------------------------------


async def test_successful_responses_carry_cors_headers(server: LiveServer) -> None:
    login = await server.login(seed_jwt({"sub": "alice"}))
    access_token = login.json()["access_token"]
    responses = [
        login,
        await server.client.get(VERSIONS),
        await server.client.get(LOGIN),
        await server.client.get(WHOAMI, headers=bearer(access_token)),
        await server.client.get(DEVICES, headers=bearer(access_token)),
        await server.client.get("/_matrix/client/v3/profile/@alice:test.local/displayname"),
        await server.client.post(LOGOUT, headers=bearer(access_token)),
    ]

    for response in responses:
        assert response.status_code == 200, response.text
        assert_cors(response)


async def test_forbidden_login_carries_cors_headers(server: LiveServer) -> None:
    response = await server.login("not-a-jwt")

    assert response.status_code == 403
    assert_cors(response)


@pytest.mark.parametrize(
    "path", [LOGIN, WHOAMI, "/_matrix/client/v3/nope", "/", "/_matrix/client/versions"]
)
async def test_options_preflight_is_answered_204_on_any_path(server: LiveServer, path: str) -> None:
    response = await server.client.request(
        "OPTIONS",
        path,
        headers={
            "Origin": "https://app.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )

    assert response.status_code == 204, response.text
    assert response.content == b""
    assert_cors(response)


# --- body size limit -------------------------------------------------------------------------


async def test_body_over_the_limit_is_too_large(start_server: StartServer) -> None:
    async with start_server(max_request_body_size=LIMIT) as live:
        response = await live.client.post(LOGIN, content=login_body_of_size(LIMIT + 1))

    assert_error(response, 413, "M_TOO_LARGE", f"Request content is too large (>{LIMIT})")
    assert_cors(response)


async def test_streamed_body_over_the_limit_is_too_large(start_server: StartServer) -> None:
    async with start_server(max_request_body_size=LIMIT) as live:
        response = await live.client.post(LOGIN, content=in_chunks(login_body_of_size(LIMIT * 4)))

    assert response.request.headers.get("transfer-encoding") == "chunked"
    assert_error(response, 413, "M_TOO_LARGE", f"Request content is too large (>{LIMIT})")
    assert_cors(response)


@pytest.mark.parametrize("streamed", [False, True], ids=["content-length", "chunked"])
async def test_body_at_the_limit_is_read(start_server: StartServer, streamed: bool) -> None:
    body = login_body_of_size(LIMIT)
    async with start_server(max_request_body_size=LIMIT) as live:
        response = await live.client.post(LOGIN, content=in_chunks(body) if streamed else body)

    # Read and judged: the junk token is refused, not the size.
    assert_error(response, 403, "M_FORBIDDEN")


async def test_default_limit_refuses_a_megabyte_body(server: LiveServer) -> None:
    response = await server.client.post(LOGIN, content=login_body_of_size(1024 * 1024))

    assert_error(response, 413, "M_TOO_LARGE")
