"""Nothing an attacker can make without the configured key verifies, on any key family.

Property tests against ``verify`` with policies built by ``build_jwt_policy``
for an HMAC secret, an RSA, an EC and an Ed25519 public key, and a JWK Set
holding all four kinds (see ``tests.support.forgery``). The attacker knows
genuine tokens, the public key in every encoding, and keys of its own; it
flips bits, splices segments, picks ``alg`` (``none`` in any case, HS256
keyed with the public key's PEM, DER or JWK bytes), injects keys through
``kid``/``jku``/``x5u``/``jwk``/``x5c``, marks headers ``crit``, sends JWE
and nested tokens, and repeats JSON keys. One oracle judges every token
(``attempt``): ``JwtRejected``, or the identity of a token the real key
signed; any other exception fails. The network is cut for the whole module
and a socket that ``jku``/``x5u`` name is watched: no key is ever fetched.

Duplicate JSON keys: the last one wins, in the header and the payload alike,
as Python's ``json`` (and so Synapse) reads them; the header ``verify``
judges is the one the signature check uses, so no two readings can differ.

``TESSERA_FORGERY_EXAMPLES`` (default 100) sets the examples per property.
"""

from __future__ import annotations

import base64
import json
import os
import socket
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tessera.core.jwt_login import JwtRejected, verify
from tests.support.forgery import (
    GUESSED_SECRETS,
    NONE_ALGS,
    NOW,
    Tally,
    World,
    accepted_connections,
    attempt,
    key_url,
    signed,
    watched_socket,
    worlds,
)
from tests.support.keys import b64url

EXAMPLES = int(os.environ.get("TESSERA_FORGERY_EXAMPLES", "100"))
PROPERTY = settings(
    max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
TALLY = Tally()
# joserfc flags the polymorphic "EdDSA" name (RFC 9864); Synapse configs use it, so it is tested.
pytestmark = pytest.mark.filterwarnings("ignore:EdDSA is deprecated:joserfc.errors.SecurityWarning")
NAMES = ("HS256", "RS256", "ES256", "EdDSA", "JWKS")
#: Header names RFC 7515/7797 define; anything else in ``crit`` is an unknown extension.
REGISTERED = {"alg", "jku", "jwk", "kid", "x5u", "x5c", "x5t", "x5t#S256", "typ", "cty", "crit"}

the_worlds = st.sampled_from(NAMES).map(lambda name: worlds()[name])
subjects = st.one_of(st.sampled_from(["alice", "admin", "mallory", "@admin:test.local"]), st.text())
claims = st.fixed_dictionaries(
    {"sub": subjects},
    optional={"exp": st.integers(NOW, NOW + 10**6), "admin": st.booleans()},
)
alg_values: st.SearchStrategy[Any] = st.one_of(
    st.sampled_from(NONE_ALGS),
    st.sampled_from(["HS256", "HS384", "HS512", "RS256", "PS256", "ES256", "ES384", "EdDSA"]),
    st.sampled_from(["Ed25519", "hs256", "RS256 ", "dir", "A256KW", "RSA-OAEP"]),
    st.text(max_size=12),
    st.sampled_from([None, 0, 256, True, ["HS256"], {"alg": "HS256"}]),
)


@pytest.fixture(scope="module", autouse=True)
def no_network() -> Iterator[list[object]]:
    """Any attempt to resolve or connect fails the test that made it, and is recorded."""
    attempts: list[object] = []

    def refuse(*args: object, **kwargs: object) -> None:
        attempts.append(args)
        raise AssertionError(f"network access attempted: {args!r}")

    with pytest.MonkeyPatch.context() as patch:
        for name in ("create_connection", "getaddrinfo", "gethostbyname"):
            patch.setattr(socket, name, refuse)
        patch.setattr(socket.socket, "connect", refuse)
        patch.setattr(socket.socket, "connect_ex", refuse)
        yield attempts
    assert attempts == []


@pytest.fixture(scope="module")
def key_server() -> Iterator[socket.socket]:
    """A listening socket that ``jku``/``x5u`` headers name; no one may ever connect."""
    with watched_socket() as listener:
        yield listener


def flip_bit(data: bytes, bit: int) -> bytes:
    flipped = bytearray(data)
    flipped[bit // 8] ^= 1 << (bit % 8)
    return bytes(flipped)


def segments(token: str) -> list[bytes]:
    return [base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)) for p in token.split(".")]


def assemble(parts: list[bytes]) -> str:
    return ".".join(b64url(part) for part in parts)


# --- genuine tokens, tampered --------------------------------------------------------------------


