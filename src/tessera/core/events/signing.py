"""ed25519 signing keys and signed JSON (spec: Appendices, "Signing JSON").

Keys are stored in Synapse's ``signing_key_path`` format, one key a line::

    ed25519 a_AbCd <unpadded standard base64 of the 32-byte seed>

so a Synapse server's key file works here unchanged, and the other way round.
"""

from __future__ import annotations

import base64
import binascii
import re
import secrets
import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)

from tessera.core.events.canonical import encode_canonical_json

ALGORITHM = "ed25519"

#: The spec's grammar for the version part of a key ID ("Key IDs").
_KEY_VERSION = re.compile(r"[A-Za-z0-9_]+")
_VERSION_ALPHABET = string.ascii_letters


class SigningKeyError(ValueError):
    """A signing key file or seed that cannot be used; the message says why."""


def encode_base64(data: bytes, *, urlsafe: bool = False) -> str:
    """Unpadded base64 (spec: Appendices, "Unpadded Base64"), standard or URL-safe."""
    encoded = base64.urlsafe_b64encode(data) if urlsafe else base64.b64encode(data)
    return encoded.rstrip(b"=").decode("ascii")


def decode_base64(text: str) -> bytes:
    """Standard or URL-safe base64, padded or not (the spec says accept both).

    Raises:
        ValueError: ``text`` is not base64.
    """
    padded = text + "=" * (-len(text) % 4)
    altchars = b"-_" if ("-" in text or "_" in text) else b"+/"
    try:
        return base64.b64decode(padded, altchars=altchars, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("invalid base64") from None


@dataclass(frozen=True)
class SigningKey:
    """One ed25519 signing key of this server.

    Attributes:
        key_id: ``ed25519:<version>``, the name signatures are filed under.
        private_key: The key itself (never shown by ``repr``).
    """

    key_id: str
    private_key: Ed25519PrivateKey = field(repr=False, compare=False)

    @classmethod
    def from_seed(cls, version: str, seed: bytes) -> SigningKey:
        """The key with this version and 32-byte seed.

        Raises:
            SigningKeyError: the version is outside the key ID grammar or the
                seed is not 32 bytes.
        """
        if not _KEY_VERSION.fullmatch(version):
            raise SigningKeyError(f"key version {version!r} must be letters, digits or '_'")
        if len(seed) != 32:
            raise SigningKeyError(f"an ed25519 seed is 32 bytes, not {len(seed)}")
        return cls(f"{ALGORITHM}:{version}", Ed25519PrivateKey.from_private_bytes(seed))

    @property
    def version(self) -> str:
        """The part of the key ID after ``ed25519:``."""
        return self.key_id.split(":", 1)[1]

    def seed(self) -> bytes:
        """The 32-byte seed, as the key file stores it."""
        return self.private_key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())

    def sign(self, message: bytes) -> str:
        """The signature of ``message``, unpadded standard base64."""
        return encode_base64(self.private_key.sign(message))

    def public_key_base64(self) -> str:
        """The verify key, unpadded standard base64 (as ``/_matrix/key/v2/server`` shows it)."""
        raw = self.private_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        return encode_base64(raw)


def generate_signing_key(version: str | None = None) -> SigningKey:
    """A fresh key; the version defaults to Synapse's ``a_`` + four random letters."""
    if version is None:
        version = "a_" + "".join(secrets.choice(_VERSION_ALPHABET) for _ in range(4))
    return SigningKey.from_seed(version, secrets.token_bytes(32))


def read_signing_keys(text: str) -> list[SigningKey]:
    """The keys in a Synapse ``signing_key_path`` file, in file order.

    Blank lines are skipped (Synapse's reader would fail on them; accepting
    them costs nothing).

    Raises:
        SigningKeyError: a line is not ``ed25519 <version> <base64 seed>``, or
            the file holds no key. The message names the line, never the seed.
    """
    keys = []
    for number, line in enumerate(text.splitlines(), start=1):
        words = line.split()
        if not words:
            continue
        if len(words) != 3:
            raise SigningKeyError(f"line {number}: expected 'ed25519 <version> <base64 seed>'")
        algorithm, version, seed_base64 = words
        if algorithm != ALGORITHM:
            raise SigningKeyError(f"line {number}: unsupported algorithm {algorithm!r}")
        try:
            seed = decode_base64(seed_base64)
        except ValueError:
            raise SigningKeyError(f"line {number}: the seed is not base64") from None
        try:
            keys.append(SigningKey.from_seed(version, seed))
        except SigningKeyError as exc:
            raise SigningKeyError(f"line {number}: {exc}") from None
    if not keys:
        raise SigningKeyError("no signing key in the file")
    return keys


def format_signing_key(key: SigningKey) -> str:
    """One line of the key file format, newline included."""
    return f"{ALGORITHM} {key.version} {encode_base64(key.seed())}\n"


def sign_json(value: Mapping[str, Any], signer: str, key: SigningKey) -> dict[str, Any]:
    """A copy of ``value`` with ``signatures[signer][key.key_id]`` added.

    The signature covers the canonical JSON of ``value`` without ``signatures``
    and ``unsigned``; existing signatures are kept.
    """
    signed = dict(value)
    signatures = {name: dict(by_key) for name, by_key in signed.pop("signatures", {}).items()}
    unsigned = signed.pop("unsigned", None)
    signatures.setdefault(signer, {})[key.key_id] = key.sign(encode_canonical_json(signed))
    signed["signatures"] = signatures
    if unsigned is not None:
        signed["unsigned"] = unsigned
    return signed


def verify_signed_json(
    value: Mapping[str, Any], signer: str, key_id: str, public_key_base64: str
) -> bool:
    """Whether ``value`` carries a valid signature by ``signer`` with that key.

    Follows "Checking for a Signature": a missing entry, bad base64 or a bad
    signature are all simply ``False``.
    """
    signatures = value.get("signatures")
    if not isinstance(signatures, Mapping):
        return False
    by_key = signatures.get(signer)
    signature = by_key.get(key_id) if isinstance(by_key, Mapping) else None
    if not isinstance(signature, str):
        return False
    try:
        public_key = Ed25519PublicKey.from_public_bytes(decode_base64(public_key_base64))
        signature_bytes = decode_base64(signature)
    except ValueError:
        return False
    unsigned_part = {k: v for k, v in value.items() if k not in ("signatures", "unsigned")}
    try:
        public_key.verify(signature_bytes, encode_canonical_json(unsigned_part))
    except InvalidSignature:
        return False
    return True
