"""The claim rules a signed token must meet, one function per rule.

``check_claims`` applies them in Synapse's order (its Authlib validator:
essential claims present, their values, ``exp``/``nbf``/``iat`` with the
leeway, then Synapse's own "``aud`` given but none configured" rule), and
Tessera's opt-in rules after those, so a token every Synapse rule refuses
gets Synapse's text. The single rules are public for ``tessera jwt check``,
which reports each one.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from tessera.core.ids import storable
from tessera.core.jwt_rejection import JwtRejected, failed, invalid_claim, missing_claim

if TYPE_CHECKING:
    from tessera.core.jwt_login import JwtPolicy

#: What ``required_claims`` may list: JSON scalars, compared with their type.
ClaimValue = str | int | bool
Claims = Mapping[str, Any]


def check_claims(claims: Claims, policy: JwtPolicy, now: int) -> None:
    """Every claim rule of ``policy`` at ``now`` (seconds), first failure raised.

    Raises:
        JwtRejected: naming the first rule broken.
    """
    if policy.issuer is not None:
        require_present(claims, "iss")
    if policy.audiences is not None:
        require_present(claims, "aud")
    check_issuer(claims, policy)
    check_audience(claims, policy)
    check_expiry(claims, policy, now)
    check_not_before(claims, policy, now)
    check_issued_at(claims, policy, now)
    check_unasked_audience(claims, policy)
    check_lifetime(claims, policy)
    for name, allowed in policy.required_claims.items():
        check_required_claim(claims, name, allowed)


def require_present(claims: Claims, name: str) -> None:
    """An essential claim, as Authlib checks it: present, and not empty or null."""
    if name not in claims:
        raise missing_claim(name)
    if not claims[name]:
        raise invalid_claim(name)


def check_issuer(claims: Claims, policy: JwtPolicy) -> None:
    """With an ``issuer`` configured, ``iss`` must equal it; otherwise ``iss`` is ignored."""
    if policy.issuer is None:
        return
    require_present(claims, "iss")
    if claims["iss"] != policy.issuer:
        raise invalid_claim("iss")


def check_audience(claims: Claims, policy: JwtPolicy) -> None:
    """With ``audiences`` configured, one value of ``aud`` (string or list) must be listed."""
    if policy.audiences is None:
        return
    require_present(claims, "aud")
    aud = claims["aud"]
    given = aud if isinstance(aud, list) else [aud]
    if not any(isinstance(value, str) and value in policy.audiences for value in given):
        raise invalid_claim("aud")


def check_unasked_audience(claims: Claims, policy: JwtPolicy) -> None:
    """Synapse's long-standing rule: an ``aud`` with no audiences configured fails, even ``""``."""
    if claims.get("aud") is not None and not policy.audiences:
        raise invalid_claim("aud")


def check_expiry(claims: Claims, policy: JwtPolicy, now: int) -> None:
    """``exp`` no further in the past than the leeway; required with ``require_exp``."""
    if "exp" not in claims:
        if policy.require_exp:
            raise missing_claim("exp")
        return
    if numeric_time(claims, "exp") < now - policy.leeway:
        raise failed("expired", "expired_token: The token is expired")


def check_not_before(claims: Claims, policy: JwtPolicy, now: int) -> None:
    """``nbf``, when present, no further in the future than the leeway."""
    if "nbf" in claims and numeric_time(claims, "nbf") > now + policy.leeway:
        raise failed("not_yet_valid", "invalid_token: The token is not valid yet")


def check_issued_at(claims: Claims, policy: JwtPolicy, now: int) -> None:
    """``iat``, when present, no further in the future than the leeway."""
    if "iat" in claims and numeric_time(claims, "iat") > now + policy.leeway:
        raise failed(
            "issued_in_future",
            "invalid_token: The token is not valid as it was issued in the future",
        )


def check_lifetime(claims: Claims, policy: JwtPolicy) -> None:
    """With ``max_lifetime``, ``exp`` and ``iat`` are required and ``exp - iat`` is bounded.

    No leeway applies: the bound is on what the issuer wrote, not on clocks.
    """
    if policy.max_lifetime_ms is None:
        return
    for name in ("exp", "iat"):
        if name not in claims:
            raise missing_claim(name)
    if lifetime_seconds(claims) * 1000 > policy.max_lifetime_ms:
        raise invalid_claim(
            "exp",
            reason="too_long_lived",
            why=": the token is valid for longer than max_lifetime "
            f"({seconds_text(policy.max_lifetime_ms)} s after 'iat')",
        )


def seconds_text(milliseconds: int) -> str:
    """``3600`` for 3 600 000 ms, ``1.5`` for 1 500 ms: a duration as an operator wrote it."""
    whole, rest = divmod(milliseconds, 1000)
    return str(whole) if rest == 0 else str(milliseconds / 1000)


def lifetime_seconds(claims: Claims) -> float:
    """``exp - iat`` of a token holding both (infinite when too large to subtract)."""
    exp, iat = numeric_time(claims, "exp"), numeric_time(claims, "iat")
    try:
        return exp - iat
    except OverflowError:  # a JSON integer too large for a float, minus a float
        return math.inf if exp > iat else -math.inf


def check_required_claim(claims: Claims, name: str, allowed: tuple[ClaimValue, ...]) -> None:
    """``name`` holds one of ``allowed``, or is a list holding at least one of them."""
    if name not in claims:
        raise missing_claim(name, reason="missing_required_claim")
    if not holds_one_of(claims[name], allowed):
        raise invalid_claim(name, reason="invalid_required_claim")


def holds_one_of(value: object, allowed: tuple[ClaimValue, ...]) -> bool:
    """``value`` is one of ``allowed``, or a list holding at least one of them.

    Compared with their JSON type: "1" is not 1, and true is not 1.
    """
    given = value if isinstance(value, list) else [value]
    return any(type(v) is type(w) and v == w for v in given for w in allowed)


def numeric_time(claims: Claims, name: str) -> float:
    """A time claim's value, or ``invalid_claim`` when it is not a finite number."""
    value = claims[name]
    # bool is an int in Python; NaN and infinities would compare as "always
    # valid". Integers of any size compare exactly, as in Synapse.
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise invalid_claim(name)
    if isinstance(value, float) and not math.isfinite(value):
        raise invalid_claim(name)
    return value


def subject(claims: Claims, subject_claim: str) -> str:
    """The localpart the token names (``Invalid JWT`` when it names none)."""
    value = claims.get(subject_claim)
    if value is None:
        raise JwtRejected("missing_subject", "Invalid JWT")
    # Synapse formats whatever it finds into the user ID; a number becomes a
    # (numeric, hence refused) localpart, anything structured is not a name.
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise JwtRejected("invalid_subject", "Invalid JWT")
    return str(value)


def display_name(claims: Claims, claim: str | None) -> str | None:
    """The configured display-name claim when it is a non-empty string that can be stored.

    A NUL or a lone surrogate makes it unusable, like an empty one: the user
    gets the localpart, not a failed login (or a database error).
    """
    if claim is None:
        return None
    value = claims.get(claim)
    return value if isinstance(value, str) and value and storable(value) else None
