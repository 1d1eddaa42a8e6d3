"""Verify a login JWT against a policy: pure, synchronous, table-tested.

``verify(token, policy, now)`` either returns the identity the token speaks
for or raises ``JwtRejected`` carrying the exact client-facing message
Synapse sends for the same token (its Authlib-based handler is the
contract) and a short ``reason`` for logs and metrics.

Claim checks run in Synapse's order: essential claims (``iss``, ``aud``)
present, their values, then ``exp``, ``nbf``, ``iat`` with the leeway, and
finally the "``aud`` given but none configured" rule.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

from joserfc import jws
from joserfc.errors import BadSignatureError, DecodeError, JoseError
from joserfc.jwk import Key

#: Synapse allows two minutes of clock skew, fixed.
DEFAULT_LEEWAY = 120
#: A login JWT is a few hundred bytes; anything past this is refused unparsed.
MAX_TOKEN_LENGTH = 16 * 1024


@dataclass(frozen=True, slots=True)
class JwtPolicy:
    """Everything a token is checked against; built once at startup."""

    key: Key
    algorithm: str
    subject_claim: str = "sub"
    display_name_claim: str | None = None
    issuer: str | None = None
    audiences: tuple[str, ...] | None = None
    leeway: int = DEFAULT_LEEWAY


@dataclass(frozen=True, slots=True)
class JwtIdentity:
    """What a valid token asserts."""

    subject: str
    display_name: str | None
    claims: dict[str, Any] = field(repr=False)


class JwtRejected(Exception):
    """The token does not log anybody in.

    Attributes:
        reason: a short stable label (``bad_signature``, ``expired`` …).
        message: the exact ``error`` text sent to the client.
    """

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


def _failed(reason: str, detail: str) -> JwtRejected:
    return JwtRejected(reason, f"JWT validation failed: {detail}")


def verify(token: object, policy: JwtPolicy, now: float) -> JwtIdentity:
    """Check ``token`` against ``policy`` at time ``now`` (seconds since the epoch).

    Raises:
        JwtRejected: for every token that must not log in.
    """
    if token is None:
        raise JwtRejected("missing_token", "Token field for JWT is missing")
    claims = _verified_claims(token, policy)
    _check_claims(claims, policy, int(now))
    return JwtIdentity(
        subject=_subject(claims, policy.subject_claim),
        display_name=_display_name(claims, policy.display_name_claim),
        claims=claims,
    )


def _verified_claims(token: object, policy: JwtPolicy) -> dict[str, Any]:
    if not isinstance(token, str):
        raise _failed("malformed", "decode_error: Token must be a string")
    if len(token) > MAX_TOKEN_LENGTH:
        raise _failed("malformed", "exceeded_size: Token is too large")
    try:
        raw = token.encode("ascii")
    except UnicodeError:
        raise _failed("malformed", "decode_error: Token is not ASCII") from None
    try:
        compact = jws.extract_compact(raw)
        header = compact.headers()
        if not isinstance(header, dict):
            raise DecodeError("Invalid header")
        if header.get("alg") != policy.algorithm:
            raise _failed(
                "unsupported_algorithm", 'unsupported_algorithm: Unsupported "alg" value in header'
            )
        if not jws.validate_compact(compact, policy.key, algorithms=[policy.algorithm]):
            raise BadSignatureError()
        claims = json.loads(compact.payload)
    except BadSignatureError:
        raise JwtRejected(
            "bad_signature", "JWT validation failed: Signature verification failed"
        ) from None
    except JoseError as exc:
        raise _failed("malformed", f"{exc.error}: {exc.description}") from None
    except (TypeError, AttributeError, KeyError):
        # joserfc trusts header shapes it has not checked (e.g. `"crit": 1`);
        # any such header is malformed, and never a server error.
        raise _failed("malformed", "decode_error: Invalid header") from None
    except (ValueError, RecursionError):
        # The payload (signed, so from the key holder) is not UTF-8 JSON, or is
        # nested deeper than the parser goes; joserfc only parsed the header.
        raise _failed("malformed", "invalid_payload: Invalid payload value") from None
    if not isinstance(claims, dict):
        raise _failed("malformed", "invalid_payload: Invalid payload value")
    return claims


def _check_claims(claims: dict[str, Any], policy: JwtPolicy, now: int) -> None:
    if policy.issuer is not None:
        _require_present(claims, "iss")
    if policy.audiences is not None:
        _require_present(claims, "aud")
    if policy.issuer is not None and claims["iss"] != policy.issuer:
        raise _invalid_claim("iss")
    if policy.audiences is not None and not _audience_matches(claims["aud"], policy.audiences):
        raise _invalid_claim("aud")

    leeway = policy.leeway
    if "exp" in claims and _numeric_time(claims, "exp") < now - leeway:
        raise _failed("expired", "expired_token: The token is expired")
    if "nbf" in claims and _numeric_time(claims, "nbf") > now + leeway:
        raise _failed("not_yet_valid", "invalid_token: The token is not valid yet")
    if "iat" in claims and _numeric_time(claims, "iat") > now + leeway:
        raise _failed(
            "issued_in_future",
            "invalid_token: The token is not valid as it was issued in the future",
        )
    # Synapse's long-standing rule: an `aud` with no audiences configured fails,
    # even an empty one.
    if claims.get("aud") is not None and not policy.audiences:
        raise _invalid_claim("aud")


def _require_present(claims: dict[str, Any], name: str) -> None:
    if name not in claims:
        raise _failed(f"missing_{name}", f"missing_claim: Missing '{name}' claim")
    if not claims[name]:
        raise _invalid_claim(name)


def _audience_matches(aud: object, audiences: tuple[str, ...]) -> bool:
    given = aud if isinstance(aud, list) else [aud]
    return any(isinstance(value, str) and value in audiences for value in given)


def _numeric_time(claims: dict[str, Any], name: str) -> float:
    value = claims[name]
    # bool is an int in Python; NaN and infinities would compare as "always
    # valid". Integers of any size compare exactly, as in Synapse.
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _invalid_claim(name)
    if isinstance(value, float) and not math.isfinite(value):
        raise _invalid_claim(name)
    return value


def _invalid_claim(name: str) -> JwtRejected:
    return _failed(f"invalid_{name}", f"invalid_claim: Invalid claim '{name}'")


def _subject(claims: dict[str, Any], subject_claim: str) -> str:
    subject = claims.get(subject_claim)
    if subject is None:
        raise JwtRejected("missing_subject", "Invalid JWT")
    # Synapse formats whatever it finds into the user ID; a number becomes a
    # (numeric, hence refused) localpart, anything structured is not a name.
    if isinstance(subject, bool) or not isinstance(subject, str | int):
        raise JwtRejected("invalid_subject", "Invalid JWT")
    return str(subject)


def _display_name(claims: dict[str, Any], claim: str | None) -> str | None:
    if claim is None:
        return None
    value = claims.get(claim)
    return value if isinstance(value, str) and value else None