@PROPERTY
@given(world=the_worlds, payload=claims, data=st.data())
def test_flipping_any_bit_of_any_segment_is_rejected(
    world: World, payload: dict[str, Any], data: st.DataObject
) -> None:
    parts = segments(world.sign(payload))
    index = data.draw(st.sampled_from([0, 1, 2]), label="segment")
    bit = data.draw(st.integers(0, len(parts[index]) * 8 - 1), label="bit")
    parts[index] = flip_bit(parts[index], bit)

    assert attempt(world, assemble(parts), TALLY) is None


@PROPERTY
@given(world=the_worlds, data=st.data())
def test_flipping_any_bit_of_the_token_text_is_rejected_or_changes_nothing(
    world: World, data: st.DataObject
) -> None:
    token = world.sign({"sub": "alice", "exp": NOW + 60})
    bit = data.draw(st.integers(0, len(token) * 8 - 1), label="bit")
    raw = flip_bit(token.encode(), bit)
    text = raw.decode("latin-1")

    identity = attempt(world, text, TALLY)

    # Only the unused low bits of a segment's last base64url character decode the same.
    assert identity is None or identity.subject == "alice"


@PROPERTY
@given(world=the_worlds, picks=st.lists(st.integers(0, 6), min_size=3, max_size=3))
def test_segments_spliced_between_two_subjects_tokens_are_rejected(
    world: World, picks: list[int]
) -> None:
    alice = world.sign({"sub": "alice", "exp": NOW + 60}).split(".")
    mallory = world.sign({"sub": "mallory", "exp": NOW + 60}, world.genuine_header(cty="x")).split(
        "."
    )
    pool = alice + mallory + ["".join(reversed(alice[2]))]
    token = ".".join(pool[pick] for pick in picks)

    identity = attempt(world, token, TALLY)

    # Only the two tokens themselves (or one rebuilt from its own parts) verify.
    if identity is not None:
        assert token in (".".join(alice), ".".join(mallory))


# --- tokens made from scratch --------------------------------------------------------------------


def header_strategy(world: World, url: str) -> st.SearchStrategy[dict[str, Any]]:
    jwks = [j for j in (world.stranger_jwk, world.public_jwk) if j is not None]
    return st.fixed_dictionaries(
        {"alg": alg_values},
        optional={
            "kid": st.one_of(
                st.text(max_size=30),
                st.sampled_from(["rsa", "ec", "ed", "hmac", "../../../../dev/null", "' OR 1=1--"]),
                st.integers(),
            ),
            "jku": st.sampled_from([url, "https://evil.example/jwks.json", "file:///etc/passwd"]),
            "x5u": st.sampled_from([url, "https://evil.example/cert.pem"]),
            "jwk": st.sampled_from([*jwks, {"kty": "oct", "k": b64url(b"attacker")}, "x", {}]),
            "x5c": st.sampled_from([list(world.stranger_x5c), ["AAAA"], "AAAA", []]),
            "crit": st.one_of(
                st.lists(st.sampled_from(["exp", "b64", "x-trust", "alg", "kid"]), max_size=3),
                st.integers(),
            ),
            "x-trust": st.booleans(),
            "b64": st.booleans(),
            "cty": st.sampled_from(["JWT", "jwt", "application/jwt"]),
            "typ": st.sampled_from(["JWT", "at+jwt", "JWE"]),
            "zip": st.just("DEF"),
            "enc": st.just("A256GCM"),
        },
    )


def header_bytes(header: dict[str, Any], duplicate_alg: object) -> bytes:
    text = json.dumps(header)
    if duplicate_alg is None:
        return text.encode()
    # A second "alg" member, before or after the first: JSON parsers differ on which wins.
    return ('{"alg": ' + json.dumps(duplicate_alg) + ", " + text[1:]).encode()


def signature_for(world: World, header: bytes, payload: bytes, data: st.DataObject) -> bytes:
    """A signature the attacker can make for these bytes, without the world's key."""
    kind = data.draw(
        st.sampled_from(["empty", "random", "stolen", "public-as-hmac", "guess", "stranger"]),
        label="signature",
    )
    if kind == "empty":
        return b""
    if kind == "random":
        return data.draw(st.binary(max_size=600), label="random signature")
    if kind == "stolen":
        return segments(world.sign({"sub": "alice"}))[2]
    secrets = world.public_material if kind == "public-as-hmac" else GUESSED_SECRETS
    if kind in ("public-as-hmac", "guess") and secrets:
        secret = data.draw(st.sampled_from(secrets), label="hmac secret")
        alg = data.draw(st.sampled_from(["HS256", "HS384", "HS512"]), label="hmac")
        return segments(signed(alg, secret, header, payload))[2]
    return segments(world.stranger_sign(header, payload))[2]


