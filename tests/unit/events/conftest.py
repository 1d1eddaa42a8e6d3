"""Events built for real: the spec's test-vector key and helpers to grow a room."""

from __future__ import annotations

import pytest

from tessera.core.events.signing import SigningKey, decode_base64

#: The spec's test-vector seed (Appendices, "Cryptographic Test Vectors").
SPEC_SEED = decode_base64("YJDBA9Xnr2sVqXD9Vj7XVUnmFZcZrlw8Md7kMW+3XA1")


@pytest.fixture(scope="session")
def server_key() -> SigningKey:
    """The spec's test key, under the key ID the vectors use."""
    return SigningKey.from_seed("1", SPEC_SEED)
