"""What the fault tests share: a ``homeserver.yaml`` on a chosen database, JWTs, a DB audit.

The servers are real ``tessera run`` processes (``ServerProcess`` from the quickstart
tests); the audit reads the database directly, not through Tessera.
"""

from __future__ import annotations

import itertools
import secrets
import subprocess
import time
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
import yaml
from sqlalchemy import text
from sqlalchemy.engine import make_url

from tessera.storage.database import Database, sqlite_url
from tests.conftest import POSTGRES_DSN
from tests.e2e.test_quickstart import TESSERA, ServerProcess
from tests.support.keys import sign

LOGIN = "/_matrix/client/v3/login"
WHOAMI = "/_matrix/client/v3/account/whoami"
_UNLIMITED = {"per_second": 1_000_000, "burst_count": 1_000_000}
_jti = itertools.count()


def postgres_database_section(dsn: str) -> dict[str, Any]:
    """Synapse's ``database`` block for a ``postgresql://`` DSN."""
    url = make_url(dsn)
    args = {"user": url.username, "host": url.host, "port": url.port, "database": url.database}
    if url.password:
        args["password"] = url.password
    return {"name": "psycopg2", "args": args}


async def create_database(prefix: str) -> dict[str, Any]:
    """A new, empty database in the test cluster, as Synapse's ``database`` block.

    Skips the test when there is no PostgreSQL; ``drop_database`` removes it again.
    """
    if not POSTGRES_DSN:
        pytest.skip("PostgreSQL not available (make test starts one when it is installed)")
    name = f"{prefix}_{secrets.token_hex(4)}"
    await _cluster_sql(f'CREATE DATABASE "{name}"')
    section = postgres_database_section(POSTGRES_DSN)
    section["args"]["database"] = name
    return section


async def drop_database(section: dict[str, Any]) -> None:
    """Drop a database ``create_database`` made, even with servers still connected to it."""
    name = section["args"]["database"]
    await _cluster_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def _cluster_sql(statement: str) -> None:
    # CREATE/DROP DATABASE cannot run in a transaction: a bare connection, not SQLAlchemy's.
    connection = await asyncpg.connect(POSTGRES_DSN)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


def write_homeserver(directory: Path, database: dict[str, Any] | None = None) -> str:
    """``generate-config`` in ``directory``, rate limits off, ``database`` swapped in.

    Returns:
        The generated HS256 secret, to mint login tokens with.
    """
    subprocess.run(
        [TESSERA, "generate-config", "--port", "0"],
        cwd=directory,
        check=True,
        capture_output=True,
        timeout=60,
    )
    path = directory / "homeserver.yaml"
    config = yaml.safe_load(path.read_text())
    config["rc_login"] = {key: _UNLIMITED for key in ("address", "account", "failed_attempts")}
    config["rc_message"] = _UNLIMITED
    config["rc_joins"] = {"local": _UNLIMITED}
    if database is not None:
        config["database"] = database
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return str(config["jwt_config"]["secret"])


def database_url(directory: Path, database: dict[str, Any] | None) -> str:
    """The SQLAlchemy URL of the database ``write_homeserver`` configured."""
    if database is None:
        return str(sqlite_url(directory / "homeserver.db"))
    args = database["args"]
    auth = args["user"] + (f":{args['password']}" if "password" in args else "")
    return f"postgresql+asyncpg://{auth}@{args['host']}:{args['port']}/{args['database']}"


def login_body(secret: str, localpart: str) -> dict[str, str]:
    """A JWT login body for ``localpart``; every token has its own ``jti``."""
    now = int(time.time())
    claims = {"sub": localpart, "iat": now, "exp": now + 3600, "jti": str(next(_jti))}
    return {"type": "org.matrix.login.jwt", "token": sign(claims, secret)}


def unique_localpart(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(6)}"


async def whoami_status(client: httpx.AsyncClient, access_token: str) -> int:
    response = await client.get(WHOAMI, headers={"Authorization": f"Bearer {access_token}"})
    return response.status_code


def start_server(directory: Path) -> tuple[ServerProcess, str]:
    """``tessera run`` in ``directory``; the process and its base URL once it listens."""
    server = ServerProcess(directory)
    try:
        return server, server.base_url()
    except BaseException:
        server.kill()
        raise


#: Rows a login leaves behind, and the rows nothing may be without. A user with no
#: device is a login cut in half: every user here was made by a login, none logged out.
AUDIT_QUERIES = {
    "user without a device": (
        "SELECT count(*) FROM users u "
        "WHERE NOT EXISTS (SELECT 1 FROM devices d WHERE d.user_id = u.user_id)"
    ),
    "device without a user": (
        "SELECT count(*) FROM devices d "
        "WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.user_id = d.user_id)"
    ),
    "device without an access token": (
        "SELECT count(*) FROM devices d WHERE NOT EXISTS (SELECT 1 FROM access_tokens t "
        "WHERE t.user_id = d.user_id AND t.device_id = d.device_id)"
    ),
    "access token without a device": (
        "SELECT count(*) FROM access_tokens t WHERE NOT EXISTS (SELECT 1 FROM devices d "
        "WHERE d.user_id = t.user_id AND d.device_id = t.device_id)"
    ),
    "user without created_ts or display name": (
        "SELECT count(*) FROM users WHERE created_ts IS NULL OR display_name IS NULL"
    ),
}


async def audit(url: str) -> tuple[dict[str, int], int]:
    """Counts of half-made rows by kind (all should be 0), and the number of users."""
    database = Database.from_url(url, 1, 1)
    try:
        async with database.connection() as conn:
            problems = {
                name: int((await conn.execute(text(sql))).scalar_one())
                for name, sql in AUDIT_QUERIES.items()
            }
            users = int((await conn.execute(text("SELECT count(*) FROM users"))).scalar_one())
    finally:
        await database.close()
    return problems, users
