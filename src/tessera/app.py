"""Composition root: config → database → services → HTTP. The only module that sees every layer."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from starlette.applications import Starlette

from tessera.chat import build_chat
from tessera.config import Config, DatabaseConfig
from tessera.config.model import RateLimitConfig
from tessera.http.access_log import AccessLog
from tessera.http.admin.users import AdminEndpoints
from tessera.http.client.account import AccountEndpoints
from tessera.http.client.devices import DeviceEndpoints
from tessera.http.client.discovery import DiscoveryEndpoints
from tessera.http.client.login import LoginEndpoints
from tessera.http.client.profile import ProfileEndpoints
from tessera.http.client.session import SessionEndpoints
from tessera.http.errors import EXCEPTION_HANDLERS
from tessera.http.health import HealthEndpoint
from tessera.http.middleware import Frontend
from tessera.http.router import ExactPathRouter
from tessera.http.routes import Endpoints, fast_routes, routes
from tessera.jwt_providers import JwtKeys, build_jwt_login
from tessera.metrics import Metrics
from tessera.services.accounts import Accounts
from tessera.services.admin import Admin
from tessera.services.auth import Authenticator
from tessera.services.clock import Clock, system_clock
from tessera.services.devices import Devices
from tessera.services.last_seen import LastSeen
from tessera.services.login import LoginLimits, LoginService
from tessera.services.login.password import PasswordLogin
from tessera.services.login.token import ISSUE_LIMIT, TokenLogin
from tessera.services.login.types import LoginType
from tessera.services.passwords import Passwords
from tessera.services.profiles import Profiles
from tessera.services.rate_limits import BucketPurge, Limit, LocalLimit, SharedLimit
from tessera.services.sessions import Sessions
from tessera.services.streams import RoomMembership, Wakeup
from tessera.services.sync.notifier import Notifier
from tessera.services.threepids import Threepids
from tessera.services.uia import UserInteractiveAuth
from tessera.storage.database import (
    COMMAND_TIMEOUT,
    CONNECT_TIMEOUT,
    Database,
    postgres_tls,
    postgres_url,
    sqlite_url,
)
from tessera.storage.invalidation_listener import Channel, listener_for
from tessera.storage.repos.notifications import CHANNEL as SYNC_CHANNEL
from tessera.storage.repos.notifications import StreamChangeChannel, WakeChannel
from tessera.storage.repos.streams import CHANNEL as STREAMS_CHANNEL

#: Seconds a starting server waits for its LISTEN before serving without it.
LISTEN_WAIT = 5.0


@dataclass
class Application:
    """The assembled server: the ASGI app to serve and what it owns."""

    asgi: Frontend
    database: Database
    last_seen: LastSeen
    #: Fetches and reloads JWT keys; the lifespan starts and stops it.
    jwt_keys: JwtKeys | None = None
    #: Who waits on ``/sync``; closed when the server starts shutting down.
    notifier: Notifier | None = None


def open_database(config: DatabaseConfig, *, for_migrations: bool = False) -> Database:
    """A ``Database`` for the configured engine (no connection is made yet).

    ``for_migrations``: statements run without a time limit (an index on a big table).
    """
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
    return Database.from_url(
        url,
        config.cp_min,
        config.cp_max,
        connect_args=tls,
        command_timeout=None if for_migrations else COMMAND_TIMEOUT,
        connect_timeout=config.connect_timeout or CONNECT_TIMEOUT,
    )


def build_admin(config: Config) -> tuple[Admin, Database]:
    """The admin service over the configured database, for the CLI (no HTTP, no cache)."""
    db = open_database(config.database)
    authenticator = Authenticator(db)
    passwords = Passwords(config.password.pepper, config.bcrypt_rounds)
    admin = Admin(
        db,
        config.server_name,
        authenticator,
        Accounts(authenticator),
        passwords,
        LastSeen(db, system_clock),
        system_clock,
    )
    return admin, db


async def _follow_invalidations(
    db: Database, authenticator: Authenticator, notifier: Notifier
) -> asyncio.Task[None] | None:
    """On PostgreSQL, hear other processes' logouts and sync wake-ups; serve once listening
    (or after 5 s)."""
    channels: dict[str, Channel] = {
        SYNC_CHANNEL: WakeChannel(notifier),
        STREAMS_CHANNEL: StreamChangeChannel(notifier),
    }
    listener = listener_for(db, channels)
    if listener is None:
        return None
    follower = asyncio.create_task(listener.follow(authenticator))
    with contextlib.suppress(TimeoutError):
        # Not listening yet means the listener has logged why and keeps trying;
        # meanwhile the cache's 1 s TTL still bounds how stale a token can be.
        async with asyncio.timeout(LISTEN_WAIT):
            await listener.listening.wait()
    return follower


def _rate_limit(db: Database, clock: Clock, name: str, setting: RateLimitConfig) -> Limit:
    """An ``rc_*`` limit: on PostgreSQL in the database, so every worker shares one
    bucket per key; on SQLite (one process) in memory."""
    if db.dialect == "postgresql":
        return SharedLimit(db, name, setting.per_second, setting.burst_count, clock)
    return LocalLimit(setting.per_second, setting.burst_count, clock)


def _metrics(db: Database) -> Metrics:
    metrics = Metrics()

    async def count() -> None:
        async with db.read() as txn:
            metrics.users.set(await txn.users.count_active())
            metrics.devices.set(await txn.devices.count())

    metrics.on_scrape(count)
    if db.pool_stats() is not None:  # PostgreSQL; SQLite has no pool
        metrics.watch_pool(lambda: db.pool_stats() or {})
    return metrics


def build_app(
    config: Config,
    *,
    database: Database | None = None,
    clock: Clock = system_clock,
    membership: RoomMembership | None = None,
    wakeup: Wakeup | None = None,
) -> Application:
    """Wire a server for ``config``; ``database`` defaults to the configured one.

    ``membership`` (who is in which room, for receipts, typing and presence) and ``wakeup``
    (what a stream change wakes) default to the rooms' memberships and the sync notifier;
    tests may replace them.
    """
    db = database if database is not None else open_database(config.database)
    last_seen = LastSeen(db, clock)
    authenticator = Authenticator(
        db, clock=clock, ttl=config.access_token_cache_ttl / 1000, last_seen=last_seen
    )
    metrics = _metrics(db) if config.enable_metrics else None
    sessions = Sessions(db, authenticator, config.sessions, clock)

    jwt_keys = build_jwt_login(config, clock, metrics)
    jwt = jwt_keys.login if jwt_keys is not None else None
    accounts = Accounts(authenticator)
    threepids = Threepids(db)
    passwords = Passwords(config.password.pepper, config.bcrypt_rounds)
    rc = config.rc_login
    failed_logins = _rate_limit(db, clock, "rc_login.failed_attempts", rc.failed_attempts)
    password = (
        PasswordLogin(db, config.server_name, passwords, failed_logins)
        if config.password.enabled
        else None
    )
    login_tokens = (
        TokenLogin(
            db,
            config.login_tokens,
            clock,
            _rate_limit(db, clock, "login_token_request", ISSUE_LIMIT),
        )
        if config.login_tokens.enabled
        else None
    )
    # Synapse's order in GET /login: JWT, then token, then password.
    login_types: list[LoginType] = [t for t in (jwt, login_tokens, password) if t is not None]
    uia = UserInteractiveAuth(db, config.server_name, clock, jwt=jwt, password=password)
    discovery = DiscoveryEndpoints(
        authenticator, config.public_baseurl, login_tokens=login_tokens is not None
    )
    chat = build_chat(
        config,
        db,
        authenticator,
        clock,
        limit=lambda name, setting: _rate_limit(db, clock, name, setting),
        membership=membership,
        wakeup=wakeup,
    )
    login = LoginService(
        db,
        config.server_name,
        login_types,
        sessions,
        clock,
        limits=LoginLimits(
            address=_rate_limit(db, clock, "rc_login.address", rc.address),
            account=_rate_limit(db, clock, "rc_login.account", rc.account),
        ),
        offers_login_tokens=login_tokens is not None,
        metrics=metrics,
        forget_user=authenticator.forget_user,
        user_created=chat.auto_join.user_created,
    )
    endpoints = Endpoints(
        login=LoginEndpoints(login, config.server_name, discovery.well_known_body),
        account=AccountEndpoints(authenticator, sessions, accounts, uia, threepids),
        devices=DeviceEndpoints(authenticator, Devices(db, authenticator, last_seen), uia),
        profile=ProfileEndpoints(authenticator, Profiles(db)),
        session=SessionEndpoints(
            authenticator,
            sessions,
            login_tokens,
            uia if config.login_tokens.require_ui_auth else None,
        ),
        discovery=discovery,
        health=HealthEndpoint(db.ping),
        admin=AdminEndpoints(
            authenticator,
            Admin(
                db,
                config.server_name,
                authenticator,
                accounts,
                passwords,
                last_seen,
                clock,
                user_created=chat.auto_join.user_created,
            ),
            threepids,
        ),
        get_token=login_tokens is not None,
        **chat.endpoints,
    )

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        flusher = asyncio.create_task(last_seen.run())
        typing_sweeper = asyncio.create_task(chat.typing.run())
        shared_buckets = db.dialect == "postgresql"
        purger = asyncio.create_task(BucketPurge(db, clock).run()) if shared_buckets else None
        if jwt_keys is not None:
            await jwt_keys.start()
        follower = await _follow_invalidations(db, authenticator, chat.notifier)
        yield
        flusher.cancel()
        typing_sweeper.cancel()
        if purger is not None:
            purger.cancel()
        if jwt_keys is not None:
            await jwt_keys.stop()
        if follower is not None:
            follower.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await follower
        await last_seen.flush()
        await db.close()

    handlers = EXCEPTION_HANDLERS
    starlette = Starlette(exception_handlers=handlers)
    # Matrix paths have no trailing-slash twins: `/login/` is unknown, not a redirect.
    starlette.router = ExactPathRouter(routes(endpoints), redirect_slashes=False, lifespan=lifespan)
    access_log = AccessLog(json_lines=config.log_format == "json")
    frontend = Frontend(
        starlette,
        config.max_request_body_size,
        access_log=access_log,
        metrics=metrics,
    )
    frontend.fast_routes = fast_routes(endpoints)
    frontend.listen_on((listener.port, listener) for listener in config.listeners)
    return Application(frontend, db, last_seen, jwt_keys, chat.notifier)
