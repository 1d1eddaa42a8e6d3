"""Real key pairs for the verifier tests, made once per session (RSA keys are the slow part)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from tests.support.keys import KeyPair, ec_pair, ed448_pair, ed25519_pair, rsa_pair


@dataclass(frozen=True)
class Keyring:
    """Two pairs per family: the server's, and a stranger's to forge with."""

    rsa: KeyPair
    rsa_stranger: KeyPair
    p256: KeyPair
    p256_stranger: KeyPair
    p384: KeyPair
    p384_stranger: KeyPair
    p521: KeyPair
    p521_stranger: KeyPair
    secp256k1: KeyPair
    ed25519: KeyPair
    ed25519_stranger: KeyPair
    ed448: KeyPair
    ed448_stranger: KeyPair


@pytest.fixture(scope="session")
def keyring() -> Keyring:
    return Keyring(
        rsa=rsa_pair(),
        rsa_stranger=rsa_pair(),
        p256=ec_pair(ec.SECP256R1()),
        p256_stranger=ec_pair(ec.SECP256R1()),
        p384=ec_pair(ec.SECP384R1()),
        p384_stranger=ec_pair(ec.SECP384R1()),
        p521=ec_pair(ec.SECP521R1()),
        p521_stranger=ec_pair(ec.SECP521R1()),
        secp256k1=ec_pair(ec.SECP256K1()),
        ed25519=ed25519_pair(),
        ed25519_stranger=ed25519_pair(),
        ed448=ed448_pair(),
        ed448_stranger=ed448_pair(),
    )
