"""Rate-limit token buckets in the database, shared by every process using it.

One statement takes an action: an upsert that refills the bucket for the
time since it was last touched, takes one action if there is one (or
always, for actions that already happened), and returns the new level and
whether the action was allowed. The row lock the upsert takes makes two
processes taking from one bucket at once queue, so the limit holds across
them. The arithmetic is ``tessera.core.ratelimit``'s, written in SQL.
"""

from __future__ import annotations

import hashlib

from tessera.core.ratelimit import refilled
from tessera.storage.repos.base import Repo

#: Seconds per action used for ``full_at`` when a bucket never refills.
_NEVER = 1e200


def _double(name: str) -> str:
    # Typed on both engines: PostgreSQL cannot always infer a parameter's type.
    return f"CAST(:{name} AS DOUBLE PRECISION)"


def _take_sql() -> str:
    """The upsert, its arithmetic spelled out (SQL has no local variables)."""
    now, burst, rate = _double("now"), _double("burst"), _double("rate")
    old = "rate_limit_buckets"
    elapsed = f"(CASE WHEN {now} > {old}.updated_at THEN {now} - {old}.updated_at ELSE 0.0 END)"
    raw = f"({old}.level + {elapsed} * {rate})"
    level = f"(CASE WHEN {raw} > {burst} THEN {burst} ELSE {raw} END)"
    allowed = f"(:always OR {level} >= 1)"
    new_level = f"(CASE WHEN {allowed} THEN {level} - 1 ELSE {level} END)"
    return (
        "INSERT INTO rate_limit_buckets (name, key_hash, level, updated_at, full_at, allowed)"
        f" VALUES (:name, :key_hash, {_double('first_level')}, {now},"
        f" {_double('first_full_at')}, :first_allowed)"
        " ON CONFLICT (name, key_hash) DO UPDATE SET"
        f" level = {new_level}, updated_at = {now},"
        f" full_at = {now} + ({burst} - {new_level}) * {_double('seconds_per_action')},"
        f" allowed = {allowed}"
        " RETURNING level, allowed"
    )


_TAKE = _take_sql()
_LEVEL = (
    "SELECT level, updated_at FROM rate_limit_buckets WHERE name = :name AND key_hash = :key_hash"
)
_PURGE = f"DELETE FROM rate_limit_buckets WHERE full_at <= {_double('now')}"


def _hash(key: str) -> bytes:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).digest()


class RateLimitRepo(Repo):
    async def take(
        self,
        name: str,
        key: str,
        *,
        now: float,
        per_second: float,
        burst_count: int,
        always: bool = False,
    ) -> tuple[bool, float]:
        """Take one action from bucket (``name``, ``key``): (allowed, the level left).

        When not allowed nothing is taken, unless ``always`` (the action has
        happened anyway, e.g. a failed password): then the level may go below
        zero and the key waits longer.
        """
        first_allowed = always or burst_count >= 1
        first_level = burst_count - 1 if first_allowed else burst_count
        seconds_per_action = 1 / per_second if per_second > 1 / _NEVER else _NEVER
        row = await self.sql.row(
            _TAKE,
            {
                "name": name,
                "key_hash": _hash(key),
                "now": now,
                "burst": float(burst_count),
                "rate": per_second,
                "always": always,
                "seconds_per_action": seconds_per_action,
                "first_level": float(first_level),
                "first_allowed": first_allowed,
                "first_full_at": now + (burst_count - first_level) * seconds_per_action,
            },
        )
        assert row is not None  # an upsert with RETURNING always returns its row
        return bool(row["allowed"]), float(row["level"])

    async def level(
        self, name: str, key: str, *, now: float, per_second: float, burst_count: int
    ) -> float:
        """The actions bucket (``name``, ``key``) holds at ``now`` (nothing is taken)."""
        row = await self.sql.row(_LEVEL, {"name": name, "key_hash": _hash(key)})
        if row is None:
            return float(burst_count)
        return refilled(row["level"], now - row["updated_at"], per_second, burst_count)

    async def purge_full(self, now: float) -> int:
        """Delete buckets that are full again by ``now`` (a missing row is a full bucket)."""
        return await self.sql.run(_PURGE, {"now": now})
