"""Real keys and real tokens for tests: every algorithm family Tessera verifies."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa
from joserfc import jwt
from joserfc.jwk import ECKey, OctKey, OKPKey, RSAKey


@dataclass(frozen=True)
class KeyPair:
    private_pem: str
    public_pem: str


def _pems(private: Any) -> KeyPair:
    private_pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    public_pem = (
        private.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return KeyPair(private_pem, public_pem)


def rsa_pair(bits: int = 2048) -> KeyPair:
    return _pems(rsa.generate_private_key(public_exponent=65537, key_size=bits))


def ec_pair(curve: ec.EllipticCurve) -> KeyPair:
    return _pems(ec.generate_private_key(curve))


def ed25519_pair() -> KeyPair:
    return _pems(ed25519.Ed25519PrivateKey.generate())


def ed448_pair() -> KeyPair:
    return _pems(ed448.Ed448PrivateKey.generate())


def sign(claims: dict[str, Any], key: str, algorithm: str = "HS256", **header: Any) -> str:
    """A compact JWS over ``claims``; ``key`` is an HMAC secret or a private PEM."""
    if algorithm.startswith("HS"):
        signing_key: Any = OctKey.import_key(key)
    elif algorithm.startswith(("RS", "PS")):
        signing_key = RSAKey.import_key(key)
    elif algorithm.startswith("ES"):
        signing_key = ECKey.import_key(key)
    else:
        signing_key = OKPKey.import_key(key)
    return jwt.encode({"alg": algorithm, **header}, claims, signing_key, algorithms=[algorithm])
