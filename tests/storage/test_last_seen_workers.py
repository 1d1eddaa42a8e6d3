"""Last-seen batches of several workers: each flushes its own, the newest sighting wins."""

from tessera.services.last_seen import MAX_USER_AGENT, LastSeen
from tessera.storage.database import Database

ALICE = "@alice:test.local"


async def test_an_older_sighting_flushed_late_does_not_overwrite_a_newer_one(
    database: Database,
) -> None:
    async with database.write() as txn:
        await txn.users.create(ALICE, None, 0)
        await txn.devices.ensure(ALICE, "D1", None, 0)
    worker_a = LastSeen(database, lambda: 100.0)
    worker_b = LastSeen(database, lambda: 102.0)
    worker_a.record(ALICE, "D1", "10.0.0.1")
    worker_b.record(ALICE, "D1", "10.0.0.2")

    await worker_b.flush()  # B's timer fires first
    await worker_a.flush()  # A's batch holds the older sighting

    async with database.read() as txn:
        device = await txn.devices.get(ALICE, "D1")
    assert device is not None
    assert (device.last_seen_ip, device.last_seen_ts) == ("10.0.0.2", 102_000)


async def test_a_newer_sighting_replaces_an_older_one(database: Database) -> None:
    async with database.write() as txn:
        await txn.users.create(ALICE, None, 0)
        await txn.devices.ensure(ALICE, "D1", None, 0)
    for seconds, ip in ((100.0, "10.0.0.1"), (103.0, "10.0.0.3")):
        worker = LastSeen(database, lambda seconds=seconds: seconds)
        worker.record(ALICE, "D1", ip)
        await worker.flush()

    async with database.read() as txn:
        device = await txn.devices.get(ALICE, "D1")
    assert device is not None
    assert (device.last_seen_ip, device.last_seen_ts) == ("10.0.0.3", 103_000)


async def test_the_user_agent_is_stored_with_the_sighting_bounded_and_without_nul(
    database: Database,
) -> None:
    async with database.write() as txn:
        await txn.users.create(ALICE, None, 0)
        await txn.devices.ensure(ALICE, "D1", None, 0)
        await txn.devices.ensure(ALICE, "D2", None, 0)
    worker = LastSeen(database, lambda: 100.0)
    worker.record(ALICE, "D1", "10.0.0.1", "Element/1.0")
    # PostgreSQL's text refuses NUL: kept, it would fail every flush of the batch.
    worker.record(ALICE, "D2", "10.0.0.2", "nio\x00/0.24" + "y" * (2 * MAX_USER_AGENT))

    await worker.flush()

    async with database.read() as txn:
        one, two = await txn.devices.get(ALICE, "D1"), await txn.devices.get(ALICE, "D2")
    assert one is not None and two is not None
    assert one.last_seen_user_agent == "Element/1.0"
    assert two.last_seen_user_agent == ("nio/0.24" + "y" * MAX_USER_AGENT)[:MAX_USER_AGENT]
