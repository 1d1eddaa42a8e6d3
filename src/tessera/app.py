"""Composition root: config → database → services → HTTP. The only module that sees every layer."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.applications import Starlette

from tessera.config import Config, ConfigError, DatabaseConfig, JwtConfig
from tessera.core.jwt_keys import KeyConfigError, load_verification_key
from tessera.core.jwt_login import JwtPolicy
from tessera.http.client.account import AccountEndpoints
from tessera.http.client.devices import DeviceEndpoints
from tessera.http.client.login import LoginEndpoints
from tessera.http.client.profile import ProfileEndpoints
from tessera.http.errors import EXCEPTION_HANDLERS
from tessera.http.middleware import Frontend
from tessera.http.routes import Endpoints, routes
from tessera.services.auth import Authenticator
from tessera.services.clock import Clock, system_clock
from tessera.services.devices import Devices
from tessera.services.login import LoginService
from tessera.services.login.jwt import JwtLogin
from tessera.services.login.types import LoginType
from tessera.services.profiles import Profiles
from tessera.services.sessions import Sessions
from tessera.storage.database import Database, postgres_url, sqlite_url


@dataclass
class Application:
    """The assembled server: the ASGI app to serve and what it owns."""

    asgi: Frontend
    database: Database


def build_jwt_policy(jwt: JwtConfig) -> JwtPolicy:
    """The verification policy for an enabled ``jwt_config``.

    Raises:
        ConfigError: naming ``jwt_config.secret`` or ``.algorithm`` when the key is unusable.
    """
    assert jwt.secret is not None and jwt.algorithm is not None
    try:
        key = load_verification_key(jwt.secret, jwt.algorithm)
    except KeyConfigError as exc:
        field = "algorithm" if str(exc).startswith("unsupported algorithm") else "secret"
        raise ConfigError(f"jwt_config.{field}", str(exc)) from None
    return JwtPolicy(
        key=key,
        algorithm=jwt.algorithm,
        subject_claim=jwt.subject_claim,
        display_name_claim=jwt.display_name_claim,
        issuer=jwt.issuer,
        audiences=jwt.audiences,
    )


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
    return Database.from_url(url, config.cp_min, config.cp_max)


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
    starlette = Starlette(routes=routes(endpoints), exception_handlers=EXCEPTION_HANDLERS)
    return Application(Frontend(starlette, config.max_request_body_size), db)
