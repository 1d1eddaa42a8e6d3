"""Verify a login JWT against a policy: pure, synchronous, table-tested.

``verify(token, policy, now)`` either returns the identity the token speaks
for or raises ``JwtRejected`` carrying the exact client-facing message
Synapse sends for the same token (its Authlib-based handler is the
contract) and a short ``reason`` for logs and metrics.

The steps run in this order, each one public so ``tessera jwt check`` can
report them one by one: ``parse_token`` (shape, header), ``check_algorithm``
(the header's ``alg`` is allowed), ``keys_for`` (the ``kid`` picks the
keys), ``check_signature``, ``decode_claims``, then the claim rules of
``jwt_claims.check_claims``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from joserfc.errors import BadSignatureError, DecodeError, JoseError
from joserfc.jwk import Key

from tessera.core import jws_compact
from tessera.core.jws_compact import CompactJws
from tessera.core.jwt_claims import ClaimValue, check_claims, display_name, subject
from tessera.core.jwt_keyset import VerificationKey, VerificationKeys
from tessera.core.jwt_rejection import JwtRejected, bad_signature, failed, unsupported_algorithm

__all__ = [
    "DEFAULT_LEEWAY",
    "MAX_TOKEN_LENGTH",
    "JwtIdentity",
    "JwtPolicy",
    "JwtRejected",
    "ParsedToken",
    "check_algorithm",
    "check_signature",
    "decode_claims",
    "keys_for",
    "parse_token",
    "verify",
    "verify_parsed",
]

#: Synapse allows two minutes of clock skew (fixed there, ``leeway`` here).
DEFAULT_LEEWAY = 120
#: A login JWT is a few hundred bytes; anything past this is refused unparsed.
MAX_TOKEN_LENGTH = 16 * 1024


@dataclass(frozen=True, slots=True)
class JwtPolicy:
    """Everything a token is checked against; built once at startup.

    ``key`` is one key that verifies every algorithm in ``algorithm``, or a
    ``VerificationKeys`` set whose keys each know their algorithms and
    ``kid``. ``algorithm`` is the one allowed ``alg``, or a tuple of them.
    """

    key: Key | VerificationKeys
    algorithm: str | tuple[str, ...]
    subject_claim: str = "sub"
    display_name_claim: str | None = None
    issuer: str | None = None
    audiences: tuple[str, ...] | None = None
    leeway: int = DEFAULT_LEEWAY
    #: Refuse tokens without ``exp`` (Synapse accepts them).
    require_exp: bool = False
    #: Refuse tokens whose ``exp - iat`` exceeds this, and tokens lacking either.
    max_lifetime_ms: int | None = None
    #: claim → allowed values; a list-valued claim needs one allowed element.
    required_claims: Mapping[str, tuple[ClaimValue, ...]] = field(default_factory=dict)
    #: Not a token rule: the login service refuses unknown users when False.
    allow_registration: bool = True

    @property
    def algorithms(self) -> tuple[str, ...]:
        """The ``alg`` values a token may carry."""
        return (self.algorithm,) if isinstance(self.algorithm, str) else self.algorithm

    @property
    def keys(self) -> VerificationKeys:
        """The keys, as a set (a single ``key`` verifies every allowed algorithm)."""
        if isinstance(self.key, VerificationKeys):
            return self.key
        return VerificationKeys((VerificationKey(self.key, frozenset(self.algorithms)),))


@dataclass(frozen=True, slots=True)
class JwtIdentity:
    """What a valid token asserts."""

    subject: str
    display_name: str | None
    claims: dict[str, Any] = field(repr=False)


@dataclass(frozen=True, slots=True)
class ParsedToken:
    """A token split into its parts; nothing in it is trusted yet."""

    compact: CompactJws
    header: dict[str, Any]


def verify(token: object, policy: JwtPolicy, now: float) -> JwtIdentity:
    """Check ``token`` against ``policy`` at time ``now`` (seconds since the epoch).

    Raises:
        JwtRejected: for every token that must not log in.
    """
    return verify_parsed(parse_token(token), policy, now)


def verify_parsed(parsed: ParsedToken, policy: JwtPolicy, now: float) -> JwtIdentity:
    """``verify`` for a token ``parse_token`` has already split."""
    algorithm = check_algorithm(parsed, policy)
    check_signature(parsed, keys_for(parsed, policy, algorithm), algorithm)
    claims = decode_claims(parsed)
    check_claims(claims, policy, int(now))
    return JwtIdentity(
        subject=subject(claims, policy.subject_claim),
        display_name=display_name(claims, policy.display_name_claim),
        claims=claims,
    )


def parse_token(token: object) -> ParsedToken:
    """The token's parts, if it is a compact JWS with a JSON object header."""
    if token is None:
        raise JwtRejected("missing_token", "Token field for JWT is missing")
    if not isinstance(token, str):
        raise failed("malformed", "decode_error: Token must be a string")
    if len(token) > MAX_TOKEN_LENGTH:
        raise failed("malformed", "exceeded_size: Token is too large")
    try:
        raw = token.encode("ascii")
    except UnicodeError:
        raise failed("malformed", "decode_error: Token is not ASCII") from None
    with _rejections:
        compact = jws_compact.extract(raw)
        header = compact.header
        if not isinstance(header, dict):
            raise DecodeError("Invalid header")
    return ParsedToken(compact, header)


