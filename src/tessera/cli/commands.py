"""What each ``tessera`` sub-command does.

The server's modules (SQLAlchemy, uvicorn, Starlette) are imported inside the
commands that need them, so `tessera jwt mint` and `--help` start quickly.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import logging
import os
import shlex
import signal
import sqlite3
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path

from tessera.config import Config, ConfigError, JwtConfig, load_config
from tessera.config.generate import generate_config as render_config
from tessera.core.jwt_keys import HMAC_ALGORITHMS, is_weak_hmac_secret
from tessera.core.jwt_keyset import is_jwk
from tessera.listeners import Bound
from tessera.policy import build_claim_mapping, build_jwt_policy

logger = logging.getLogger("tessera")


class CommandError(Exception):
    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def load_checked(path: str, exit_code: int = 1) -> Config:
    """The config at ``path`` with its JWT key checked, or a CommandError naming the key."""
    try:
        config = load_config(path)
        for jwt in config.jwt_logins:  # a bad key or template fails now, not at a login
            build_jwt_policy(jwt)
            build_claim_mapping(jwt)
    except ConfigError as exc:
        raise CommandError(f"configuration error in {path}: {exc}", exit_code) from None
    return config


def _report(config: Config) -> None:
    if config.ignored_keys:
        logger.warning(
            "these Synapse settings are not implemented by Tessera and are ignored: %s",
            ", ".join(config.ignored_keys),
        )
    for warning in config.warnings:
        logger.warning("%s", warning)
    jwt = config.jwt
    secret = jwt.secret or ""
    hmac = any(algorithm in HMAC_ALGORITHMS for algorithm in jwt.algorithm_list)
    if jwt.enabled and hmac and not is_jwk(secret) and is_weak_hmac_secret(secret):
        logger.warning("jwt_config.secret is shorter than 32 bytes; use a longer random secret")


def _program() -> str:
    """How the user ran us, so the printed hint runs as is (``.venv/bin/tessera`` under make)."""
    argv0 = sys.argv[0]
    if argv0.endswith("__main__.py"):
        return f"{shlex.quote(sys.executable)} -m tessera"
    return shlex.quote(argv0) if os.sep in argv0 else "tessera"


class _JsonFormatter(logging.Formatter):
    """One JSON object per line, with the access log's field names."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry)


def _setup_logging(log_format: str = "text") -> None:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    if log_format == "json":
        for handler in logging.getLogger().handlers:
            handler.setFormatter(_JsonFormatter())
    # Alembic announces each of its plugins at INFO; the migrations it runs stay visible.
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)


@contextmanager
def _database_errors() -> Iterator[None]:
    """One line instead of a traceback when the database cannot be used at startup."""
    from tessera.storage.errors import DatabaseUnavailable

    try:
        yield
    except Exception as exc:
        # SQLAlchemy is loaded only for PostgreSQL and migrations: unloaded, it raised nothing.
        sqlalchemy_errors = sys.modules.get("sqlalchemy.exc")
        if isinstance(exc, (DatabaseUnavailable, OSError, sqlite3.Error)) or (
            sqlalchemy_errors is not None and isinstance(exc, sqlalchemy_errors.DBAPIError)
        ):
            cause = exc.__cause__ or exc
            detail = str(getattr(cause, "orig", None) or cause).splitlines()[0]
            raise CommandError(
                f"cannot use the database: {type(cause).__name__}: {detail}"
            ) from None
        # Alembic is only imported when a migration runs (0.13 s and 10 MiB a start
        # otherwise): if it is not loaded, this cannot be one of its errors.
        alembic_util = sys.modules.get("alembic.util")
        if alembic_util is None or not isinstance(exc, alembic_util.CommandError):
            raise
        raise CommandError(
            f"database migration failed: {exc} (is the database from a newer Tessera?)"
        ) from None


def run(args: argparse.Namespace) -> int:
    from tessera.app import build_app
    from tessera.serve import bind_listeners, event_loop_runner, process_limits, serve

    config = load_checked(args.config)
    _setup_logging(config.log_format)
    _report(config)
    if not any(listener.type == "http" for listener in config.listeners):
        raise CommandError(f"{args.config}: no `listeners` with a client resource to serve")
    limits = process_limits(config)  # before forking: workers inherit the open-file limit
    _ensure_signing_key(config)  # before forking workers: one key, made once
    if args.workers != 1:
        return _run_workers(args, config)
    ignore_sighup()
    application = build_app(config)
    try:
        sockets = bind_listeners(config.listeners)
    except OSError as exc:
        raise CommandError(str(exc)) from None
    application.asgi.listen_on((sock.getsockname()[1], listener) for sock, listener in sockets)

    async def main() -> None:
        await _migrate_once(config)  # without the serving pool's statement timeout
        _announce(args, config, sockets)
        await serve(
            application,
            [sock for sock, _ in sockets],
            config.request_read_timeout / 1000,
            limits,
        )

    with _database_errors():
        event_loop_runner()(main())  # type: ignore[operator]
    return 0


