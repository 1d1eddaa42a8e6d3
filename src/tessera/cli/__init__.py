"""The ``tessera`` command: run, generate-config, check-config, config-reference, migrate, jwt
mint|check, user."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from tessera import __version__
from tessera.cli import commands, config_reference, users


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="tessera", description=__doc__)
    top.add_argument("--version", action="version", version=f"tessera {__version__}")
    sub = top.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def with_config(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
        p.add_argument(
            "-c", "--config", default="homeserver.yaml", help="config file (default: %(default)s)"
        )
        return p

    run = with_config(sub.add_parser("run", help="migrate the database and serve"))
    run.add_argument(
        "--workers",
        type=int,
        default=1,
        metavar="N",
        help="serving processes sharing the listeners (more than 1 needs PostgreSQL; default 1)",
    )
    run.set_defaults(handler=commands.run)

    gen = sub.add_parser("generate-config", help="write a development homeserver.yaml")
    gen.add_argument("-o", "--output", default="homeserver.yaml")
    gen.add_argument("--server-name", default="localhost")
    gen.add_argument("--port", type=int, default=8008)
    gen.add_argument("--bind-address", default="127.0.0.1")
    gen.add_argument("--database", default="homeserver.db", help="SQLite file")
    gen.add_argument("--force", action="store_true", help="overwrite an existing file")
    gen.set_defaults(handler=commands.generate_config)

    check = with_config(sub.add_parser("check-config", help="validate a config file"))
    check.set_defaults(handler=commands.check_config)

    reference = sub.add_parser(
        "config-reference", help="print the reference of every configuration key (Markdown)"
    )
    reference.add_argument(
        "--update",
        metavar="FILE",
        help="rewrite the generated part of FILE (docs/configuration.md) instead of printing",
    )
    reference.set_defaults(handler=config_reference.run)

    migrate = with_config(sub.add_parser("migrate", help="apply database migrations"))
    migrate.set_defaults(handler=commands.migrate)

    users.register(sub, with_config)

    jwt = sub.add_parser("jwt", help="JSON Web Token tools")
    jwt_sub = jwt.add_subparsers(dest="jwt_command", required=True, metavar="COMMAND")
    mint = jwt_sub.add_parser("mint", help="sign a login token the server accepts")
    mint.add_argument(
        "-c", "--config", help="config whose jwt_config to use (default: ./homeserver.yaml if any)"
    )
    mint.add_argument("--sub", required=True, help="the subject (becomes the localpart)")
    mint.add_argument("--claim", action="append", default=[], metavar="NAME=VALUE")
    mint.add_argument("--exp", default="1h", help="lifetime (30s, 10m, 1h, 2d) or 'none'")
    mint.add_argument("--key", help="private key PEM file (RS*, PS*, ES*, EdDSA)")
    mint.add_argument("--secret", help="HMAC secret (instead of the config's)")
    mint.add_argument("--algorithm", help="algorithm (instead of the config's)")
    mint.add_argument("--kid", help="key ID to put in the header")
    mint.set_defaults(handler=commands.jwt_mint)
    explain = with_config(
        jwt_sub.add_parser(
            "check",
            help="explain, check by check, whether a token would log in (no server started)",
        )
    )
    explain.add_argument("token", metavar="TOKEN", help="the JWT, or - to read it from stdin")
    explain.add_argument(
        "--now", type=float, metavar="EPOCH", help="check as of this Unix time (default: now)"
    )
    explain.add_argument(
        "--no-database",
        action="store_true",
        help="do not read the database (which user the token reaches, whether they exist)",
    )
    explain.set_defaults(handler=commands.jwt_check)
    return top


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return int(args.handler(args))
    except KeyboardInterrupt:
        return 130
    except commands.CommandError as exc:
        print(f"tessera: {exc}", file=sys.stderr)
        return exc.exit_code
