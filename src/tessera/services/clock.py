"""Time, injectable so tests can pin it."""

from __future__ import annotations

import time
from collections.abc import Callable

#: Seconds since the epoch.
Clock = Callable[[], float]

system_clock: Clock = time.time


def now_ms(clock: Clock) -> int:
    return int(clock() * 1000)
