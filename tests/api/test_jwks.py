"""``jwks_uri`` over real HTTP: Tessera fetching a real JWKS endpoint while clients log in.

Rotation with no failed login, the identity provider down at startup and
mid-run, a flood of unknown ``kid``s (at most one refetch per interval), a
hanging endpoint (no login waits past ``jwks_timeout``), garbage answers
(the last good set stays), and what a fetch refuses: a body over 1 MiB (one
that never ends is cut off there), a redirect, a certificate no trusted CA
signed.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tessera.config import ListenerConfig, parse_config
from tessera.services.jwks import MAX_JWKS_BYTES
from tests.api.support import assert_error, assert_forbidden
from tests.conftest import SERVER_NAME, LiveServer, StartServer
from tests.support.idp import JwksEndpoint, jwks_endpoint, tls_files
from tests.support.keys import jwk, rsa_pair, sign

OLD, NEW = rsa_pair(), rsa_pair()
OLD_JWK, NEW_JWK = jwk(OLD, "RSA", kid="2025"), jwk(NEW, "RSA", kid="2026")
UNKNOWN_KID = "JWT validation failed: unknown_kid: Unknown 'kid' value in header"


def token(pair: Any, kid: str, sub: str = "ann") -> str:
    return sign({"sub": sub}, pair.private_pem, "RS256", kid=kid)


@asynccontextmanager
async def tessera(
    start_server: StartServer, endpoint: JwksEndpoint, **keys: Any
) -> AsyncIterator[LiveServer]:
    jwt = {"enabled": True, "algorithm": "RS256", "jwks_uri": endpoint.url, **keys}
    config = parse_config({"server_name": SERVER_NAME, "jwt_config": jwt}, Path("."))
    metrics = ListenerConfig(port=0, resources=("client", "metrics"))
    async with start_server(jwt=config.jwt, enable_metrics=True, listeners=(metrics,)) as live:
        yield live


async def fetches(live: LiveServer) -> dict[str, float]:
    """``tessera_jwks_fetches_total`` by outcome, scraped and parsed."""
    text = (await live.client.get("/_synapse/metrics")).text
    return {
        sample.labels["outcome"]: sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "tessera_jwks_fetches_total"
    }


async def test_keys_are_fetched_at_startup(start_server: StartServer) -> None:
    with jwks_endpoint([OLD_JWK]) as idp:
        async with tessera(start_server, idp) as live:
            assert idp.hits == 1
            response = await live.login(token(OLD, "2025"))

            assert response.status_code == 200, response.text
            assert idp.hits == 1  # the cached set served the login


async def test_rotation_to_a_new_key_set_loses_no_login(start_server: StartServer) -> None:
    with jwks_endpoint([OLD_JWK]) as idp:
        async with tessera(start_server, idp) as live:
            assert (await live.login(token(OLD, "2025"))).status_code == 200
            idp.serve([NEW_JWK])  # the IdP rotates: the old key is gone

            # The first token with the new kid makes Tessera refetch, and logs in.
            results = await asyncio.gather(
                *(live.login(token(NEW, "2026", f"u{i}")) for i in range(20))
            )

            assert [r.status_code for r in results] == [200] * 20
            assert idp.hits == 2
            assert await fetches(live) == {"ok": 2}
            assert_forbidden(await live.login(token(OLD, "2025")), UNKNOWN_KID)


async def test_a_flood_of_unknown_kids_refetches_at_most_once_per_interval(
    start_server: StartServer,
) -> None:
    with jwks_endpoint([OLD_JWK]) as idp:
        async with tessera(start_server, idp, jwks_refetch_interval="1h") as live:
            forged = [token(NEW, uuid.uuid4().hex) for _ in range(100)]
            results = await asyncio.gather(*(live.login(t) for t in forged))

            assert {r.status_code for r in results} == {403}
            assert idp.hits == 2  # startup, then one refetch for the whole flood
            assert (await live.login(token(OLD, "2025"))).status_code == 200


async def test_the_idp_down_at_startup_gives_503_then_recovers(start_server: StartServer) -> None:
    with jwks_endpoint([OLD_JWK]) as idp:
        idp.status = 503
        async with tessera(start_server, idp, jwks_refetch_interval=200) as live:
            down = await live.login(token(OLD, "2025"))
            assert_error(down, 503, "M_UNKNOWN")
            assert "cannot be fetched" in down.json()["error"]

            idp.status = 200
            await asyncio.sleep(0.3)  # past the refetch interval
            response = await live.login(token(OLD, "2025"))

            assert response.status_code == 200, response.text


async def test_the_idp_down_mid_run_keeps_the_last_good_keys(start_server: StartServer) -> None:
    with jwks_endpoint([OLD_JWK]) as idp:
        async with tessera(start_server, idp) as live:
            idp.status = 500
            unknown = await live.login(token(NEW, "2026"))
            known = await live.login(token(OLD, "2025"))

            assert_forbidden(unknown, UNKNOWN_KID)
            assert known.status_code == 200, known.text


async def test_garbage_answers_keep_the_last_good_keys(start_server: StartServer) -> None:
    garbage = [
        b"<html>oops</html>",
        b'{"keys": "none"}',
        b'{"keys": [{"kty": "RSA"}]}',
        b"[]",
        b"\xff" * 10,
    ]
    with jwks_endpoint([OLD_JWK]) as idp:
        async with tessera(start_server, idp, jwks_refetch_interval=1) as live:
            for body in garbage:
                idp.body = body
                await asyncio.sleep(0.01)
                assert_forbidden(await live.login(token(NEW, "2026")), UNKNOWN_KID)
                assert (await live.login(token(OLD, "2025"))).status_code == 200
            assert idp.hits == 1 + len(garbage)
            assert await fetches(live) == {"ok": 1, "error": len(garbage)}


async def test_a_hanging_idp_never_holds_a_login_past_the_timeout(
    start_server: StartServer,
) -> None:
    with jwks_endpoint([OLD_JWK]) as idp:
        async with tessera(start_server, idp, jwks_timeout=300) as live:
            idp.delay = 5.0
            started = time.monotonic()
            results = await asyncio.gather(*(live.login(token(NEW, "2026")) for _ in range(10)))
            waited = time.monotonic() - started
            known = await live.login(token(OLD, "2025"))

            assert {r.status_code for r in results} == {403}
            assert waited < 2.0, waited  # 0.3 s timeout; the endpoint would take 5 s
            assert known.status_code == 200


async def test_a_hanging_idp_at_startup_delays_startup_by_the_timeout_only(
    start_server: StartServer,
) -> None:
    with jwks_endpoint([OLD_JWK]) as idp:
        idp.delay = 5.0
        started = time.monotonic()
        async with tessera(start_server, idp, jwks_timeout=300) as live:
            assert time.monotonic() - started < 2.0
            assert_error(await live.login(token(OLD, "2025")), 503, "M_UNKNOWN")


async def test_the_set_is_refreshed_in_the_background_as_max_age_says(
    start_server: StartServer,
) -> None:
    with jwks_endpoint([OLD_JWK]) as idp:
        idp.cache_control = "public, max-age=0"
        async with tessera(start_server, idp, jwks_cache_min=100, jwks_cache_max="1h"):
            idp.serve([OLD_JWK, NEW_JWK])
            await asyncio.sleep(0.5)

            assert idp.hits >= 3  # refetched every jwks_cache_min with no login at all


# --- what a fetch refuses: too much, a redirect, an unverified certificate ------------------


def padded_to(size: int, keys: list[dict[str, Any]]) -> bytes:
    """A valid JWK Set document of exactly ``size`` bytes (JSON whitespace after it)."""
    document = json.dumps({"keys": keys}).encode()
    assert len(document) <= size
    return document + b" " * (size - len(document))


async def test_a_key_set_of_exactly_1_mib_is_read(start_server: StartServer) -> None:
    with jwks_endpoint([OLD_JWK]) as idp:
        idp.body = padded_to(MAX_JWKS_BYTES, [OLD_JWK])
        async with tessera(start_server, idp) as live:
            response = await live.login(token(OLD, "2025"))

    assert response.status_code == 200, response.text


async def test_a_key_set_one_byte_over_1_mib_is_refused(start_server: StartServer) -> None:
    with jwks_endpoint([OLD_JWK]) as idp:
        idp.body = padded_to(MAX_JWKS_BYTES + 1, [OLD_JWK])
        async with tessera(start_server, idp) as live:
            response = await live.login(token(OLD, "2025"))
            outcomes = await fetches(live)

    assert_error(response, 503, "M_UNKNOWN")  # no keys: the one answer was refused
    assert outcomes.get("ok", 0) == 0
    assert outcomes["error"] >= 1


async def test_a_body_that_never_ends_is_cut_off_after_1_mib(start_server: StartServer) -> None:
    with jwks_endpoint([OLD_JWK]) as idp:
        idp.endless = True
        async with tessera(start_server, idp, jwks_timeout="10s") as live:
            assert idp.done.wait(10)  # Tessera hung up: the endpoint could write no more
            response = await live.login(token(OLD, "2025"))

    assert_error(response, 503, "M_UNKNOWN")
    # Read up to the cap, plus what the loopback socket buffers held when it hung up;
    # streaming on until the 10 s timeout would have been gigabytes.
    assert MAX_JWKS_BYTES <= idp.sent < 32 * MAX_JWKS_BYTES, idp.sent


async def test_a_redirect_is_not_followed(start_server: StartServer) -> None:
    with jwks_endpoint([OLD_JWK]) as target, jwks_endpoint([OLD_JWK]) as idp:
        idp.redirect = target.url
        async with tessera(start_server, idp) as live:
            response = await live.login(token(OLD, "2025"))

    assert_error(response, 503, "M_UNKNOWN")
    assert idp.hits >= 1
    assert target.hits == 0  # the key set it points to was never asked for


async def test_a_certificate_no_trusted_ca_signed_is_refused(
    start_server: StartServer, tmp_path: Path
) -> None:
    with jwks_endpoint([OLD_JWK], tls=tls_files(tmp_path)) as idp:
        async with tessera(start_server, idp) as live:
            response = await live.login(token(OLD, "2025"))

    assert_error(response, 503, "M_UNKNOWN")
    assert idp.hits == 0  # the handshake failed: no request was ever made


async def test_the_same_https_endpoint_is_read_once_its_ca_is_trusted(
    start_server: StartServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The control for the test above: only the certificate check refused it."""
    files = tls_files(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(files.ca))  # httpx's trust store, from the env
    with jwks_endpoint([OLD_JWK], tls=files) as idp:
        async with tessera(start_server, idp) as live:
            response = await live.login(token(OLD, "2025"))

    assert response.status_code == 200, response.text
    assert idp.hits == 1