@PROPERTY
@given(world=the_worlds, payload=claims, data=st.data())
def test_no_header_signature_or_payload_made_without_the_key_verifies(
    world: World, payload: dict[str, Any], data: st.DataObject, key_server: socket.socket
) -> None:
    header = data.draw(header_strategy(world, key_url(key_server)), label="header")
    duplicate = data.draw(st.one_of(st.none(), alg_values), label="duplicate alg")
    raw_header = header_bytes(header, duplicate)
    raw_payload = json.dumps(payload).encode()
    signature = signature_for(world, raw_header, raw_payload, data)

    # A replay of a genuine token (same header, payload and stolen signature) may verify;
    # attempt() fails the test for anything else that does.
    attempt(world, assemble([raw_header, raw_payload, signature]), TALLY)
    assert accepted_connections(key_server) == 0


# --- algorithm confusion, exhaustively -----------------------------------------------------------


@pytest.mark.parametrize("name", ["RS256", "ES256", "EdDSA", "JWKS"])
def test_hmac_keyed_with_any_encoding_of_the_public_key_is_rejected(name: str) -> None:
    world = worlds()[name]
    payload = json.dumps({"sub": "admin", "exp": NOW + 60}).encode()
    kids: list[str | None] = [None, world.kid, "hmac", "rsa", "ec", "ed"]
    tried = 0
    for material in world.public_material:
        for alg in ("HS256", "HS384", "HS512"):
            for claimed in {alg, world.algorithm, "HS256"}:
                for kid in kids:
                    header = {"alg": claimed} if kid is None else {"alg": claimed, "kid": kid}
                    assert attempt(world, signed(alg, material, header, payload), TALLY) is None
                    tried += 1
    assert tried >= len(world.public_material) * 3 * 6


@PROPERTY
@given(world=the_worlds, alg=st.sampled_from(NONE_ALGS), data=st.data())
def test_alg_none_in_any_spelling_is_rejected_whatever_the_signature(
    world: World, alg: str, data: st.DataObject
) -> None:
    header = json.dumps({"alg": alg, "typ": "JWT"}).encode()
    payload = json.dumps({"sub": "admin"}).encode()
    signature = data.draw(st.sampled_from([b"", segments(world.sign({"sub": "admin"}))[2]]))

    assert attempt(world, assemble([header, payload, signature]), TALLY) is None


# --- keys named by the token ---------------------------------------------------------------------


@PROPERTY
@given(world=the_worlds, data=st.data())
def test_keys_named_or_embedded_in_the_header_are_never_used_or_fetched(
    world: World, data: st.DataObject, key_server: socket.socket
) -> None:
    url = key_url(key_server)
    routes: dict[str, Any] = {"jku": url, "x5u": url}
    if world.stranger_jwk is not None:
        routes["jwk"] = world.stranger_jwk
    if world.stranger_x5c:
        routes["x5c"] = list(world.stranger_x5c)
    chosen = data.draw(st.lists(st.sampled_from(sorted(routes)), min_size=1, unique=True))
    kid = data.draw(st.one_of(st.none(), st.just(world.kid), st.text(max_size=20)), label="kid")
    header = world.genuine_header(**{route: routes[route] for route in chosen})
    if kid is not None:
        header["kid"] = kid
    payload = json.dumps({"sub": "admin", "exp": NOW + 60}).encode()

    assert attempt(world, world.stranger_sign(header, payload), TALLY) is None
    assert accepted_connections(key_server) == 0


# --- crit, JWE, nesting, size --------------------------------------------------------------------


@PROPERTY
@given(
    world=the_worlds,
    names=st.lists(st.text(min_size=1, max_size=12), min_size=1, max_size=3),
)
def test_unknown_critical_header_is_refused_even_when_genuinely_signed(
    world: World, names: list[str]
) -> None:
    unknown = [name for name in names if name not in REGISTERED | {"b64"}]
    if not unknown:
        names, unknown = [*names, "x-trust"], ["x-trust"]
    header = world.genuine_header(crit=names, **{name: True for name in unknown})

    assert attempt(world, world.sign({"sub": "alice"}, header), TALLY) is None


