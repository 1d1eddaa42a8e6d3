"""``tessera user …``: administer users without HTTP (and make the first admin).

Commands act as the server operator through the same admin service the
HTTP admin API uses, so the rules are the same. A running server notices
changes within its token-cache time (one second).
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import sys
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from tessera.core.errors import MatrixError
from tessera.core.ids import user_id_for
from tessera.core.models import Requester, User

T = TypeVar("T")

#: Who the CLI acts as: the operator, an admin by definition.
OPERATOR = Requester(user_id="@operator:cli", device_id="CLI", token_id=0, is_admin=True)


def register(sub: Any, with_config: Callable[[argparse.ArgumentParser], Any]) -> None:
    """Add ``user`` and ``session`` and their sub-commands to the top-level parser."""
    session = sub.add_parser("session", help="list or end a user's sessions (devices)")
    sessions = session.add_subparsers(dest="session_command", required=True, metavar="COMMAND")
    listing = with_config(sessions.add_parser("list", help="a user's sessions"))
    listing.add_argument("user")
    listing.add_argument("--json", action="store_true", help="JSON output")
    listing.set_defaults(handler=lambda a: _run(a, _sessions))
    revoke = with_config(sessions.add_parser("revoke", help="end sessions: their tokens die"))
    revoke.add_argument("user")
    revoke.add_argument("device", nargs="?", help="one device (default: every session)")
    revoke.set_defaults(handler=lambda a: _run(a, _revoke))

    user = sub.add_parser("user", help="administer users")
    commands = user.add_subparsers(dest="user_command", required=True, metavar="COMMAND")

    listing = with_config(commands.add_parser("list", help="list users"))
    listing.add_argument("--all", action="store_true", help="include deactivated users")
    listing.add_argument("--json", action="store_true", help="JSON output")
    listing.set_defaults(handler=lambda a: _run(a, _list))

    show = with_config(commands.add_parser("show", help="show one user"))
    show.add_argument("user")
    show.add_argument("--json", action="store_true", help="JSON output")
    show.set_defaults(handler=lambda a: _run(a, _show))

    create = with_config(commands.add_parser("create", help="create a user"))
    create.add_argument("user", help="localpart or full user ID")
    create.add_argument("--displayname")
    create.add_argument("--admin", action="store_true")
    create.set_defaults(handler=lambda a: _run(a, _create))

    for name, about in (
        ("link", "link a JWT provider's subject to the user: that subject logs in as them"),
        ("unlink", "remove a link: the provider's subject no longer logs in as the user"),
    ):
        command = with_config(commands.add_parser(name, help=about))
        command.add_argument("user")
        command.add_argument("provider", help="a JWT provider's id (jwt_config for jwt_config)")
        command.add_argument("subject", help="the subject claim the provider gives the user")
        command.set_defaults(handler=lambda a, name=name: _run(a, _LINKS[name]))

    for name, about in (
        ("make-admin", "make a user a server admin (--revoke to undo)"),
        ("deactivate", "deactivate a user: devices and tokens go, logins are refused"),
        ("reactivate", "allow a deactivated user to log in again"),
        ("set-password", "set a password (read from stdin or asked for)"),
    ):
        command = with_config(commands.add_parser(name, help=about))
        command.add_argument("user")
        if name == "make-admin":
            command.add_argument("--revoke", action="store_true")
        command.set_defaults(handler=lambda a, name=name: _run(a, _CHANGES[name]))


def _run(args: argparse.Namespace, action: Callable[..., Awaitable[int]]) -> int:
    from tessera.app import build_admin
    from tessera.cli.commands import load_checked
    from tessera.storage.migrate import migrate

    config = load_checked(args.config)

    async def main() -> int:
        admin, database = build_admin(config)
        try:
            await migrate(database, config.sole_jwt_provider)
            return await action(admin, config.server_name, args)
        except MatrixError as exc:
            print(f"tessera: {exc.message}", file=sys.stderr)
            return 1
        finally:
            await database.close()

    return asyncio.run(main())


def _user_id(name: str, server_name: str) -> str:
    return name if name.startswith("@") else user_id_for(name, server_name)


def _summary(user: User) -> dict[str, Any]:
    return {
        "user_id": user.user_id,
        "displayname": user.display_name,
        "admin": user.is_admin,
        "deactivated": user.deactivated,
        "has_password": user.password_hash is not None,
        "created_ts": user.created_ts,
    }


async def _list(admin: Any, _server: str, args: argparse.Namespace) -> int:
    users: list[User] = []
    offset = 0
    while True:
        page, total = await admin.list_users(
            OPERATOR,
            offset=offset,
            limit=1000,
            name=None,
            deactivated=None if args.all else False,
            admins=None,
            order_by="name",
            descending=False,
        )
        users += page
        offset += len(page)
        if not page or offset >= total:
            break
    if args.json:
        print(json.dumps([_summary(u) for u in users], indent=2))
    else:
        for user in users:
            flags = [
                f for f, on in (("admin", user.is_admin), ("deactivated", user.deactivated)) if on
            ]
            print(f"{user.user_id}\t{user.display_name or ''}\t{','.join(flags)}")
    return 0


async def _show(admin: Any, server: str, args: argparse.Namespace) -> int:
    user = await admin.user(OPERATOR, _user_id(args.user, server))
    devices = await admin.devices(OPERATOR, user.user_id)
    links = await admin.external_ids(OPERATOR, user.user_id)
    summary = _summary(user) | {
        "devices": [d.device_id for d in devices],
        "external_ids": [{"auth_provider": p, "external_id": e} for p, e in links],
    }
    if args.json:
        print(json.dumps(summary, indent=2))
    else:
        for key, value in summary.items():
            print(f"{key}: {value}")
    return 0


async def _create(admin: Any, server: str, args: argparse.Namespace) -> int:
    from tessera.services.admin import UserChanges

    user_id = _user_id(args.user, server)
    changes = UserChanges(displayname=args.displayname, admin=args.admin or None)
    if not await admin.put_user(OPERATOR, user_id, changes):
        print(f"tessera: {user_id} exists already", file=sys.stderr)
        return 1
    print(f"Created {user_id}")
    return 0


async def _change(admin: Any, server: str, args: argparse.Namespace) -> int:
    from tessera.services.admin import UserChanges

    user_id = _user_id(args.user, server)
    await admin.user(OPERATOR, user_id)  # 404 → "User not found" before changing anything
    command = args.user_command
    if command == "make-admin":
        changes = UserChanges(admin=not args.revoke)
    elif command == "deactivate":
        changes = UserChanges(deactivated=True)
    elif command == "reactivate":
        changes = UserChanges(deactivated=False)
    else:
        changes = UserChanges(password=_read_password())
    await admin.put_user(OPERATOR, user_id, changes)
    print(f"{command}: done for {user_id}")
    return 0


async def _link(admin: Any, server: str, args: argparse.Namespace) -> int:
    from tessera.services.external_ids import ExternalIdInUse

    user_id = _user_id(args.user, server)
    try:
        await admin.link(OPERATOR, user_id, args.provider, args.subject)
    except ExternalIdInUse:
        owner = await admin.user_by_external_id(OPERATOR, args.provider, args.subject)
        print(
            f"tessera: {args.provider} {args.subject!r} is linked to {owner}: "
            f"`tessera user unlink {owner} {args.provider} {args.subject}` first to move it",
            file=sys.stderr,
        )
        return 1
    print(f"Linked {args.provider} {args.subject!r} to {user_id}")
    return 0


async def _unlink(admin: Any, server: str, args: argparse.Namespace) -> int:
    user_id = _user_id(args.user, server)
    if not await admin.unlink(OPERATOR, user_id, args.provider, args.subject):
        print(f"tessera: {user_id} has no link {args.provider} {args.subject!r}", file=sys.stderr)
        return 1
    print(f"Unlinked {args.provider} {args.subject!r} from {user_id}")
    return 0


async def _sessions(admin: Any, server: str, args: argparse.Namespace) -> int:
    devices = await admin.devices(OPERATOR, _user_id(args.user, server))
    rows = [
        {
            "device_id": d.device_id,
            "display_name": d.display_name,
            "last_seen_ip": d.last_seen_ip,
            "last_seen_ts": d.last_seen_ts,
        }
        for d in devices
    ]
    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        for row in rows:
            print("\t".join("" if v is None else str(v) for v in row.values()))
    return 0


async def _revoke(admin: Any, server: str, args: argparse.Namespace) -> int:
    user_id = _user_id(args.user, server)
    targets = (
        [args.device]
        if args.device
        else [d.device_id for d in await admin.devices(OPERATOR, user_id)]
    )
    for device_id in targets:
        await admin.delete_device(OPERATOR, user_id, device_id)
    print(f"Ended {len(targets)} session(s) of {user_id}")
    return 0


def _read_password() -> str:
    if sys.stdin.isatty():
        password = getpass.getpass("New password: ")
        if getpass.getpass("Again: ") != password:
            raise SystemExit("tessera: passwords differ")
    else:
        password = sys.stdin.readline().rstrip("\n")
    if not password:
        raise SystemExit("tessera: empty password")
    return password


_LINKS = {"link": _link, "unlink": _unlink}
_CHANGES = {name: _change for name in ("make-admin", "deactivate", "reactivate", "set-password")}
