"""Token buckets with Synapse's rc_* semantics, on a pinned clock."""

from pathlib import Path

import pytest

from tessera.config import ConfigError, parse_config
from tessera.config.model import LoginRateLimits, RateLimitConfig
from tessera.core.errors import MatrixError
from tessera.core.ratelimit import RateLimiter


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