@PROPERTY
@given(world=the_worlds, parts=st.lists(st.binary(max_size=64), min_size=5, max_size=5))
def test_jwe_compact_five_segment_tokens_are_rejected(world: World, parts: list[bytes]) -> None:
    parts[0] = json.dumps({"alg": "dir", "enc": "A256GCM"}).encode()

    assert attempt(world, assemble(parts), TALLY) is None


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("cty", ["JWT", None])
def test_nested_token_is_never_unwrapped_even_inside_a_genuine_one(
    name: str, cty: str | None
) -> None:
    world = worlds()[name]
    inner = world.sign({"sub": "admin"})
    header = world.genuine_header() if cty is None else world.genuine_header(cty=cty)

    assert attempt(world, world.sign(inner.encode(), header), TALLY) is None
    assert attempt(world, world.stranger_sign(header, inner.encode()), TALLY) is None


@pytest.mark.parametrize("name", NAMES)
def test_genuine_token_over_the_size_limit_is_rejected(name: str) -> None:
    world = worlds()[name]
    token = world.sign({"sub": "alice", "padding": "x" * 16_384})

    assert attempt(world, token, TALLY) is None


# --- duplicate JSON keys: the last one wins, everywhere ------------------------------------------


@PROPERTY
@given(world=the_worlds, first=alg_values, last_is_real=st.booleans(), other=alg_values)
def test_duplicate_alg_in_a_genuine_header_is_read_as_the_last(
    world: World, first: object, last_is_real: bool, other: object
) -> None:
    last = world.algorithm if last_is_real else other
    kid = "" if world.kid is None else f', "kid": "{world.kid}"'
    header = f'{{"alg": {json.dumps(first)}, "alg": {json.dumps(last)}{kid}}}'.encode()

    identity = attempt(world, world.sign({"sub": "alice"}, header), TALLY)

    assert (identity is not None) == (last == world.algorithm)


@PROPERTY
@given(world=the_worlds, first=subjects, last=st.text(min_size=1), expired_first=st.booleans())
def test_duplicate_claims_in_a_genuine_payload_are_read_as_the_last(
    world: World, first: str, last: str, expired_first: bool
) -> None:
    live, dead = NOW + 60, NOW - 3600
    exp = (dead, live) if expired_first else (live, dead)
    payload = (
        f'{{"sub": {json.dumps(first)}, "exp": {exp[0]}, '
        f'"sub": {json.dumps(last)}, "exp": {exp[1]}}}'
    ).encode()

    identity = attempt(world, world.sign(payload), TALLY)

    if expired_first:
        assert identity is not None and identity.subject == last
    else:
        assert identity is None


# --- JSON that is not UTF-8 ----------------------------------------------------------------------

#: What Python's json.loads on bytes would read (it guesses the encoding), RFC 7519 §7.2 does not.
NOT_UTF8 = ("utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be")
HEADER_NOT_UTF8 = (
    "JWT validation failed: decode_error: Invalid header: JSON must be UTF-8 without a "
    "byte-order mark"
)
CLAIMS_NOT_UTF8 = (
    "JWT validation failed: invalid_payload: Claims JSON must be UTF-8 without a byte-order mark"
)
encodable = subjects.filter(lambda text: not any(0xD800 <= ord(c) < 0xE000 for c in text))


@PROPERTY
@given(
    world=the_worlds,
    encoding=st.sampled_from(NOT_UTF8),
    subject=encodable,
    in_header=st.booleans(),
)
def test_json_that_is_not_utf8_is_refused_even_when_genuinely_signed(
    world: World, encoding: str, subject: str, in_header: bool
) -> None:
    header = json.dumps(world.genuine_header(), ensure_ascii=False)
    payload = json.dumps({"sub": subject}, ensure_ascii=False)
    as_utf8 = world.sign(payload.encode(), header.encode())
    token = world.sign(
        payload.encode("utf-8" if in_header else encoding),
        header.encode(encoding if in_header else "utf-8"),
    )

    with pytest.raises(JwtRejected) as caught:
        verify(token, world.policy, NOW)

    assert caught.value.message == (HEADER_NOT_UTF8 if in_header else CLAIMS_NOT_UTF8)
    assert attempt(world, token, TALLY) is None
    # The same JSON in UTF-8 logs in: only the encoding was refused.
    identity = attempt(world, as_utf8, TALLY)
    assert identity is not None and identity.subject == subject


# --- the count -----------------------------------------------------------------------------------


def test_forgery_tally(capsys: pytest.CaptureFixture[str], key_server: socket.socket) -> None:
    """Runs last in this module: reports what was tried, and that nothing forged got in."""
    with capsys.disabled():
        print(f"\n{TALLY.report('header forgery')}")
    assert TALLY.forged_accepted == 0
    assert accepted_connections(key_server) == 0
    assert TALLY.tried > 0