def check_algorithm(parsed: ParsedToken, policy: JwtPolicy) -> str:
    """The header's ``alg``, if the policy allows it (``none`` never is)."""
    algorithm = parsed.header.get("alg")
    if not isinstance(algorithm, str) or algorithm not in policy.algorithms:
        raise unsupported_algorithm()
    return algorithm


def keys_for(parsed: ParsedToken, policy: JwtPolicy, algorithm: str) -> tuple[VerificationKey, ...]:
    """The keys to try, chosen by the header's ``kid`` (see ``jwt_keyset``)."""
    return policy.keys.for_token(algorithm, parsed.header.get("kid"))


def check_signature(
    parsed: ParsedToken, keys: tuple[VerificationKey, ...], algorithm: str
) -> VerificationKey:
    """The key whose signature the token carries; ``bad_signature`` if none."""
    with _rejections:
        signer = jws_compact.first_signer(parsed.compact, algorithm, [k.key for k in keys])
    if signer is None:
        raise bad_signature()
    return keys[signer]


def decode_claims(parsed: ParsedToken) -> dict[str, Any]:
    """The payload as a JSON object (trusted only after ``check_signature``)."""
    with _rejections:
        claims = jws_compact.utf8_json(parsed.compact.payload)
    if not isinstance(claims, dict):
        raise failed("malformed", "invalid_payload: Invalid payload value")
    return claims


class _Rejections:
    """joserfc's and the JSON parser's errors, as the rejections Synapse words them.

    A class rather than a ``@contextmanager`` generator: it wraps every step of
    every login, and a generator's set-up cost as much as the step it wrapped.
    """

    def __enter__(self) -> None:
        return None

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, _tb: object
    ) -> None:
        if exc is None:
            return
        if isinstance(exc, BadSignatureError):
            raise bad_signature() from None
        if isinstance(exc, JoseError):
            raise failed("malformed", f"{exc.error}: {exc.description}") from None
        if isinstance(exc, TypeError | AttributeError | KeyError):
            # joserfc trusts header shapes it has not checked (e.g. `"crit": 1`);
            # any such header is malformed, and never a server error.
            raise failed("malformed", "decode_error: Invalid header") from None
        if isinstance(exc, jws_compact.NotUtf8Json):
            # UTF-16, UTF-32 or a BOM: json.loads would have guessed (RFC 7519 §7.2).
            raise failed("malformed", f"invalid_payload: Claims JSON {exc}") from None
        if isinstance(exc, ValueError | RecursionError):
            # The payload (signed, so from the key holder) is not UTF-8 JSON, or is
            # nested deeper than the parser goes; joserfc only parsed the header.
            raise failed("malformed", "invalid_payload: Invalid payload value") from None


_rejections = _Rejections()
