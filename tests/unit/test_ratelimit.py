"""Token buckets with Synapse's rc_* semantics, on a pinned clock."""

from pathlib import Path

import pytest

from tessera.config import ConfigError, parse_config
from tessera.config.model import LoginRateLimits, RateLimitConfig
from tessera.core.errors import MatrixError
from tessera.core.ratelimit import MAX_KEYS, RateLimiter


def test_a_full_bucket_allows_a_burst_then_refuses() -> None:
    limiter = RateLimiter(per_second=1, burst_count=3)
    for _ in range(3):
        limiter.acquire("1.2.3.4", now=100.0)
    with pytest.raises(MatrixError) as refused:
        limiter.acquire("1.2.3.4", now=100.0)
    assert refused.value.status == 429
    assert refused.value.body() == {
        "errcode": "M_LIMIT_EXCEEDED",
        "error": "Too Many Requests",
        "retry_after_ms": 1000,
    }


def test_the_bucket_refills_at_the_configured_rate() -> None:
    limiter = RateLimiter(per_second=0.5, burst_count=1)
    limiter.acquire("k", now=0.0)
    assert limiter.retry_after_ms("k", now=1.0) == 1000
    assert limiter.retry_after_ms("k", now=2.0) is None


def test_keys_have_their_own_buckets() -> None:
    limiter = RateLimiter(per_second=0.001, burst_count=1)
    limiter.acquire("alice", now=0.0)
    limiter.acquire("bob", now=0.0)
    assert limiter.retry_after_ms("alice", now=0.0) is not None


def test_checking_does_not_use_an_action() -> None:
    limiter = RateLimiter(per_second=0.001, burst_count=1)
    assert limiter.too_many("k", now=0.0) is None
    assert limiter.too_many("k", now=0.0) is None
    limiter.record("k", now=0.0)
    assert limiter.too_many("k", now=0.0) is not None


def test_rc_login_defaults_are_synapses() -> None:
    config = parse_config({"server_name": "x"}, base_dir=Path("."))
    assert config.rc_login == LoginRateLimits(
        RateLimitConfig(0.003, 5), RateLimitConfig(0.003, 5), RateLimitConfig(0.17, 3)
    )


def test_rc_login_values_are_read_and_checked() -> None:
    config = parse_config(
        {"server_name": "x", "rc_login": {"address": {"per_second": 2, "burst_count": 10}}},
        base_dir=Path("."),
    )
    assert config.rc_login.address == RateLimitConfig(2.0, 10)
    assert config.rc_login.account == RateLimitConfig(0.003, 5)
    with pytest.raises(ConfigError, match=r"rc_login\.account\.burst_count"):
        parse_config(
            {"server_name": "x", "rc_login": {"account": {"burst_count": 0}}}, base_dir=Path(".")
        )
    with pytest.raises(ConfigError, match=r"rc_login\.addres: unknown key"):
        parse_config({"server_name": "x", "rc_login": {"addres": {}}}, base_dir=Path("."))


# --- a bounded table that never lifts a lockout --------------------------------------------


def locked_out(limiter: RateLimiter, key: str, now: float) -> None:
    """Use up ``key``'s bucket and one more try, as a password guesser would."""
    for _ in range(limiter.burst_count + 1):
        limiter.record(key, now)
    assert limiter.retry_after_ms(key, now) is not None


def test_a_locked_out_key_stays_locked_out_after_the_default_table_overflows() -> None:
    """Synapse's rc_login numbers; 100,000 throw-away keys once cleared every bucket."""
    limiter = RateLimiter(per_second=0.003, burst_count=5)
    locked_out(limiter, "@victim:example.org", now=0.0)
    wait_before = limiter.retry_after_ms("@victim:example.org", now=1.0)

    for index in range(MAX_KEYS + MAX_KEYS // 2):
        limiter.acquire(f"@throwaway-{index}:example.org", now=1.0)

    assert len(limiter) <= MAX_KEYS
    assert limiter.retry_after_ms("@victim:example.org", now=1.0) == wait_before


@pytest.mark.parametrize("rounds", [1, 5])
def test_the_table_stays_bounded_and_keeps_every_lockout_whatever_keys_arrive(
    rounds: int,
) -> None:
    limiter = RateLimiter(per_second=0.01, burst_count=3, max_keys=1_000)
    victims = [f"victim-{n}" for n in range(50)]
    for victim in victims:
        locked_out(limiter, victim, now=0.0)

    sizes = []
    for index in range(rounds * 3_000):
        # Attackers spend part of their own buckets, some nearly all of it.
        key = f"attacker-{index}"
        for _ in range(1 + index % 3):
            limiter.record(key, now=1.0)
        sizes.append(len(limiter))

    assert max(sizes) <= 1_000
    assert all(limiter.retry_after_ms(victim, now=1.0) is not None for victim in victims)


def test_an_overflowing_table_drops_full_buckets_before_any_other() -> None:
    limiter = RateLimiter(per_second=1.0, burst_count=2, max_keys=10)
    for index in range(5):
        limiter.record(f"idle-{index}", now=0.0)  # full again a second later
    for index in range(5):
        limiter.record(f"busy-{index}", now=100.0)
        limiter.record(f"busy-{index}", now=100.0)

    limiter.record("newcomer", now=100.0)

    assert len(limiter) == 6
    assert all(limiter.retry_after_ms(f"busy-{i}", now=100.0) is not None for i in range(5))


def test_when_every_bucket_is_busy_the_fullest_go_first() -> None:
    limiter = RateLimiter(per_second=0.0, burst_count=4, max_keys=10)
    for index in range(10):
        for _ in range(1 + index % 4):  # levels 3, 2, 1, 0, 3, 2, …
            limiter.record(f"k{index}", now=float(index))

    limiter.record("newcomer", now=10.0)

    # One slot freed (a tenth of 10): a level-3 bucket, the oldest of them, k0.
    assert len(limiter) == 10
    assert limiter.retry_after_ms("k3", now=10.0) is not None  # the emptiest are all kept
    assert limiter.retry_after_ms("k7", now=10.0) is not None
    assert limiter.tokens_left("k0", now=10.0) == 4  # back to full: it was dropped
    assert limiter.tokens_left("k4", now=10.0) == 3
    assert limiter.tokens_left("k8", now=10.0) == 3
