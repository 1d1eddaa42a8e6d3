"""``jwt_providers``: which providers a token is tried against, by ``iss`` then ``kid``."""

from __future__ import annotations

import json

import pytest

from tessera.core.jwt_keyset import load_verification_keys
from tessera.core.jwt_login import JwtPolicy
from tessera.core.jwt_rejection import JwtRejected
from tessera.core.jwt_routing import route
from tests.support.keys import oct_jwk


def policy(issuer: str | None, *kids: str) -> JwtPolicy:
    keys = {"keys": [oct_jwk(f"secret-{kid}-" + "x" * 32, kid=kid) for kid in kids or ("k",)]}
    return JwtPolicy(
        key=load_verification_keys(json.dumps(keys), ["HS256"]), algorithm="HS256", issuer=issuer
    )


POLICIES = [policy("https://a"), policy(None), policy("https://b", "b1"), policy("https://b", "b2")]


def test_the_issuer_picks_its_provider() -> None:
    assert route({"iss": "https://a"}, {}, POLICIES) == [0]


def test_an_unknown_or_missing_issuer_goes_to_the_issuer_less_providers() -> None:
    assert route({"iss": "https://other"}, {}, POLICIES) == [1]
    assert route({}, {}, POLICIES) == [1]


def test_kid_puts_the_provider_holding_it_first_among_shared_issuers() -> None:
    assert route({"iss": "https://b"}, {"kid": "b2"}, POLICIES) == [3, 2]
    assert route({"iss": "https://b"}, {"kid": "b1"}, POLICIES) == [2, 3]
    assert route({"iss": "https://b"}, {"kid": "zz"}, POLICIES) == [2, 3]
    assert route({"iss": "https://b"}, {"kid": 7}, POLICIES) == [2, 3]


def test_no_provider_for_the_issuer_is_an_iss_rejection() -> None:
    with pytest.raises(JwtRejected) as caught:
        route({"iss": "https://nobody"}, {}, [POLICIES[0], POLICIES[2]])

    assert caught.value.reason == "unknown_issuer"
    assert "'iss'" in caught.value.message


@pytest.mark.parametrize("issuer", [["https://a"], 1, {"x": 1}, True])
def test_a_non_string_issuer_routes_like_an_unknown_one(issuer: object) -> None:
    assert route({"iss": issuer}, {}, POLICIES) == [1]
