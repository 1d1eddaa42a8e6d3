"""rc_login over real HTTP: 429 M_LIMIT_EXCEEDED with retry_after_ms and Retry-After."""

from typing import Any

from tessera.config import PasswordConfig
from tessera.config.model import LoginRateLimits, RateLimitConfig
from tests.conftest import SEED_SECRET
from tests.support.keys import sign

SLOW = RateLimitConfig(per_second=0.01, burst_count=2)
FREE = RateLimitConfig(per_second=1e6, burst_count=1_000_000)


def _assert_limited(response: Any) -> None:
    assert response.status_code == 429
    body = response.json()
    assert (body["errcode"], body["error"]) == ("M_LIMIT_EXCEEDED", "Too Many Requests")
    assert 0 < body["retry_after_ms"] <= 100_000
    assert int(response.headers["Retry-After"]) == -(-body["retry_after_ms"] // 1000)


async def test_logins_from_one_address_are_limited_even_when_invalid(start_server: Any) -> None:
    async with start_server(rc_login=LoginRateLimits(SLOW, FREE, FREE)) as server:
        first = await server.login(sign({"sub": "alice"}, SEED_SECRET))
        second = await server.login("not-a-jwt")  # refused, but it still counts
        third = await server.login(sign({"sub": "bob"}, SEED_SECRET))
    assert (first.status_code, second.status_code) == (200, 403)
    _assert_limited(third)


async def test_logins_to_one_account_are_limited(start_server: Any) -> None:
    async with start_server(rc_login=LoginRateLimits(FREE, SLOW, FREE)) as server:
        for _ in range(2):
            assert (await server.login(sign({"sub": "alice"}, SEED_SECRET))).status_code == 200
        # The account key ignores case, as Synapse's does.
        _assert_limited(await server.login(sign({"sub": "Alice"}, SEED_SECRET)))
        other = await server.login(sign({"sub": "bob"}, SEED_SECRET))
    assert other.status_code == 200


async def test_failed_password_attempts_make_the_guesser_wait(start_server: Any) -> None:
    limits = LoginRateLimits(FREE, FREE, SLOW)
    async with start_server(
        rc_login=limits, password=PasswordConfig(enabled=True), bcrypt_rounds=4
    ) as server:
        await server.access_token(sign({"sub": "alice"}, SEED_SECRET))
        body = {"type": "m.login.password", "user": "alice", "password": "guess"}
        statuses = [
            (await server.client.post("/_matrix/client/v3/login", json=body)).status_code
            for _ in range(2)
        ]
        assert statuses == [403, 403]
        _assert_limited(await server.client.post("/_matrix/client/v3/login", json=body))
