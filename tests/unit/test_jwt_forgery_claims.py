"""Genuinely signed tokens with hostile claims: accepted exactly when the rules say so.

Every token here is signed with the configured key (HMAC, RSA, EC, Ed25519
or the mixed JWK Set of ``tests.support.forgery``), so the signature never
decides: the claims do. ``exp``/``nbf``/``iat`` are drawn as raw JSON
(huge, negative, fractional, ``true``, strings, ``null``, ``NaN``,
``Infinity``, ``1e400``, 400-digit integers …), the subject as any Unicode
(NUL, RTL marks, confusables, ``@``, ``:``, ``/``, ``..``, whitespace, lone
surrogates) or any other JSON value, with extra claims of any name. A small
model of the rules, written here from the README table rather than from
``jwt_claims``, says what must happen; ``verify`` must agree, return the
subject unchanged, and raise nothing but ``JwtRejected``.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
from functools import cache
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tessera.core.jwt_login import JwtIdentity, JwtPolicy, JwtRejected, verify
from tessera.policy import build_jwt_policy
from tests.support.forgery import HOSTILE_SUBJECTS, NOW, Tally, World, worlds

pytestmark = pytest.mark.filterwarnings("ignore:EdDSA is deprecated:joserfc.errors.SecurityWarning")

EXAMPLES = int(os.environ.get("TESSERA_FORGERY_EXAMPLES", "100"))
PROPERTY = settings(
    max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
LEEWAY = 120
TALLY = Tally()
NAMES = ("HS256", "RS256", "ES256", "EdDSA", "JWKS")
TIME_CLAIMS = ("exp", "nbf", "iat")

the_worlds = st.sampled_from(NAMES).map(lambda name: worlds()[name])

#: JSON texts for a time claim: what an issuer (or a bug in one) might write.
time_literals = st.one_of(
    st.integers(NOW - 2 * LEEWAY, NOW + 2 * LEEWAY).map(str),
    st.integers(-(10**30), 10**30).map(str),
    st.floats(NOW - 2 * LEEWAY, NOW + 2 * LEEWAY).map(repr),
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.sampled_from(["NaN", "-NaN", "Infinity", "-Infinity", "1e400", "-1e400", "1" + "0" * 400]),
    st.sampled_from(["-" + "9" * 300, "0", "-0", "-0.0", "5e-324", "1.7e308", "1700000000.0"]),
    st.sampled_from(["true", "false", "null", '"1700000000"', '""', "[]", "{}", "[1700000000]"]),
    st.text(max_size=8).map(json.dumps),
)
subject_literals = st.one_of(
    st.text().map(json.dumps),
    st.sampled_from(HOSTILE_SUBJECTS).map(json.dumps),
    st.sampled_from(['"\\ud800"', '"a\\udfffb"', "0", "42", "-1", "1.5", "true", "false"]),
    st.sampled_from(["null", "[]", '["alice"]', '{"name": "alice"}', "1e400", "NaN"]),
)
display_literals = st.one_of(
    st.text().map(json.dumps),
    st.sampled_from(['"\\ud800"', '"a\\u0000b"', '"\\u0000"', '""', "null", "7", "[]"]),
)
extra_claims = st.dictionaries(
    st.text(max_size=10).filter(lambda name: name not in {*TIME_CLAIMS, "sub", "aud", "name"}),
    st.one_of(st.text(), st.integers(), st.none(), st.booleans()).map(json.dumps),
    max_size=3,
)


@cache
def policy_with_display_name(name: str) -> JwtPolicy:
    world = worlds()[name]
    return build_jwt_policy(dataclasses.replace(world.config, display_name_claim="name"))


# --- the model -----------------------------------------------------------------------------------


def is_number(value: object) -> bool:
    """A JSON number the rules can compare: an integer (not a boolean) or a finite float."""
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, float) and math.isfinite(value))


def expected_subject(claims: dict[str, Any]) -> str | None:
    """What the model says ``verify`` returns as the subject, or None for a rejection."""
    for name in TIME_CLAIMS:
        if name in claims and not is_number(claims[name]):
            return None
    if "exp" in claims and claims["exp"] < NOW - LEEWAY:
        return None
    if "nbf" in claims and claims["nbf"] > NOW + LEEWAY:
        return None
    if "iat" in claims and claims["iat"] > NOW + LEEWAY:
        return None
    if claims.get("aud") is not None:  # no audiences configured: any aud is refused
        return None
    sub = claims.get("sub")
    if isinstance(sub, bool) or not isinstance(sub, str | int):
        return None
    return str(sub)


def payload_text(members: dict[str, str]) -> bytes:
    body = ", ".join(f"{json.dumps(name)}: {literal}" for name, literal in members.items())
    # ensure_ascii=False would refuse lone surrogates; the literals carry their own escapes.
    return ("{" + body + "}").encode("utf-8", "surrogatepass")


def judged(world: World, policy: JwtPolicy, payload: bytes) -> tuple[JwtIdentity | None, Any]:
    """Sign ``payload`` for real, verify it, and tally the verdict against the model."""
    token = world.sign(payload)
    try:
        claims = json.loads(payload)
    except ValueError:  # e.g. -NaN: not even Python's lenient JSON
        claims = {}
    TALLY.tried += 1
    try:
        identity: JwtIdentity | None = verify(token, policy, NOW)
    except JwtRejected:
        identity = None
    expected = expected_subject(claims)
    if identity is None:
        TALLY.rejected += 1
    elif expected is None:
        TALLY.forged_accepted += 1  # claims the rules refuse got in
    else:
        TALLY.genuine_accepted += 1
    assert (identity and identity.subject) == expected, (claims, identity)
    return identity, claims


# --- properties ----------------------------------------------------------------------------------


@PROPERTY
@given(
    world=the_worlds,
    times=st.dictionaries(st.sampled_from(TIME_CLAIMS), time_literals),
    subject=st.one_of(st.none(), subject_literals),
    extras=extra_claims,
)
def test_time_claims_of_any_json_value_follow_the_rules(
    world: World, times: dict[str, str], subject: str | None, extras: dict[str, str]
) -> None:
    members = {**extras, **times}
    if subject is not None:
        members["sub"] = subject

    judged(world, world.policy, payload_text(members))


@PROPERTY
@given(world=the_worlds, subject=subject_literals, exp=time_literals)
def test_subject_of_any_value_is_returned_unchanged_or_refused(
    world: World, subject: str, exp: str
) -> None:
    identity, claims = judged(world, world.policy, payload_text({"sub": subject, "exp": exp}))

    if identity is not None and isinstance(claims["sub"], str):
        assert identity.subject == claims["sub"]  # no trimming, folding or normalising


def is_storable_text(value: object) -> bool:
    """Text both databases hold: no NUL, no lone surrogate (it has no UTF-8 form)."""
    return isinstance(value, str) and not any(
        c == "\x00" or 0xD800 <= ord(c) < 0xE000 for c in value
    )


@PROPERTY
@given(world=the_worlds, subject=st.sampled_from(HOSTILE_SUBJECTS), name=display_literals)
def test_display_name_is_a_storable_non_empty_string_or_none(
    world: World, subject: str, name: str
) -> None:
    policy = policy_with_display_name(world.name)
    identity, claims = judged(
        world, policy, payload_text({"sub": json.dumps(subject), "name": name})
    )

    assert identity is not None
    given_name = claims["name"]
    usable = is_storable_text(given_name) and given_name != ""
    assert identity.display_name == (given_name if usable else None)


@PROPERTY
@given(world=the_worlds, aud=st.one_of(st.text(), st.lists(st.text(), max_size=2)).map(json.dumps))
def test_any_audience_is_refused_when_none_is_configured(world: World, aud: str) -> None:
    identity, _ = judged(world, world.policy, payload_text({"sub": '"alice"', "aud": aud}))

    assert identity is None


def test_claims_tally(capsys: pytest.CaptureFixture[str]) -> None:
    """Runs last in this module: reports what was tried, and that no bad claim got in."""
    with capsys.disabled():
        print(f"\n{TALLY.report('claims (genuinely signed)')}")
    assert TALLY.forged_accepted == 0
    assert TALLY.tried > 0
