"""Two ``tessera run`` processes on one PostgreSQL database enforce one ``rc_login`` limit.

Each process has its own memory; only the database is shared. Three logins
from one address spend the burst of 3 across both processes, and the
fourth, on whichever process, is 429 with ``Retry-After``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from tests.e2e.support import (
    LOGIN,
    create_database,
    drop_database,
    login_body,
    start_server,
    write_homeserver,
)

BURST = 3


@pytest.fixture
async def own_database() -> AsyncIterator[dict[str, Any]]:
    """A database of its own in the test cluster, as Synapse's ``database`` block."""
    section = await create_database("tessera_shared_rc")
    yield section
    await drop_database(section)


def _homeserver(directory: Path, database: dict[str, Any]) -> str:
    """A config on ``database`` whose address limit is a burst of 3, then 1 per 100 s."""
    directory.mkdir()
    secret = write_homeserver(directory, database)
    path = directory / "homeserver.yaml"
    config = yaml.safe_load(path.read_text())
    config["rc_login"]["address"] = {"per_second": 0.01, "burst_count": BURST}
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return secret


async def test_two_processes_share_the_address_burst(
    tmp_path: Path, own_database: dict[str, Any]
) -> None:
    secret_a = _homeserver(tmp_path / "a", own_database)
    secret_b = _homeserver(tmp_path / "b", own_database)
    # The first process migrates the new database; the second starts on it after.
    first, url_a = start_server(tmp_path / "a")
    try:
        second, url_b = start_server(tmp_path / "b")
        try:
            async with (
                httpx.AsyncClient(base_url=url_a, timeout=10) as a,
                httpx.AsyncClient(base_url=url_b, timeout=10) as b,
            ):
                statuses = [
                    (await a.post(LOGIN, json=login_body(secret_a, "alice"))).status_code,
                    (await b.post(LOGIN, json=login_body(secret_b, "bob"))).status_code,
                    (await a.post(LOGIN, json=login_body(secret_a, "carol"))).status_code,
                ]
                fourth = await b.post(LOGIN, json=login_body(secret_b, "dave"))
        finally:
            second.kill()
    finally:
        first.kill()
    assert statuses == [200] * BURST
    assert fourth.status_code == 429, fourth.text
    body = fourth.json()
    assert body["errcode"] == "M_LIMIT_EXCEEDED"
    assert 0 < body["retry_after_ms"] <= 100_000
    assert int(fourth.headers["Retry-After"]) == -(-body["retry_after_ms"] // 1000)
