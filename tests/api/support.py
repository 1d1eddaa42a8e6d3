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
from tessera.services.passwords import Passwords
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
    async with server.database.connection() as conn:
        result = await conn.execute(text(f"SELECT count(*) FROM {table}"))
        return int(result.scalar_one())


async def deactivate(server: LiveServer, localpart: str) -> None:
    async with server.database.write() as txn:
        await txn.users.set_deactivated(user_id(localpart), True)


async def access_token_for(server: LiveServer, localpart: str, **fields: Any) -> str:
    """An access token of ``localpart`` from a seed JWT login (``fields`` join the body)."""
    return await server.access_token(seed_jwt({"sub": localpart}), **fields)


async def admin_headers(server: LiveServer) -> dict[str, str]:
    """Authorization headers of ``@root``, logged in and then made a server admin."""
    token = await access_token_for(server, "root")
    async with server.database.write() as txn:
        await txn.users.set_admin(user_id("root"), True)
    return bearer(token)


# --- the session API: UIA, refresh, passwords, a clock tests move ----------------------------

PASSWORD_TYPE = "m.login.password"
TOKEN_TYPE = "m.login.token"
REFRESH = "/_matrix/client/v3/refresh"
DEACTIVATE = "/_matrix/client/v3/account/deactivate"
DELETE_DEVICES = "/_matrix/client/v3/delete_devices"
CAPABILITIES = "/_matrix/client/v3/capabilities"
GET_TOKEN = "/_matrix/client/v1/login/get_token"
#: 2023-11-14T22:13:20Z: any fixed instant will do; tests move it forward by hand.
EPOCH = 1_700_000_000.0


class ManualClock:
    """A clock for ``start_server(clock=...)`` that stands still until ``advance``d."""

    def __init__(self, now: float = EPOCH) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds

    def ms(self) -> int:
        return int(self.now * 1000)


def jwt_auth(localpart: str, session: str | None = None) -> dict[str, Any]:
    """A UIA ``auth`` object re-authenticating ``localpart`` with a fresh seed JWT."""
    auth: dict[str, Any] = {"type": JWT_TYPE, "token": seed_jwt({"sub": localpart})}
    if session is not None:
        auth["session"] = session
    return auth


def password_auth(user: str, password: str, session: str | None = None) -> dict[str, Any]:
    """A UIA ``auth`` object for the ``m.login.password`` stage."""
    auth: dict[str, Any] = {
        "type": PASSWORD_TYPE,
        "identifier": {"type": "m.id.user", "user": user},
        "password": password,
    }
    if session is not None:
        auth["session"] = session
    return auth


def assert_auth_required(response: httpx.Response, stages: tuple[str, ...] = (JWT_TYPE,)) -> str:
    """A first UIA 401: exactly one flow per stage, empty params and a session; returns it."""
    assert response.status_code == 401, response.text
    body: dict[str, Any] = response.json()
    session = body.get("session")
    assert isinstance(session, str), body
    assert session, body
    assert body == {
        "flows": [{"stages": [stage]} for stage in stages],
        "params": {},
        "session": session,
    }
    return session


async def set_password(server: LiveServer, localpart: str, password: str) -> None:
    """Give an existing user a bcrypt password hash (4 rounds: fast)."""
    password_hash = await Passwords(rounds=4).hash(password)
    async with server.database.write() as txn:
        await txn.users.set_password_hash(user_id(localpart), password_hash)


async def device_ids(server: LiveServer, access_token: str) -> list[str]:
    response = await server.client.get(DEVICES, headers=bearer(access_token))
    assert response.status_code == 200, response.text
    return [device["device_id"] for device in response.json()["devices"]]
