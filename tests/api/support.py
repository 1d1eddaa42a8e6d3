"""What the API tests share: paths, auth headers, hand-built JWTs and Matrix error checks."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

import httpx
from sqlalchemy import text

from tessera.config import JwtConfig
from tests.conftest import SEED_SECRET, SERVER_NAME, LiveServer
from tests.support.keys import sign

JWT_TYPE = "org.matrix.login.jwt"
CLIENT_PREFIXES = ("/_matrix/client/r0", "/_matrix/client/v3")
LOGIN_PREFIXES = (*CLIENT_PREFIXES, "/_matrix/client/api/v1")
LOGIN = "/_matrix/client/v3/login"
WHOAMI = "/_matrix/client/v3/account/whoami"
LOGOUT = "/_matrix/client/v3/logout"
LOGOUT_ALL = "/_matrix/client/v3/logout/all"
DEVICES = "/_matrix/client/v3/devices"


def user_id(localpart: str) -> str:
    return f"@{localpart}:{SERVER_NAME}"


def seed_jwt(claims: dict[str, Any]) -> str:
    """A real HS256 token signed with the seed page's secret."""
    return sign(claims, SEED_SECRET)


def jwt_config(**overrides: Any) -> JwtConfig:
    """The seed page's ``jwt_config`` plus ``overrides``."""
    settings: dict[str, Any] = {"enabled": True, "secret": SEED_SECRET, "algorithm": "HS256"}
    return JwtConfig(**{**settings, **overrides})


def bearer(access_token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {access_token}"}


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _raw(part: bytes | dict[str, Any] | list[Any] | str) -> bytes:
    return part if isinstance(part, bytes) else json.dumps(part).encode()


def hmac_jws(
    header: bytes | dict[str, Any],
    payload: bytes | dict[str, Any] | list[Any] | str,
    secret: str = SEED_SECRET,
    digest: str = "sha256",
) -> str:
    """A compact JWS over arbitrary header and payload bytes, with a correct HMAC.

    joserfc refuses to build the odd tokens some tests need (a list payload, a
    ``crit`` that is not a list …); this signs whatever it is given.
    """
    signing_input = f"{b64url(_raw(header))}.{b64url(_raw(payload))}"
    mac = hmac.new(secret.encode(), signing_input.encode(), getattr(hashlib, digest))
    return f"{signing_input}.{b64url(mac.digest())}"


def assert_error(
    response: httpx.Response, status: int, errcode: str, error: str | None = None
) -> dict[str, Any]:
    """``response`` is a Matrix error body with this status, errcode and (if given) text."""
    assert response.status_code == status, (
        response.status_code,
        dict(response.headers),
        response.text,
    )
    assert response.headers["content-type"].startswith("application/json")
    body: dict[str, Any] = response.json()
    assert body["errcode"] == errcode, body
    assert isinstance(body["error"], str)
    if error is not None:
        assert body["error"] == error, body
    return body


def assert_forbidden(response: httpx.Response, error: str) -> None:
    assert_error(response, 403, "M_FORBIDDEN", error)


def assert_jwt_validation_failed(response: httpx.Response) -> str:
    """A 403 ``JWT validation failed: <reason>`` with a non-empty reason; returns the reason."""
    body = assert_error(response, 403, "M_FORBIDDEN")
    prefix = "JWT validation failed: "
    assert body["error"].startswith(prefix), body
    reason: str = body["error"][len(prefix) :]
    assert reason.strip(), body
    return reason


async def whoami(server: LiveServer, access_token: str) -> httpx.Response:
    return await server.client.get(WHOAMI, headers=bearer(access_token))


async def count_rows(server: LiveServer, table: str) -> int:
    async with server.database.engine.connect() as conn:
        result = await conn.execute(text(f"SELECT count(*) FROM {table}"))
        return int(result.scalar_one())


async def deactivate(server: LiveServer, localpart: str) -> None:
    async with server.database.write() as txn:
        await txn.users.set_deactivated(user_id(localpart), True)
