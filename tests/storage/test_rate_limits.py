"""Rate-limit buckets in the database: one upsert per action, atomic under concurrency."""

import asyncio

from tessera.storage.database import Database

ADDRESS = "rc_login.address"


async def _take(
    database: Database,
    key: str = "10.0.0.1",
    *,
    now: float = 1000.0,
    per_second: float = 0.5,
    burst_count: int = 3,
    always: bool = False,
    name: str = ADDRESS,
) -> tuple[bool, float]:
    async with database.write() as txn:
        return await txn.rate_limits.take(
            name, key, now=now, per_second=per_second, burst_count=burst_count, always=always
        )


async def _level(database: Database, key: str = "10.0.0.1", *, now: float = 1000.0) -> float:
    async with database.read() as txn:
        return await txn.rate_limits.level(ADDRESS, key, now=now, per_second=0.5, burst_count=3)


async def _rows(database: Database) -> int:
    async with database.read() as txn:
        row = await txn.sql.row("SELECT count(*) AS n FROM rate_limit_buckets")
        assert row is not None
        return int(row["n"])


async def test_a_burst_is_allowed_then_refused_without_using_anything(database: Database) -> None:
    results = [await _take(database) for _ in range(5)]
    assert [allowed for allowed, _ in results] == [True, True, True, False, False]
    assert [level for _, level in results] == [2.0, 1.0, 0.0, 0.0, 0.0]


async def test_the_bucket_refills_with_time_up_to_the_burst(database: Database) -> None:
    for _ in range(3):
        await _take(database)
    assert await _level(database, now=1001.0) == 0.5
    assert await _take(database, now=1001.0) == (False, 0.5)
    assert await _take(database, now=1002.0) == (True, 0.0)
    assert await _level(database, now=9999.0) == 3.0  # never above the burst


async def test_a_clock_running_backwards_refills_nothing(database: Database) -> None:
    await _take(database, now=1000.0)
    assert await _take(database, now=900.0) == (True, 1.0)


async def test_recorded_actions_go_below_zero_and_wait_longer(database: Database) -> None:
    levels = [(await _take(database, always=True))[1] for _ in range(5)]
    assert levels == [2.0, 1.0, 0.0, -1.0, -2.0]
    assert await _level(database, now=1004.0) == 0.0  # two seconds per action to refill


async def test_keys_and_limits_have_their_own_buckets(database: Database) -> None:
    for _ in range(3):
        await _take(database, "10.0.0.1")
    assert (await _take(database, "10.0.0.2"))[0]
    assert (await _take(database, "10.0.0.1", name="rc_login.account"))[0]
    assert not (await _take(database, "10.0.0.1"))[0]


async def test_any_key_is_stored_hashed(database: Database) -> None:
    odd = "@" + "x" * 20_000 + "\x00:example.org"  # longer than any index entry, with a NUL
    assert await _take(database, odd) == (True, 2.0)
    assert await _level(database, odd) == 2.0


async def test_a_bucket_that_never_refills_stays_empty(database: Database) -> None:
    assert await _take(database, per_second=0.0, burst_count=1) == (True, 0.0)
    assert await _take(database, now=1e9, per_second=0.0, burst_count=1) == (False, 0.0)


async def test_a_zero_burst_refuses_everything(database: Database) -> None:
    assert await _take(database, burst_count=0) == (False, 0.0)
    assert await _take(database, burst_count=0) == (False, 0.0)


async def test_only_buckets_full_again_are_purged(database: Database) -> None:
    await _take(database, "a", now=1000.0)  # one action: full again at 1002
    for _ in range(3):
        await _take(database, "b", now=1000.0)  # three: full again at 1006
    async with database.write() as txn:
        assert await txn.rate_limits.purge_full(1001.9) == 0
        assert await txn.rate_limits.purge_full(1002.0) == 1
    assert await _rows(database) == 1
    assert await _level(database, "b", now=1002.0) == 1.0
    async with database.write() as txn:
        assert await txn.rate_limits.purge_full(1006.0) == 1
    assert await _rows(database) == 0


async def test_concurrent_takes_never_exceed_the_burst(database: Database) -> None:
    # On PostgreSQL these run on several pooled connections at once: the row
    # lock of the upsert is what keeps the count exact.
    results = await asyncio.gather(*(_take(database, burst_count=5) for _ in range(20)))
    assert sum(allowed for allowed, _ in results) == 5