def ignore_sighup() -> None:
    """SIGHUP rereads key files (``jwt_providers.JwtKeys`` handles it once serving); until
    then, or with nothing to reread, it must not stop the server as its default action would.
    """
    signal.signal(signal.SIGHUP, signal.SIG_IGN)


def _announce(args: argparse.Namespace, config: Config, bound: Bound) -> None:
    """The lines a user (and the e2e tests) wait for: where to connect, how to get a token."""
    from tessera.serve import socket_url

    workers = f" with {args.workers} workers" if args.workers > 1 else ""
    for sock, listener in bound:
        what = "serving metrics on" if listener.type == "metrics" else "listening on"
        print(f"Tessera is {what} {socket_url(sock)}{workers}", flush=True)
    if config.jwt.enabled:
        mint_command = f"{_program()} jwt mint -c {shlex.quote(args.config)} --sub alice"
        print(f"Mint a login token with: {mint_command}", flush=True)


def _run_workers(args: argparse.Namespace, config: Config) -> int:
    """``run --workers N``: migrate once, then fork N serving children and supervise them."""
    from tessera import workers

    if args.workers < 1:
        raise CommandError(f"--workers must be at least 1, not {args.workers}")
    if config.database.engine == "sqlite":
        raise CommandError(
            f"--workers {args.workers}: SQLite stays single-process (Tessera serialises "
            "its writes in one process); use PostgreSQL for several workers, or run "
            "without --workers"
        )
    if not workers.supported():
        raise CommandError("--workers needs fork() and SO_REUSEPORT (Linux or a BSD)")
    try:
        anchors = workers.reserve(config.listeners)
    except OSError as exc:
        raise CommandError(str(exc)) from None
    with _database_errors():
        asyncio.run(_migrate_once(config))  # before forking: children find the schema ready
    supervisor = workers.Supervisor(args.workers, anchors, partial(_serve_child, config))
    return supervisor.run(partial(_announce, args, config, anchors))


async def _migrate_once(config: Config) -> None:
    from tessera.app import open_database
    from tessera.storage.migrate import migrate as apply_migrations

    database = open_database(config.database, for_migrations=True)
    try:
        await apply_migrations(database, config.sole_jwt_provider)
    finally:
        await database.close()


def _serve_child(config: Config, bound: Bound) -> None:
    """One worker: its own app, pool and event loop on its own sockets (in the child)."""
    from tessera.app import build_app
    from tessera.serve import event_loop_runner, process_limits, serve
    from tessera.workers import exit_with_parent

    application = build_app(config)
    application.asgi.listen_on((sock.getsockname()[1], listener) for sock, listener in bound)
    parent = os.getppid()

    async def main() -> None:
        watchdog = asyncio.create_task(exit_with_parent(parent))
        try:
            await serve(
                application,
                [sock for sock, _ in bound],
                config.request_read_timeout / 1000,
                process_limits(config),
            )
        finally:
            watchdog.cancel()

    event_loop_runner()(main())  # type: ignore[operator]


def generate_config(args: argparse.Namespace) -> int:
    target = Path(args.output)
    if target.exists() and not args.force:
        raise CommandError(f"{target} exists; pass --force to overwrite it")
    text = render_config(args.server_name, args.port, args.bind_address, args.database)
    # The file holds the JWT secret: readable by its owner only.
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(text)
    os.chmod(target, 0o600)
    print(f"Wrote {target} (server_name: {args.server_name})")
    _write_signing_key(target.resolve().parent / f"{args.server_name}.signing.key")
    return 0


def _write_signing_key(path: Path) -> None:
    """Create the signing key ``generate-config``'s file names, keeping an existing one."""
    from tessera.storage.signing_key_file import write_new_signing_key

    try:
        key = write_new_signing_key(path)
    except FileExistsError:
        print(f"Kept the existing signing key {path}")
        return
    except OSError as exc:
        raise CommandError(f"cannot create signing key {path}: {exc.strerror}") from None
    print(f"Wrote {path} (signing key {key.key_id})")


def _ensure_signing_key(config: Config) -> None:
    """``run``: the configured key file must be usable; a missing one is created, as
    Synapse's ``--generate-keys`` does, so configs from before event signing still start."""
    from tessera.storage.signing_key_file import SigningKeyFileError, load_or_create_signing_key

    assert config.signing_key_path is not None
    try:
        key, created = load_or_create_signing_key(config.signing_key_path)
    except SigningKeyFileError as exc:
        raise CommandError(str(exc)) from None
    if created:
        logger.info("created a new signing key %s in %s", key.key_id, config.signing_key_path)
    _warn_if_world_readable(config.signing_key_path)


