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
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tessera.config import Config, ConfigError, JwtConfig, load_config
from tessera.config.generate import generate_config as render_config
from tessera.core.jwt_keys import HMAC_ALGORITHMS, is_weak_hmac_secret
from tessera.core.jwt_keyset import is_jwk
from tessera.policy import build_jwt_policy

logger = logging.getLogger("tessera")


class CommandError(Exception):
    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def load_checked(path: str, exit_code: int = 1) -> Config:
    """The config at ``path`` with its JWT key checked, or a CommandError naming the key."""
    try:
        config = load_config(path)
        if config.jwt.enabled:
            build_jwt_policy(config.jwt)  # a bad key fails now, not at the first login
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
    from alembic.util import CommandError as AlembicError
    from sqlalchemy.exc import DBAPIError

    from tessera.storage.errors import DatabaseUnavailable

    try:
        yield
    except (DatabaseUnavailable, DBAPIError, OSError) as exc:
        cause = exc.__cause__ or exc
        detail = str(getattr(cause, "orig", None) or cause).splitlines()[0]
        raise CommandError(f"cannot use the database: {type(cause).__name__}: {detail}") from None
    except AlembicError as exc:
        raise CommandError(
            f"database migration failed: {exc} (is the database from a newer Tessera?)"
        ) from None


def run(args: argparse.Namespace) -> int:
    from tessera.app import build_app
    from tessera.serve import bind_listeners, event_loop_runner, serve, socket_url
    from tessera.storage.migrate import migrate as apply_migrations

    config = load_checked(args.config)
    _setup_logging(config.log_format)
    _report(config)
    if not any(listener.type == "http" for listener in config.listeners):
        raise CommandError(f"{args.config}: no `listeners` with a client resource to serve")
    application = build_app(config)
    try:
        sockets = bind_listeners(config.listeners)
    except OSError as exc:
        raise CommandError(str(exc)) from None
    application.asgi.listen_on((sock.getsockname()[1], listener) for sock, listener in sockets)

    async def main() -> None:
        await apply_migrations(application.database)
        for sock, listener in sockets:
            what = "serving metrics on" if listener.type == "metrics" else "listening on"
            print(f"Tessera is {what} {socket_url(sock)}", flush=True)
        if config.jwt.enabled:
            mint_command = f"{_program()} jwt mint -c {shlex.quote(args.config)} --sub alice"
            print(f"Mint a login token with: {mint_command}", flush=True)
        await serve(application, [sock for sock, _ in sockets])

    with _database_errors():
        event_loop_runner()(main())  # type: ignore[operator]
    return 0


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
    return 0


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
    return 0


def migrate(args: argparse.Namespace) -> int:
    from tessera.app import open_database
    from tessera.storage.migrate import current_revision
    from tessera.storage.migrate import migrate as apply_migrations

    config = load_checked(args.config)

    async def main() -> str | None:
        database = open_database(config.database)
        try:
            await apply_migrations(database)
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

    config = load_checked(args.config, exit_code=2)
    if not config.jwt.enabled:
        raise CommandError(f"{args.config}: jwt_config is not enabled", exit_code=2)
    token = sys.stdin.read() if args.token == "-" else args.token
    now = time.time() if args.now is None else args.now
    report = check_token(token.strip(), build_jwt_policy(config.jwt), config.server_name, now)
    sys.stdout.write(render(report, args.config, now))
    return 0 if report.refusal is None else 1
