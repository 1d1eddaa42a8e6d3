"""``jws_compact`` accepts, refuses and words errors exactly as joserfc's compact JWS calls.

The oracle is ``jws.extract_compact`` followed by ``jws.validate_compact``
for each key in turn, which ``jwt_login`` called before; the tokens are
hostile (any header, crit, b64, bad base64, stray characters, wrong segment
counts) and the keys real (HMAC, RSA, EC, Ed25519 and a mixed JWK Set,
from ``tests.support.forgery``).
"""

from __future__ import annotations

import json
import warnings
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from joserfc import jws
from joserfc.errors import SecurityWarning
from joserfc.jwk import Key
from joserfc.util import urlsafe_b64decode

from tessera.core import jws_compact
from tests.support.forgery import World, raw_signature, signed, worlds
from tests.support.keys import b64url

PROPERTY = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
pytestmark = pytest.mark.filterwarnings("ignore:EdDSA is deprecated:joserfc.errors.SecurityWarning")

B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
#: What may sit in a segment besides base64url: the standard alphabet, padding, junk.
STRAY = "+/= $.!\t~\x00\x7f"
segment_text = st.text(alphabet=B64URL + STRAY, max_size=24).map(str.encode)


def outcome(call: Any) -> tuple[Any, ...]:
    """What a call gave, or the error it raised (type and text): the thing compared."""
    try:
        return ("value", call())
    except Exception as exc:
        return ("error", type(exc), str(exc))


def joserfc_signer(token: bytes, algorithm: str, keys: list[Key]) -> Any:
    """The index of the first key ``validate_compact`` accepts, as ``jwt_login`` looped."""
    compact = jws.extract_compact(token)
    for index, key in enumerate(keys):
        if jws.validate_compact(compact, key, algorithms=[algorithm]):
            return compact.headers(), compact.payload, index
    return compact.headers(), compact.payload, None


def our_signer(token: bytes, algorithm: str, keys: list[Key]) -> Any:
    parsed = jws_compact.extract(token)
    return parsed.header, parsed.payload, jws_compact.first_signer(parsed, algorithm, keys)


def keys_of(world: World, algorithm: str) -> list[Key]:
    return [k.key for k in world.policy.keys.keys if algorithm in k.algorithms]


def assert_same(token: bytes, algorithm: str, keys: list[Key]) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SecurityWarning)
        theirs = outcome(lambda: joserfc_signer(token, algorithm, keys))
        ours = outcome(lambda: our_signer(token, algorithm, keys))
    if ours[0] == "error" and "must be UTF-8" in str(ours[2]):
        # The one difference, on purpose: joserfc lets json.loads guess UTF-16/32 or skip
        # a BOM (then it reads or refuses the header); we refuse any header not in UTF-8.
        assert not is_utf8_without_bom(jws_compact.b64url_decode(token.split(b".")[0])), token
        return
    assert ours == theirs, token