def _warn_if_world_readable(path: Path) -> None:
    from tessera.storage.signing_key_file import readable_by_everyone

    if readable_by_everyone(path):
        logger.warning("signing key %s is readable by every user: `chmod 600` it", path)


def check_config(args: argparse.Namespace) -> int:
    _setup_logging()
    config = load_checked(args.config)
    _report(config)
    jwt = config.jwt
    print(f"{args.config}: OK")
    print(f"  server_name: {config.server_name}")
    print(f"  database: {config.database.engine}")
    for listener in config.listeners:
        print(f"  listener: {', '.join(listener.bind_addresses)} port {listener.port}")
    algorithms = ", ".join(jwt.algorithm_list)
    print(f"  JWT login: {f'enabled ({algorithms})' if jwt.enabled else 'disabled'}")
    _check_signing_key(config.signing_key_path)
    return 0


def _check_signing_key(path: Path | None) -> None:
    """``check-config``'s line for the signing key; a file that exists must be usable."""
    from tessera.storage.signing_key_file import SigningKeyFileError, read_signing_key_file

    if path is None:
        return
    if not path.exists():
        print(f"  signing key: {path} does not exist yet; `tessera run` will create it")
        return
    try:
        keys = read_signing_key_file(path)
    except SigningKeyFileError as exc:
        raise CommandError(str(exc)) from None
    print(f"  signing key: {keys[0].key_id} ({path})")
    _warn_if_world_readable(path)


def migrate(args: argparse.Namespace) -> int:
    from tessera.app import open_database
    from tessera.storage.migrate import current_revision
    from tessera.storage.migrate import migrate as apply_migrations

    config = load_checked(args.config)
    _setup_logging(config.log_format)  # what a migration did (links it made, or could not)

    async def main() -> str | None:
        database = open_database(config.database, for_migrations=True)
        try:
            await apply_migrations(database, config.sole_jwt_provider)
            return await current_revision(database)
        finally:
            await database.close()

    with _database_errors():
        revision = asyncio.run(main())
    print(f"Database is at migration {revision}")
    return 0


def jwt_mint(args: argparse.Namespace) -> int:
    # joserfc's JWT (and JWE) modules are only needed here, not by `run`.
    from tessera.cli.jwt_mint import MintError, mint, parse_claim, parse_duration, read_key_file

    config_path = args.config or ("homeserver.yaml" if Path("homeserver.yaml").exists() else None)
    jwt = load_checked(config_path).jwt if config_path else JwtConfig()
    if args.secret:
        jwt = dataclasses.replace(jwt, secret=args.secret)
    if args.algorithm:
        jwt = dataclasses.replace(jwt, algorithm=args.algorithm, algorithms=None)
    try:
        claims = dict(parse_claim(c) for c in args.claim)
        lifetime = None if args.exp == "none" else parse_duration(args.exp)
        key = read_key_file(args.key) if args.key else None
        token = mint(
            jwt, args.sub, claims=claims, lifetime=lifetime, private_key_pem=key, kid=args.kid
        )
    except MintError as exc:
        raise CommandError(str(exc), exit_code=2) from None
    sys.stdout.write(token + "\n")
    return 0


def jwt_check(args: argparse.Namespace) -> int:
    """Explain what the server makes of a token: exit 0 if it logs in, 1 if not, 2 if unsure."""
    from tessera.cli.jwt_check import check_token, render
    from tessera.cli.jwt_check_links import look_up, report_link
    from tessera.core.errors import MatrixError
    from tessera.jwt_providers import build_jwt_login
    from tessera.services.login.types import Identity

    config = load_checked(args.config, exit_code=2)
    token = (sys.stdin.read() if args.token == "-" else args.token).strip()
    now = time.time() if args.now is None else args.now
    jwt = build_jwt_login(config, lambda: now, None)
    if jwt is None:
        raise CommandError(
            f"{args.config}: no JWT login is enabled (jwt_config is not enabled, no jwt_providers)",
            exit_code=2,
        )

    async def verdict() -> Identity | MatrixError:
        # The login type itself decides (keys fetched from any jwks_uri first).
        assert jwt is not None
        await jwt.start()
        try:
            return await jwt.login.authenticate({"token": token})
        except MatrixError as refused:
            return refused
        finally:
            await jwt.stop()

    outcome = asyncio.run(verdict())
    report = check_token(token, jwt.login.providers, config.server_name, now, outcome)
    if isinstance(outcome, Identity) and report.refusal is None:
        found = "--no-database" if args.no_database else asyncio.run(look_up(config, outcome))
        report_link(report, outcome, found)
    sys.stdout.write(render(report, args.config, now))
    return 0 if report.refusal is None else 1
