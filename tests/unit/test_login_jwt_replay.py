"""``jti_replay_protection``: any signed ``exp`` becomes a storable expiry, or a 4xx.

The pure verifier accepts any finite JSON number as ``exp`` (a 400-digit
integer is just a token that expires late); the login service then turns
``exp`` into the instant the spent ``jti`` may be forgotten. That step once
did ``float(exp)``, which overflows past 1e308: a signed ``exp = 10**400``
was a 500. Here every JSON number an issuer could sign goes through the
service, which must return a guard with an expiry the database can hold, or
refuse with a Matrix error below 500, and never raise anything else.
"""

from __future__ import annotations

import asyncio
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tessera.config import JwtConfig
from tessera.core.errors import MatrixError
from tessera.policy import build_jwt_policy
from tessera.services.login.jwt import MAX_REPLAY_EXPIRY_S, JwtLogin, JwtProvider
from tests.api.support import hmac_jws
from tests.conftest import SEED_SECRET

NOW = 1_700_000_000
LEEWAY = 120
EXAMPLES = int(os.environ.get("TESSERA_FORGERY_EXAMPLES", "100"))
PROPERTY = settings(
    max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
#: The largest expiry the service may store, in milliseconds (a BIGINT holds far more).
MAX_EXPIRY_MS = MAX_REPLAY_EXPIRY_S * 1000

#: JSON texts for ``exp``: huge, tiny, fractional, beyond a float, beyond Python's int parser.
exp_literals = st.one_of(
    st.integers(NOW - 2 * LEEWAY, NOW + 10**9).map(str),
    st.integers(-(10**450), 10**450).map(str),
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.sampled_from(
        [
            "1" + "0" * 400,
            "9" * 4000,
            "9" * 5000,  # past Python's 4300-digit int limit: the JSON parser refuses it
            "1e400",
            "1.7976931348623157e308",
            "1e308",
            str(2**63),
            str(2**64 + 1),
            str(NOW) + ".999999999",
        ]
    ),
)


def replay_login() -> JwtLogin:
    config = JwtConfig(
        enabled=True,
        secret=SEED_SECRET,
        algorithm="HS256",
        require_exp=True,
        jti_replay_protection=True,
    )
    provider = JwtProvider("jwt_config", build_jwt_policy(config), replay_protection=True)
    return JwtLogin([provider], clock=lambda: float(NOW))


LOGIN = replay_login()


@PROPERTY
@given(exp=exp_literals)
def test_any_signed_exp_gives_a_storable_replay_expiry_or_a_client_error(exp: str) -> None:
    payload = f'{{"sub": "alice", "jti": "j1", "exp": {exp}}}'.encode()
    token = hmac_jws({"alg": "HS256"}, payload)

    try:
        identity = asyncio.run(LOGIN.authenticate({"token": token}))
    except MatrixError as refused:
        assert refused.status < 500, (exp, refused.message)
        return

    assert identity.replay is not None
    assert isinstance(identity.replay.expiry_ms, int)
    assert NOW * 1000 <= identity.replay.expiry_ms <= MAX_EXPIRY_MS, exp


@pytest.mark.parametrize("exp", ["1" + "0" * 400, "1e308", str(2**64 + 1)])
def test_an_exp_past_any_date_is_kept_until_the_cap(exp: str) -> None:
    token = hmac_jws({"alg": "HS256"}, f'{{"sub": "alice", "jti": "j1", "exp": {exp}}}'.encode())

    identity = asyncio.run(LOGIN.authenticate({"token": token}))

    assert identity.replay is not None
    assert identity.replay.expiry_ms == MAX_EXPIRY_MS


def test_an_ordinary_exp_is_kept_for_the_leeway_after_it() -> None:
    token = hmac_jws({"alg": "HS256"}, {"sub": "alice", "jti": "j1", "exp": NOW + 60})

    identity = asyncio.run(LOGIN.authenticate({"token": token}))

    assert identity.replay is not None
    assert identity.replay.expiry_ms == (NOW + 60 + LEEWAY) * 1000
