"""Prometheus metrics, one registry per server (no process-wide globals).

Served on a listener of ``type: metrics`` (or an http listener whose
resources include ``metrics``) at ``/_synapse/metrics``, as Synapse does,
when ``enable_metrics`` is true.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping

# prometheus-client is imported by Metrics() itself: a server without
# `enable_metrics` never loads it (5 MiB and 30 ms of every start).

#: ``tessera_db_pool_<name>`` gauges: what each number of ``Database.pool_stats`` means.
POOL_GAUGES = {
    "size": "Database connections the pool keeps open (database.args.cp_min)",
    "max": "Database connections the pool may open at most (database.args.cp_max)",
    "checked_out": "Database connections in use by a transaction now",
    "idle": "Open database connections waiting in the pool",
    "overflow": "Database connections open beyond the pool size",
}
#: Request latency buckets (seconds): most answers take well under 10 ms.
_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0)


class Metrics:
    def __init__(self) -> None:
        from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "tessera_http_requests",
            "HTTP requests answered, by endpoint, method and status",
            ["endpoint", "method", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "tessera_http_request_duration_seconds",
            "Time to answer a request, by endpoint",
            ["endpoint"],
            buckets=_BUCKETS,
            registry=self.registry,
        )
        self.logins = Counter(
            "tessera_login_attempts",
            "Login attempts by login type, outcome and (for failures) reason",
            ["type", "outcome", "reason"],
            registry=self.registry,
        )
        self.users = Gauge(
            "tessera_users", "Active (not deactivated) users", registry=self.registry
        )
        self.devices = Gauge("tessera_devices", "Devices (sessions)", registry=self.registry)
        self.jwks_fetches = Counter(
            "tessera_jwks_fetches",
            "JWKS fetches by JWT provider and outcome (ok, unchanged, error)",
            ["provider", "outcome"],
            registry=self.registry,
        )
        self.jwks_skipped_keys = Counter(
            "tessera_jwks_skipped_keys",
            "Keys of fetched JWKS sets left out because they fit no allowed algorithm",
            ["provider"],
            registry=self.registry,
        )
        self._refreshers: list[Callable[[], Awaitable[None]]] = []

    def login_succeeded(self, login_type: str) -> None:
        self.logins.labels(login_type, "success", "").inc()

    def login_failed(self, login_type: str, reason: str) -> None:
        self.logins.labels(login_type, "failure", reason).inc()

    def watch_pool(self, stats: Callable[[], Mapping[str, int]]) -> None:
        """Export ``tessera_db_pool_*`` gauges, read from ``stats`` at each scrape."""
        from prometheus_client import Gauge

        gauges = {
            name: Gauge(f"tessera_db_pool_{name}", help_text, registry=self.registry)
            for name, help_text in POOL_GAUGES.items()
        }

        async def refresh() -> None:
            for name, value in stats().items():
                gauges[name].set(value)

        self.on_scrape(refresh)

    def on_scrape(self, refresh: Callable[[], Awaitable[None]]) -> None:
        """Run ``refresh`` before each scrape (gauges read from the database)."""
        self._refreshers.append(refresh)

    async def exposition(self) -> tuple[bytes, str]:
        """The text exposition format and its content type."""
        from prometheus_client import generate_latest
        from prometheus_client.exposition import CONTENT_TYPE_LATEST

        for refresh in self._refreshers:
            await refresh()
        return generate_latest(self.registry), CONTENT_TYPE_LATEST
