"""Composition root: config → database → services → HTTP. The only module that sees every layer."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from starlette.applications import Starlette

from tessera.config import Config, DatabaseConfig
from tessera.http.client.account import AccountEndpoints
from tessera.http.client.devices import DeviceEndpoints
from tessera.http.client.login import LoginEndpoints
from tessera.http.client.profile import ProfileEndpoints
from tessera.http.errors import EXCEPTION_HANDLERS
from tessera.http.middleware import Frontend
from tessera.http.routes import Endpoints, routes
from tessera.policy import build_jwt_policy
from tessera.services.auth import Authenticator
from tessera.services.clock import Clock, system_clock
from tessera.services.devices import Devices
from tessera.services.login import LoginService
from tessera.services.login.jwt import JwtLogin
from tessera.services.login.types import LoginType
from tessera.services.profiles import Profiles
from tessera.services.sessions import Sessions
from tessera.storage.database import Database, postgres_tls, postgres_url, sqlite_url


@dataclass
class Application:
    """The assembled server: the ASGI app to serve and what it owns."""

    asgi: Frontend
    database: Database


def open_database(config: DatabaseConfig) -> Database:
    """A ``Database`` for the configured engine (no connection is made yet)."""
    if config.engine == "sqlite":
        assert config.sqlite_path is not None
        return Database.from_url(sqlite_url(config.sqlite_path))
    url = postgres_url(
        user=config.user,
        password=config.password,
        database=config.database,
        host=config.host,
        port=config.port,
    )
    tls = postgres_tls(config.sslmode, config.sslrootcert, config.sslcert, config.sslkey)
    return Database.from_url(url, config.cp_min, config.cp_max, connect_args=tls)


def build_app(
    config: Config, *, database: Database | None = None, clock: Clock = system_clock
) -> Application:
    """Wire a server for ``config``; ``database`` defaults to the configured one."""
    db = database if database is not None else open_database(config.database)
    login_types: list[LoginType] = []
    if config.jwt.enabled:
        login_types.append(JwtLogin(build_jwt_policy(config.jwt), clock))

    authenticator = Authenticator(db)
    endpoints = Endpoints(
        login=LoginEndpoints(
            LoginService(db, config.server_name, login_types, clock), config.server_name
        ),
        account=AccountEndpoints(authenticator, Sessions(db, authenticator)),
        devices=DeviceEndpoints(authenticator, Devices(db)),
        profile=ProfileEndpoints(Profiles(db)),
    )

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        yield
        await db.close()

    starlette = Starlette(
        routes=routes(endpoints), exception_handlers=EXCEPTION_HANDLERS, lifespan=lifespan
    )
    # Matrix paths have no trailing-slash twins: `/login/` is unknown, not a redirect.
    starlette.router.redirect_slashes = False
    return Application(Frontend(starlette, config.max_request_body_size), db)
