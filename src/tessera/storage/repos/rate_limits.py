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
from typing import Any

from sqlalchemy import (
    Boolean,
    ColumnElement,
    Double,
    and_,
    bindparam,
    case,
    delete,
    literal,
    or_,
    select,
)

from tessera.core.ratelimit import refilled
from tessera.storage.repos.base import Repo, dialect_insert
from tessera.storage.tables import rate_limit_buckets as buckets

#: Seconds per action used for ``full_at`` when a bucket never refills.
_NEVER = 1e200


def _take_statement(dialect: str) -> Any:
    now = bindparam("now", type_=Double)
    burst = bindparam("burst", type_=Double)
    rate = bindparam("rate", type_=Double)
    zero = literal(0.0, Double)
    elapsed = case((now > buckets.c.updated_at, now - buckets.c.updated_at), else_=zero)
    raw = buckets.c.level + elapsed * rate
    level: ColumnElement[Any] = case((raw > burst, burst), else_=raw)
    allowed = or_(bindparam("always", type_=Boolean), level >= 1)
    new_level = case((allowed, level - 1), else_=level)
    insert = dialect_insert(dialect)
    return (
        insert(buckets)
        .values(
            name=bindparam("name"),
            key_hash=bindparam("key_hash"),
            level=bindparam("first_level"),
            updated_at=now,
            full_at=bindparam("first_full_at"),
            allowed=bindparam("first_allowed"),
        )
        .on_conflict_do_update(
            index_elements=[buckets.c.name, buckets.c.key_hash],
            set_={
                "level": new_level,
                "updated_at": now,
                "full_at": now
                + (burst - new_level) * bindparam("seconds_per_action", type_=Double),
                "allowed": allowed,
            },
        )
        .returning(buckets.c.level, buckets.c.allowed)
    )


#: dialect → the take statement, built on first use (only the engine in use is imported).
_TAKE: dict[str, Any] = {}


def _take(dialect: str) -> Any:
    statement = _TAKE.get(dialect)
    if statement is None:
        statement = _TAKE[dialect] = _take_statement(dialect)
    return statement


_LEVEL = select(buckets.c.level, buckets.c.updated_at).where(
    and_(buckets.c.name == bindparam("name"), buckets.c.key_hash == bindparam("key_hash"))
)
_PURGE = delete(buckets).where(buckets.c.full_at <= bindparam("now"))


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
        row = (
            await self.conn.execute(
                _take(self.dialect),
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
        ).one()
        return bool(row.allowed), float(row.level)

    async def level(
        self, name: str, key: str, *, now: float, per_second: float, burst_count: int
    ) -> float:
        """The actions bucket (``name``, ``key``) holds at ``now`` (nothing is taken)."""
        row = (await self.conn.execute(_LEVEL, {"name": name, "key_hash": _hash(key)})).first()
        if row is None:
            return float(burst_count)
        return refilled(row.level, now - row.updated_at, per_second, burst_count)

    async def purge_full(self, now: float) -> int:
        """Delete buckets that are full again by ``now`` (a missing row is a full bucket)."""
        result = await self.conn.execute(_PURGE, {"now": now})
        return int(result.rowcount)
