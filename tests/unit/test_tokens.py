"""Opaque access tokens, their stored hash, and generated device IDs."""

from __future__ import annotations

import base64
import re
import string

from tessera.core.tokens import (
    ACCESS_TOKEN_PREFIX,
    hash_token,
    mint_access_token,
    mint_device_id,
)

SAMPLES = 3000


def _random_part(token: str) -> bytes:
    assert token.startswith(ACCESS_TOKEN_PREFIX)
    body = token.removeprefix(ACCESS_TOKEN_PREFIX)
    return base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))


def test_access_token_carries_at_least_128_random_bits() -> None:
    assert len(_random_part(mint_access_token())) * 8 >= 128


def test_access_tokens_are_unique() -> None:
    tokens = {mint_access_token() for _ in range(SAMPLES)}
    assert len(tokens) == SAMPLES


def test_access_token_random_part_varies_in_every_position() -> None:
    # A constant byte somewhere would mean fewer bits than the length suggests.
    parts = [_random_part(mint_access_token()) for _ in range(200)]
    for position in range(len(parts[0])):
        assert len({part[position] for part in parts}) > 1


def test_access_token_needs_no_escaping_in_a_header_or_query_string() -> None:
    token = mint_access_token()
    assert re.fullmatch(r"[A-Za-z0-9_\-]+", token)
    assert ACCESS_TOKEN_PREFIX.endswith("_")


def test_token_hash_is_32_bytes_of_sha256() -> None:
    # Stored hashes must stay stable across releases, so the function is pinned.
    assert hash_token("abc") == bytes.fromhex(
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    )
    assert len(hash_token(mint_access_token())) == 32


def test_token_hash_is_deterministic_and_distinguishes_tokens() -> None:
    token = mint_access_token()
    assert hash_token(token) == hash_token(token)
    assert hash_token(token) != hash_token(token + "x")
    assert hash_token(token) != hash_token(token.upper())


def test_token_hash_does_not_contain_the_token() -> None:
    token = mint_access_token()
    assert token.encode() not in hash_token(token)
    assert _random_part(token) not in hash_token(token)


def test_any_presented_string_hashes_without_error() -> None:
    # Whatever a client sends as a bearer token is hashed for the lookup; a lone
    # surrogate from a JSON "\ud800" escape must not turn a 401 into a 500.
    for garbage in ["", "\ud800", "é" * 1000, "\x00"]:
        assert len(hash_token(garbage)) == 32


def test_device_id_is_ten_uppercase_letters() -> None:
    for _ in range(SAMPLES):
        assert re.fullmatch(r"[A-Z]{10}", mint_device_id())


def test_device_ids_are_random() -> None:
    device_ids = {mint_device_id() for _ in range(SAMPLES)}
    assert len(device_ids) == SAMPLES
    letters_used = set("".join(device_ids))
    assert letters_used == set("ABCDEFGHIJKLMNOPQRSTUVWXYZ")


def test_every_position_of_a_device_id_takes_every_letter() -> None:
    # Ten digits of one random number: a range too small would fix the last letters.
    device_ids = [mint_device_id() for _ in range(2000)]
    for position in range(10):
        assert {device_id[position] for device_id in device_ids} == set(string.ascii_uppercase)
