"""``tessera jwt check``'s look in the database: which user the (provider, subject) reaches.

A provider logs in only as the users linked to it (``services/login/links.py``);
this runs that same rule, read-only, so the report says which user the token
is linked to and whether the login would be refused for that reason. The
database is read only if it exists and is migrated; otherwise the report
says it was not checked. Nothing is written, nothing migrated.
"""

from __future__ import annotations

import asyncio

from tessera.cli.jwt_check import FAIL, NOTE, PASS, Report
from tessera.config import Config
from tessera.core.errors import ErrCode, MatrixError
from tessera.services.login.links import CLAIMED, LINKED, NEW, SAME_PROVIDER, Reach, reach
from tessera.services.login.types import Identity

#: The longest the check waits for the database before reporting it unchecked.
DATABASE_TIMEOUT_S = 10.0


async def look_up(config: Config, identity: Identity) -> Reach | MatrixError | str:
    """What the database makes of ``identity``: the reach, a refusal, or why it was not read."""
    from tessera.app import open_database
    from tessera.storage.migrate import LATEST, current_revision

    settings = config.database
    if settings.engine == "sqlite" and (
        settings.sqlite_path is None or not settings.sqlite_path.is_file()
    ):
        return f"{settings.sqlite_path} does not exist"
    database = open_database(settings)
    try:
        revision = await asyncio.wait_for(current_revision(database), DATABASE_TIMEOUT_S)
        if revision != LATEST:
            return f"it is at migration {revision}, not {LATEST} (run tessera migrate)"
        async with database.read() as txn:
            return await asyncio.wait_for(
                reach(txn, identity, config.server_name), DATABASE_TIMEOUT_S
            )
    except MatrixError as refused:
        return refused
    except TimeoutError:
        return f"no answer within {DATABASE_TIMEOUT_S:g} s"
    except Exception as exc:  # unreachable, refused, …: say so, the token checks still stand
        return f"it cannot be read ({type(exc).__name__}: {exc})"
    finally:
        await database.close()


def report_link(report: Report, identity: Identity, found: Reach | MatrixError | str) -> None:
    """Add the ``link`` (and ``user``) lines; a refusal becomes the report's verdict."""
    if isinstance(found, str):
        report.add(NOTE, "database", f"not checked ({found}): links, existence, deactivation")
        return
    report.database_checked = True
    if isinstance(found, MatrixError):
        report.add(FAIL, "link", found.message)
        report.refusal = report.refusal or found
        return
    report.user_id = found.user_id
    provider, subject = identity.auth_provider, identity.external_id
    pair = f"{provider} {subject!r}"
    detail = {
        LINKED: f"{pair} is linked to {found.user_id}: it logs in as them",
        SAME_PROVIDER: f"{found.user_id} is linked to {provider} (by another subject); "
        f"a login links {pair} to them too",
        CLAIMED: f"{found.user_id} is not linked to {provider}, which claims existing users "
        f"(allow_existing_users); a login links {pair} to them",
        NEW: f"nobody is linked to {pair} and {found.user_id} does not exist; "
        "a first login creates it and links it",
    }.get(found.how, f"{found.user_id} (not from a provider: no link)")
    report.add(PASS, "link", detail)
    user = found.user
    if user is not None and user.deactivated:
        refusal = MatrixError(ErrCode.USER_DEACTIVATED, "This account has been deactivated")
        report.add(FAIL, "user", f"{user.user_id} is deactivated")
        report.refusal = report.refusal or refusal
    elif user is None and not identity.may_register:
        refusal = MatrixError(
            ErrCode.FORBIDDEN, f"User {found.user_id} is not registered on this server"
        )
        report.add(FAIL, "user", f"{found.user_id} does not exist and allow_registration is false")
        report.refusal = report.refusal or refusal
