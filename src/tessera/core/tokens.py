"""Opaque access tokens and device IDs: minting, and the hash we store.

Tokens carry 256 bits from ``secrets``; only their SHA-256 reaches the
database, so a leaked database holds no usable token. A fast hash is right
here (unlike passwords): the input already has full entropy.
"""

from __future__ import annotations

import hashlib
import secrets

ACCESS_TOKEN_PREFIX = "tat_"
REFRESH_TOKEN_PREFIX = "trt_"
LOGIN_TOKEN_PREFIX = "tlt_"
_DEVICE_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_DEVICE_ID_LENGTH = 10
_DEVICE_ID_SPACE = len(_DEVICE_ALPHABET) ** _DEVICE_ID_LENGTH


def mint_access_token() -> str:
    """A new access token: a recognisable prefix plus 256 random bits."""
    return ACCESS_TOKEN_PREFIX + secrets.token_urlsafe(32)


def mint_refresh_token() -> str:
    """A new refresh token (256 random bits)."""
    return REFRESH_TOKEN_PREFIX + secrets.token_urlsafe(32)


def mint_login_token() -> str:
    """A new single-use ``m.login.token`` (256 random bits)."""
    return LOGIN_TOKEN_PREFIX + secrets.token_urlsafe(32)


def mint_session_id() -> str:
    """An opaque user-interactive auth session ID."""
    return secrets.token_urlsafe(18)


def hash_token(token: str) -> bytes:
    """The digest stored for (and looked up by) an opaque token."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).digest()


def mint_device_id() -> str:
    """Ten random uppercase letters, as Synapse generates device IDs.

    One draw below 26**10 read as ten base-26 digits: as uniform as ten
    ``secrets.choice`` calls, with one ``getrandom`` call instead of ten.
    """
    number = secrets.randbelow(_DEVICE_ID_SPACE)
    letters = []
    for _ in range(_DEVICE_ID_LENGTH):
        number, digit = divmod(number, len(_DEVICE_ALPHABET))
        letters.append(_DEVICE_ALPHABET[digit])
    return "".join(letters)
