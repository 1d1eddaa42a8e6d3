"""A fetched key set holding keys the operator did not allow: those are skipped, not fatal.

The identity provider decides what its ``jwks_uri`` publishes (an RSA and an
EC key, a key type joserfc cannot read, …). Keys that fit no allowed
algorithm are left out, logged once per fetch and counted; logins fail only
when no usable key remains.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from prometheus_client.parser import text_string_to_metric_families

from tests.api.support import assert_error
from tests.api.test_jwks import fetches, tessera
from tests.conftest import LiveServer, StartServer
from tests.support.idp import jwks_endpoint
from tests.support.keys import ec_pair, jwk, rsa_pair, sign

RSA_PAIR, EC_PAIR = rsa_pair(), ec_pair(ec.SECP256R1())
RSA_JWK = jwk(RSA_PAIR, "RSA", kid="rsa-2026", use="sig")
EC_JWK = jwk(EC_PAIR, "EC", kid="ec-2026", use="sig")
#: A key type joserfc has no reader for (ML-DSA, draft-ietf-cose-dilithium).
ALIEN_JWK: dict[str, Any] = {"kty": "AKP", "alg": "ML-DSA-44", "pub": "AAAA", "kid": "pq-1"}
ES256_ONLY = {"algorithm": "ES256"}


def es256_token(sub: str = "ann") -> str:
    return sign({"sub": sub}, EC_PAIR.private_pem, "ES256", kid="ec-2026")


async def skipped_keys(live: LiveServer) -> float:
    """``tessera_jwks_skipped_keys_total``, scraped and parsed."""
    text = (await live.client.get("/_synapse/metrics")).text
    return sum(
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "tessera_jwks_skipped_keys_total"
    )


async def test_an_rsa_key_next_to_the_ec_key_does_not_stop_es256_logins(
    start_server: StartServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="tessera.services.jwks")
    with jwks_endpoint([RSA_JWK, EC_JWK]) as idp:
        async with tessera(start_server, idp, **ES256_ONLY) as live:
            response = await live.login(es256_token())

            assert response.status_code == 200, response.text
            assert await fetches(live) == {"ok": 1}
            assert await skipped_keys(live) == 1
    warnings = [r.getMessage() for r in caplog.records if "skipped" in r.getMessage()]
    assert len(warnings) == 1, warnings  # once for the fetch, not once per login
    assert "keys[0] 'rsa-2026'" in warnings[0]
    assert "ES256" in warnings[0]


async def test_an_rs256_token_is_not_verified_by_a_skipped_rsa_key(
    start_server: StartServer,
) -> None:
    with jwks_endpoint([RSA_JWK, EC_JWK]) as idp:
        async with tessera(start_server, idp, **ES256_ONLY) as live:
            rs256 = sign({"sub": "ann"}, RSA_PAIR.private_pem, "RS256", kid="rsa-2026")

            response = await live.login(rs256)

            assert_error(response, 403, "M_FORBIDDEN")


async def test_a_key_type_joserfc_cannot_read_is_skipped_too(start_server: StartServer) -> None:
    with jwks_endpoint([ALIEN_JWK, RSA_JWK, EC_JWK]) as idp:
        async with tessera(start_server, idp, **ES256_ONLY) as live:
            response = await live.login(es256_token())

            assert response.status_code == 200, response.text
            assert await skipped_keys(live) == 2


async def test_a_set_with_no_usable_key_still_fails_the_fetch(start_server: StartServer) -> None:
    with jwks_endpoint([RSA_JWK, ALIEN_JWK]) as idp:
        async with tessera(start_server, idp, **ES256_ONLY) as live:
            response = await live.login(es256_token())

            assert_error(response, 503, "M_UNKNOWN")
            assert "cannot be fetched" in response.json()["error"]
            assert (await fetches(live)).get("error", 0) >= 1


async def test_only_one_of_two_allowed_algorithms_needs_a_key_in_a_fetched_set(
    start_server: StartServer,
) -> None:
    """``algorithms: [RS256, ES256]`` with only an EC key published: ES256 works."""
    with jwks_endpoint([EC_JWK]) as idp:
        async with tessera(
            start_server, idp, algorithm=None, algorithms=["RS256", "ES256"]
        ) as live:
            response = await live.login(es256_token())

            assert response.status_code == 200, response.text
