"""A key set's background refresh stops when cancelled, whatever it is doing at that moment.

Python 3.11's ``asyncio.wait_for`` can swallow a cancellation that arrives as
the awaited call completes; the refresh loop then never ended, and a
server's shutdown waited for it forever (a test hung that way, now and then).
"""

from __future__ import annotations

import asyncio

from tessera.services.jwks import Fetched, RemoteKeySet

_EMPTY_SET = Fetched(b'{"keys": []}', 0.0)


async def _fetch_after_a_turn(_url: str, _limit_s: float) -> Fetched:
    await asyncio.sleep(0)  # completes on the loop's next turn, as a fast IdP would
    return _EMPTY_SET


def _key_set() -> RemoteKeySet:
    return RemoteKeySet(
        "idp",
        "http://127.0.0.1:9/jwks",
        ["RS256"],
        timeout_ms=1000,
        cache_min_ms=0,  # refetch at once, forever: every turn is some step of a fetch
        cache_max_ms=1000,
        refetch_interval_ms=0,
        fetcher=_fetch_after_a_turn,
    )


async def test_the_refresh_loop_stops_when_cancelled_at_any_step() -> None:
    for turns in range(40):  # cancel at each of the loop's steps in turn
        refresher = asyncio.create_task(_key_set().run())
        for _ in range(turns):
            await asyncio.sleep(0)
        refresher.cancel()
        done, _ = await asyncio.wait({refresher}, timeout=1)
        assert refresher in done, f"still running after a cancel at turn {turns}"
        assert refresher.cancelled()
