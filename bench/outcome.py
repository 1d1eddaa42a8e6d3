"""What a room scenario reports: the shape bench/run.py reads from bench.load, plus
``lost`` and ``duplicated`` events (checked after the window, never timed)."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from bench.load import _cpu_seconds, _own_cpu_seconds, _percentile


@dataclass
class Window:
    """Latencies, statuses and CPU use over one recorded window."""

    server_pid: int | None
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)
    t0: float = 0.0
    t1: float = 0.0
    cpu0: float = 0.0
    cpu1: float = 0.0
    server0: float | None = None
    server1: float | None = None

    def start(self) -> None:
        self.t0 = time.perf_counter()
        self.cpu0 = _own_cpu_seconds()
        self.server0 = _cpu_seconds(self.server_pid)

    def stop(self) -> None:
        self.t1 = time.perf_counter()
        self.cpu1 = _own_cpu_seconds()
        self.server1 = _cpu_seconds(self.server_pid)

    @property
    def seconds(self) -> float:
        return self.t1 - self.t0

    def outcome(
        self,
        scenario: str,
        *,
        count: int | None = None,
        lost: int = 0,
        duplicated: int = 0,
        **extra: Any,
    ) -> dict[str, Any]:
        """The JSON line: ``rate`` is count (default: recorded latencies) per second."""
        ordered = sorted(self.latencies)
        window = self.seconds
        count = len(ordered) if count is None else count
        server_cpu = None
        if self.server0 is not None and self.server1 is not None and window > 0:
            server_cpu = (self.server1 - self.server0) / window
        return {
            "scenario": scenario,
            "window_s": window,
            "requests": count,
            "rate": count / window if window > 0 else 0.0,
            "statuses": dict(self.statuses),
            "unexpected": sum(n for code, n in self.statuses.items() if code != "200"),
            "p50_ms": _percentile(ordered, 0.50),
            "p90_ms": _percentile(ordered, 0.90),
            "p99_ms": _percentile(ordered, 0.99),
            "max_ms": ordered[-1] if ordered else 0.0,
            "generator_cpu": (self.cpu1 - self.cpu0) / window if window > 0 else 0.0,
            "server_cpu": server_cpu,
            "pool_exhausted": False,
            "notes": [],
            "lost": lost,
            "duplicated": duplicated,
            **extra,
        }


def compare(expected: list[str], seen: list[str]) -> tuple[int, int]:
    """(lost, duplicated): expected bodies never seen, and sightings beyond the first."""
    counts = Counter(seen)
    lost = sum(1 for body in expected if counts[body] == 0)
    duplicated = sum(n - 1 for body, n in counts.items() if n > 1)
    return lost, duplicated
