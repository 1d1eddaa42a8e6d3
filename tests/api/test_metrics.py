"""Prometheus metrics: scraped over HTTP and parsed with prometheus-client's own parser."""

from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families

from tessera.config import ListenerConfig
from tests.conftest import SEED_SECRET
from tests.support.keys import sign


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


async def test_metrics_count_logins_requests_and_users(start_server: Any) -> None:
    listener = ListenerConfig(port=0, resources=("client", "metrics"))
    async with start_server(enable_metrics=True, listeners=(listener,)) as server:
        for sub in ("alice", "bob"):
            await server.access_token(sign({"sub": sub}, SEED_SECRET))
        await server.login(sign({"sub": "eve"}, "not-the-secret"))
        await server.login(sign({"sub": "eve", "exp": 1}, SEED_SECRET))
        response = await server.client.get("/_synapse/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    samples = _samples(response.text)

    def logins(outcome: str, reason: str) -> float:
        labels = (("outcome", outcome), ("reason", reason), ("type", "org.matrix.login.jwt"))
        return samples[("tessera_login_attempts_total", labels)]

    assert logins("success", "") == 2
    assert logins("failure", "bad_signature") == 1
    assert logins("failure", "expired") == 1
    login_200 = (("endpoint", "LoginEndpoints.login"), ("method", "POST"), ("status", "200"))
    assert samples[("tessera_http_requests_total", login_200)] == 2
    assert samples[("tessera_users", ())] == 2
    assert samples[("tessera_devices", ())] == 2
    count = samples[
        ("tessera_http_request_duration_seconds_count", (("endpoint", "LoginEndpoints.login"),))
    ]
    assert count == 4


async def test_metrics_are_not_served_without_enable_metrics(start_server: Any) -> None:
    listener = ListenerConfig(port=0, resources=("client", "metrics"))
    async with start_server(listeners=(listener,)) as server:
        response = await server.client.get("/_synapse/metrics")
    assert response.status_code == 404


async def test_a_metrics_listener_serves_nothing_else(start_server: Any) -> None:
    listener = ListenerConfig(port=0, resources=(), type="metrics")
    async with start_server(enable_metrics=True, listeners=(listener,)) as server:
        metrics = await server.client.get("/_synapse/metrics")
        client = await server.client.get("/_matrix/client/versions")
    assert metrics.status_code == 200
    assert client.status_code == 404
    assert isinstance(client, httpx.Response)


async def test_database_pool_gauges_on_postgresql_only(start_server: Any) -> None:
    listener = ListenerConfig(port=0, resources=("client", "metrics"))
    async with start_server(enable_metrics=True, listeners=(listener,)) as server:
        await server.access_token(sign({"sub": "alice"}, SEED_SECRET))
        database = server.database
        if database.dialect == "sqlite":
            response = await server.client.get("/_synapse/metrics")
        else:
            # A transaction held open across the scrape: one connection is checked out.
            async with database.connection():
                response = await server.client.get("/_synapse/metrics")
    samples = _samples(response.text)
    pool = {
        name.removeprefix("tessera_db_pool_"): value
        for (name, _labels), value in samples.items()
        if name.startswith("tessera_db_pool_")
    }
    if server.database.dialect == "sqlite":
        assert pool == {}  # one connection, no pool: nothing to report (docs/configuration.md)
        return
    assert set(pool) == {"size", "max", "checked_out", "idle", "overflow"}
    # tests/conftest.py opens PostgreSQL with cp_min 2, cp_max 10.
    assert (pool["size"], pool["max"]) == (2, 10)
    assert 1 <= pool["checked_out"] <= pool["max"]
    assert pool["overflow"] >= 0
    assert pool["checked_out"] + pool["idle"] == pool["size"] + pool["overflow"]
