"""rc_login across servers on one database: PostgreSQL shares the buckets, SQLite does not.

Two apps, each with its own engine and connection pool, serve on their own
ports: to the database they are two processes. (``tests/e2e`` runs the same
with two ``tessera run`` processes.)
"""

from pathlib import Path

import pytest

from tessera.config.model import LoginRateLimits, RateLimitConfig
from tessera.storage.database import Database
from tests.conftest import SEED_SECRET, make_config, postgres_asyncpg_url, serve
from tests.support.keys import sign

THREE = RateLimitConfig(per_second=0.01, burst_count=3)
FREE = RateLimitConfig(per_second=1e6, burst_count=1_000_000)


def _second_engine(database: Database, tmp_path: Path) -> Database:
    """Another ``Database`` on the same data, as a second process would open it."""
    if database.dialect == "postgresql":
        return Database.from_url(postgres_asyncpg_url(), 1, 5)
    return Database.from_url(f"sqlite:///{tmp_path / 'tessera.db'}")


def _jwt(sub: str) -> str:
    return sign({"sub": sub}, SEED_SECRET)


async def test_the_address_burst_is_shared_on_postgresql_only(
    database: Database, tmp_path: Path
) -> None:
    config = make_config(rc_login=LoginRateLimits(THREE, FREE, FREE))
    other = _second_engine(database, tmp_path)
    try:
        async with serve(config, database) as one, serve(config, other) as two:
            statuses = [
                (await one.login(_jwt("alice"))).status_code,
                (await two.login(_jwt("bob"))).status_code,
                (await one.login(_jwt("carol"))).status_code,
            ]
            fourth = await two.login(_jwt("dave"))
    finally:
        await other.close()
    assert statuses == [200, 200, 200]
    if database.dialect == "sqlite":  # one process per SQLite file: buckets stay in memory
        assert fourth.status_code == 200
        return
    assert fourth.status_code == 429, fourth.text
    body = fourth.json()
    assert (body["errcode"], body["error"]) == ("M_LIMIT_EXCEEDED", "Too Many Requests")
    # One action per 100 s: the oldest of the three comes back within 100 s.
    assert 99_000 < body["retry_after_ms"] <= 100_000
    assert int(fourth.headers["Retry-After"]) == -(-body["retry_after_ms"] // 1000)


async def test_the_account_burst_is_shared_across_servers(
    database: Database, tmp_path: Path
) -> None:
    if database.dialect == "sqlite":
        pytest.skip("SQLite keeps buckets per process")
    config = make_config(rc_login=LoginRateLimits(FREE, THREE, FREE))
    other = _second_engine(database, tmp_path)
    try:
        async with serve(config, database) as one, serve(config, other) as two:
            for server in (one, two, two):
                assert (await server.login(_jwt("alice"))).status_code == 200
            limited = await one.login(_jwt("ALICE"))
            bob = await one.login(_jwt("bob"))
    finally:
        await other.close()
    assert limited.status_code == 429
    assert bob.status_code == 200