def is_utf8_without_bom(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return not data.startswith(b"\xef\xbb\xbf") and b"\x00" not in data[:4]


# --- base64url -----------------------------------------------------------------------------------


@PROPERTY
@given(segment=st.one_of(segment_text, st.binary(max_size=24)))
def test_b64url_decode_matches_joserfc_on_any_bytes(segment: bytes) -> None:
    ours = outcome(lambda: jws_compact.b64url_decode(segment))
    theirs = outcome(lambda: urlsafe_b64decode(segment))

    # The same bytes, or the same kind of refusal (binascii.Error, a ValueError).
    assert ours[:2] == theirs[:2]


@pytest.mark.parametrize(
    "segment",
    [
        b"",
        b"QQ",
        b"QR",
        b"QUI",
        b"QUJ",
        b"Q",
        b"QQ==",
        b"QQ=",
        b"+/+/",
        b"-_-_",
        b"QU I",
        b"Q\x00Q",
    ],
)
def test_b64url_decode_edge_cases_match_joserfc(segment: bytes) -> None:
    ours = outcome(lambda: jws_compact.b64url_decode(segment))
    theirs = outcome(lambda: urlsafe_b64decode(segment))

    assert ours[:2] == theirs[:2]


# --- whole tokens --------------------------------------------------------------------------------

header_values: st.SearchStrategy[Any] = st.one_of(
    st.sampled_from(["HS256", "RS256", "ES256", "EdDSA", "none", "HS384", "PS256", ""]),
    st.sampled_from([None, 1, True, ["x"], {"a": 1}, "JWT"]),
)
headers = st.fixed_dictionaries(
    {"alg": header_values},
    optional={
        "kid": st.one_of(st.sampled_from(["rsa", "ec", "ed", "hmac"]), header_values),
        "typ": header_values,
        "crit": st.one_of(
            st.lists(st.sampled_from(["b64", "exp", "kid", "x-trust"]), max_size=2), header_values
        ),
        "b64": header_values,
        "x-trust": st.booleans(),
        "jku": st.sampled_from(["https://evil.example/jwks", "file:///etc/passwd", 3]),
        "jwk": st.sampled_from([{"kty": "oct", "k": "AAAA"}, "x"]),
    },
)
raw_headers = st.one_of(
    headers.map(lambda header: json.dumps(header).encode()),
    st.sampled_from([b"[]", b'["alg"]', b'"alg"', b"1", b"{", b'{"alg": NaN}', b"\xff", b""]),
    st.binary(max_size=16),
)
payloads = st.one_of(st.just(b'{"sub": "alice"}'), st.binary(max_size=32))


@PROPERTY
@given(
    world=st.sampled_from(sorted(worlds())).map(lambda name: worlds()[name]),
    header=raw_headers,
    payload=payloads,
    signer=st.sampled_from(["world", "stranger", "random", "none"]),
    algorithm=st.sampled_from(["HS256", "RS256", "ES256", "EdDSA"]),
    junk=st.one_of(st.none(), st.tuples(st.integers(0, 2), segment_text)),
    data=st.data(),
)
def test_tokens_read_and_verified_as_joserfc_does(
    world: World,
    header: bytes,
    payload: bytes,
    signer: str,
    algorithm: str,
    junk: tuple[int, bytes] | None,
    data: st.DataObject,
) -> None:
    if signer == "world":
        token = signed(world.algorithm, world.key, header, payload)
    elif signer == "stranger":
        token = signed(world.algorithm, world.stranger, header, payload)
    else:
        signature = b"" if signer == "none" else data.draw(st.binary(max_size=80))
        token = f"{b64url(header)}.{b64url(payload)}.{b64url(signature)}"
    parts = token.encode().split(b".")
    if junk is not None:
        index, extra = junk
        parts[index] += extra
    for allowed in {algorithm, world.algorithm}:
        assert_same(b".".join(parts), allowed, keys_of(world, allowed))


@pytest.mark.parametrize(
    "token",
    [b"", b"a", b"a.b", b"a.b.c.d", b"a.b.c.d.e", b"..", b"." * 5, b"x" * 20_000 + b".a.b"],
)
def test_malformed_shapes_fail_as_joserfc_does(token: bytes) -> None:
    world = worlds()["HS256"]
    assert_same(token, "HS256", keys_of(world, "HS256"))


def test_unencoded_payload_with_b64_in_crit_is_read_as_joserfc_reads_it() -> None:
    world = worlds()["HS256"]
    header = b64url(json.dumps({"alg": "HS256", "b64": False, "crit": ["b64"]}).encode())
    signing_input = f"{header}.{{raw}}".encode()
    signature = raw_signature("HS256", world.key, signing_input)
    token = signing_input + b"." + b64url(signature).encode()

    assert_same(token, "HS256", keys_of(world, "HS256"))
    assert jws_compact.extract(token).payload == b"{raw}"


def test_every_family_verifies_its_genuine_token_and_refuses_a_strangers() -> None:
    for world in worlds().values():
        payload = b'{"sub": "alice"}'
        keys = keys_of(world, world.algorithm)
        genuine = jws_compact.extract(world.sign(payload).encode())
        forged = jws_compact.extract(world.stranger_sign(world.genuine_header(), payload).encode())

        assert jws_compact.first_signer(genuine, world.algorithm, keys) is not None, world.name
        assert jws_compact.first_signer(forged, world.algorithm, keys) is None, world.name


@pytest.mark.filterwarnings('ignore:JWS algorithm "none" is deprecated')
def test_alg_none_never_verifies_even_when_asked_for() -> None:
    world = worlds()["HS256"]
    header = b64url(json.dumps({"alg": "none"}).encode())
    token = jws_compact.extract(f"{header}.{b64url(b'{}')}.".encode())

    assert jws_compact.first_signer(token, "none", keys_of(world, "HS256")) is None


def test_a_cached_header_is_never_shared_between_tokens() -> None:
    token = worlds()["HS256"].sign(b'{"sub": "alice"}').encode()
    first = jws_compact.extract(token)
    first.header["alg"] = "none"
    first.header["kid"] = "planted"

    again = jws_compact.extract(token)

    assert again.header == {"alg": "HS256", "typ": "JWT"}
