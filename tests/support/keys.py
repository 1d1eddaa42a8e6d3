"""Real keys and real tokens for tests: every algorithm family Tessera verifies."""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import json
import warnings
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa
from joserfc import jwt
from joserfc.errors import SecurityWarning
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
    signing_key = _signing_key(key, algorithm[:2])
    return jwt.encode({"alg": algorithm, **header}, claims, signing_key, algorithms=[algorithm])


@functools.lru_cache(maxsize=64)
def _signing_key(key: str, family: str) -> Any:
    # Importing a private RSA PEM validates the key (tens of milliseconds); cache it.
    if family == "HS":
        return OctKey.import_key(key)
    if family in ("RS", "PS"):
        return RSAKey.import_key(key)
    if family == "ES":
        return ECKey.import_key(key)
    return OKPKey.import_key(key)


def b64url(data: bytes) -> str:
    """Unpadded base64url, as JWS segments are written."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def compact(
    header: dict[str, Any] | bytes, payload: dict[str, Any] | bytes, signature: bytes
) -> str:
    """A compact JWS assembled by hand: no key checks, any header, any payload bytes."""
    header_bytes = header if isinstance(header, bytes) else json.dumps(header).encode()
    payload_bytes = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return f"{b64url(header_bytes)}.{b64url(payload_bytes)}.{b64url(signature)}"


_HMAC_HASHES = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}


def hmac_sign(
    payload: dict[str, Any] | bytes,
    secret: bytes,
    algorithm: str = "HS256",
    **header: Any,
) -> str:
    """An HMAC-signed compact JWS made without joserfc, so any bytes can be the secret.

    This is how an attacker signs with a server's *public* key as the HMAC
    secret (joserfc's ``OctKey`` refuses to), and how a test signs a payload
    that is not a JSON object.
    """
    header_bytes = json.dumps({"alg": algorithm, **header}).encode()
    payload_bytes = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    signing_input = f"{b64url(header_bytes)}.{b64url(payload_bytes)}"
    digest = hmac.new(secret, signing_input.encode("ascii"), _HMAC_HASHES[algorithm]).digest()
    return f"{signing_input}.{b64url(digest)}"


_JWK_TYPES: dict[str, Any] = {"RSA": RSAKey, "EC": ECKey, "OKP": OKPKey}


def jwk(pair: KeyPair, kty: str, *, private: bool = False, **members: Any) -> dict[str, Any]:
    """``pair`` as a JWK made by joserfc (public unless asked), plus ``members`` (``kid`` …)."""
    return {**_jwk_members(pair, kty, private), **members}


@functools.lru_cache(maxsize=64)
def _jwk_members(pair: KeyPair, kty: str, private: bool) -> dict[str, Any]:
    # Importing a private PEM validates the key (tens of milliseconds for RSA); cache it.
    # Callers get a fresh dict from jwk(), never this one.
    return dict(_JWK_TYPES[kty].import_key(pair.private_pem).as_dict(private=private))


def oct_jwk(secret: str, **members: Any) -> dict[str, Any]:
    """An HMAC secret as an ``oct`` JWK, plus ``members`` (short secrets on purpose too)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SecurityWarning)
        return {**OctKey.import_key(secret).as_dict(private=True), **members}
