"""``GET /health``: OK while the database answers, 503 when it cannot be reached."""

from pathlib import Path

import pytest

from tessera.storage.database import Database, sqlite_url
from tests.conftest import SEED_SECRET, LiveServer, make_config, serve
from tests.support.keys import sign


async def test_health_is_ok_with_a_working_database(server: LiveServer) -> None:
    response = await server.client.get("/health")
    assert (response.status_code, response.text) == (200, "OK")


@pytest.mark.parametrize(
    "url",
    [
        # A SQLite file in a directory that does not exist cannot be opened.
        pytest.param(sqlite_url(Path("/nonexistent/tessera/health.db")), id="sqlite"),
        # Nothing listens on port 1.
        pytest.param("postgresql+asyncpg://tessera@127.0.0.1:1/tessera", id="postgres"),
    ],
)
async def test_health_is_503_when_the_database_cannot_be_reached(url: object) -> None:
    database = Database.from_url(url)  # type: ignore[arg-type]
    async with serve(make_config(), database) as live:
        response = await live.client.get("/health")
        versions = await live.client.get("/_matrix/client/versions")
    await database.close()
    assert (response.status_code, response.text) == (503, "Database unavailable")
    assert versions.status_code == 200  # the rest of the server stays up


@pytest.mark.parametrize(
    "url",
    [
        pytest.param(sqlite_url(Path("/nonexistent/tessera/health.db")), id="sqlite"),
        pytest.param("postgresql+asyncpg://tessera@127.0.0.1:1/tessera", id="postgres"),
    ],
)
async def test_requests_needing_the_database_get_503_while_it_is_gone(url: object) -> None:
    database = Database.from_url(url)  # type: ignore[arg-type]
    async with serve(make_config(), database) as live:
        login = await live.login(sign({"sub": "alice"}, SEED_SECRET))
        whoami = await live.client.get(
            "/_matrix/client/v3/account/whoami", headers={"Authorization": "Bearer tat_x"}
        )
    await database.close()
    for response in (login, whoami):
        assert response.status_code == 503
        assert response.json() == {"errcode": "M_UNKNOWN", "error": "Database unavailable"}
