"""No single-character edit of a valid HS256 token yields a token that verifies differently.

A flip either breaks the token (``JwtRejected``, never another exception) or,
at most, lands on the unused low bits of a segment's last base64url character,
in which case the decoded bytes, and so the identity, are unchanged.
"""

from __future__ import annotations

import base64
import string

from hypothesis import given, settings
from hypothesis import strategies as st

from tessera.core.jwt_keys import load_verification_key
from tessera.core.jwt_login import JwtIdentity, JwtPolicy, JwtRejected, verify
from tests.support.keys import sign

NOW = 1_700_000_000
SECRET = "tessera-forgery-tests-" + "0123456789abcdef" * 2
POLICY = JwtPolicy(load_verification_key(SECRET, "HS256"), "HS256")
TOKEN = sign({"sub": "alice", "name": "Alice", "exp": NOW + 3600}, SECRET)
SEGMENTS = tuple(TOKEN.split("."))
BASE64URL = string.ascii_letters + string.digits + "-_"


def _decoded(segments: list[str] | tuple[str, ...]) -> list[bytes]:
    # Lenient on purpose: it ignores the unused trailing bits a strict decoder refuses.
    return [base64.urlsafe_b64decode(s + "=" * (-len(s) % 4)) for s in segments]


def _flip(segment: int, position: int, replacement: str) -> list[str]:
    parts = list(SEGMENTS)
    text = parts[segment]
    assert replacement != text[position]
    parts[segment] = text[:position] + replacement + text[position + 1 :]
    return parts


def _assert_rejected_or_identical(parts: list[str], original: JwtIdentity) -> None:
    try:
        identity = verify(".".join(parts), POLICY, NOW)
    except JwtRejected:
        return
    assert _decoded(parts) == _decoded(SEGMENTS)
    assert identity == original


def test_the_unmodified_token_verifies() -> None:
    assert verify(TOKEN, POLICY, NOW).subject == "alice"


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_single_character_flip_never_verifies_as_another_identity(data: st.DataObject) -> None:
    segment = data.draw(st.sampled_from([0, 1, 2]), label="segment (header, payload, signature)")
    text = SEGMENTS[segment]
    position = data.draw(st.integers(0, len(text) - 1), label="position")
    replacement = data.draw(
        st.sampled_from(BASE64URL).filter(lambda c: c != text[position]), label="replacement"
    )
    _assert_rejected_or_identical(_flip(segment, position, replacement), verify(TOKEN, POLICY, NOW))


def test_every_flip_of_each_segments_last_character_is_rejected_or_identical() -> None:
    # The last character is the only one with unused bits, so check it exhaustively.
    original = verify(TOKEN, POLICY, NOW)
    for segment, text in enumerate(SEGMENTS):
        for replacement in BASE64URL.replace(text[-1], ""):
            _assert_rejected_or_identical(_flip(segment, len(text) - 1, replacement), original)


def test_every_signature_flip_is_rejected() -> None:
    # joserfc decodes strictly, so even the padding-bit flips of the signature fail.
    for position in range(len(SEGMENTS[2])):
        for replacement in BASE64URL.replace(SEGMENTS[2][position], ""):
            try:
                verify(".".join(_flip(2, position, replacement)), POLICY, NOW)
            except JwtRejected as rejected:
                assert rejected.reason == "bad_signature"
            else:
                raise AssertionError(f"flip at {position} to {replacement!r} verified")
