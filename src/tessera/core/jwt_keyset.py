"""The keys tokens are verified with: from a secret, a PEM key, a JWK or a JWK Set.

``jwt_config.secret`` is read the way Synapse's Authlib reads it: a string in
braces is JSON, a JWK (``kty``) or a JWK Set (``keys``); anything else is an
HMAC secret or a PEM key. Every key records the configured algorithms it
can verify, decided by its type and curve (and its own ``alg``, when the JWK
pins one), so a token's ``alg`` can never make a key do what it was not made
for: an HMAC key never checks an RS256 token, an RSA key never an HS256 one.

Choosing a key for a token (``VerificationKeys.for_token``):

- a ``kid`` in the header picks the keys carrying that ``kid``;
- keys without a ``kid`` (a PEM or HMAC secret, a JWK without one) are
  tried for any token, whatever its ``kid``;
- a ``kid`` that matches neither is refused (403, never Synapse's 500);
- a token without a ``kid`` tries each key that fits its ``alg``, in the
  configured order (an IdP rotating keys may not name them).
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from joserfc.errors import JoseError, SecurityWarning
from joserfc.jwk import Key, OctKey, import_key

from tessera.core.jwt_keys import (
    KeyConfigError,
    check_supported,
    describe_key,
    key_fits,
    load_verification_key,
)
from tessera.core.jwt_rejection import JwtRejected, failed


@dataclass(frozen=True, slots=True)
class VerificationKey:
    """One public key (or HMAC secret) and the configured algorithms it may verify."""

    key: Key
    algorithms: frozenset[str]
    kid: str | None = None

    def describe(self) -> str:
        """``RSA key 'k1'``, ``HMAC key``: what it is, never what it holds."""
        name = f"{describe_key(self.key)} key"
        return name if self.kid is None else f"{name} {self.kid!r}"


@dataclass(frozen=True, slots=True)
class VerificationKeys:
    """Every key a login token may be signed with, in the configured order."""

    keys: tuple[VerificationKey, ...]

    def for_token(self, algorithm: str, kid: object) -> tuple[VerificationKey, ...]:
        """The keys to try for a token whose (allowed) ``alg`` and ``kid`` are given.

        Raises:
            JwtRejected: ``kid`` is not a string, names no key, or names a key
                that cannot verify ``algorithm``.
        """
        if kid is None:
            return tuple(k for k in self.keys if algorithm in k.algorithms)
        if not isinstance(kid, str):
            raise failed("malformed", "invalid_header_value: 'kid' in header must be a str")
        named = [k for k in self.keys if k.kid == kid]
        if named:
            fitting = tuple(k for k in named if algorithm in k.algorithms)
            if not fitting:
                raise failed(
                    "key_mismatch",
                    f'invalid_key: The key named by "kid" cannot verify "alg" {algorithm}',
                )
            return fitting
        unnamed = tuple(k for k in self.keys if k.kid is None and algorithm in k.algorithms)
        if not unnamed:
            raise unknown_kid()
        return unnamed


def unknown_kid() -> JwtRejected:
    """A ``kid`` no configured key carries (Synapse answers 500; this is a 403)."""
    return failed("unknown_kid", "unknown_kid: Unknown 'kid' value in header")


def load_verification_keys(secret: str, algorithms: Sequence[str]) -> VerificationKeys:
    """Every key in ``secret``, each with the ``algorithms`` it can verify.

    A plain secret or PEM key gives one key per algorithm and must fit every
    one of them (an RSA PEM cannot serve HS256). A JWK must fit at least one;
    in a JWK Set, encryption keys (``use: enc``) are skipped, and every
    configured algorithm needs at least one key.

    Raises:
        KeyConfigError: with ``where`` naming the JWK at fault.
    """
    for algorithm in algorithms:
        check_supported(algorithm)
    document = jwk_document(secret)
    if document is None:
        return VerificationKeys(
            tuple(
                VerificationKey(load_verification_key(secret, algorithm), frozenset({algorithm}))
                for algorithm in algorithms
            )
        )
    if "keys" in document:
        keys = _key_set(document["keys"], algorithms)
    else:
        keys = [_jwk(document, algorithms, where="", in_set=False)]
    loaded = tuple(key for key in keys if key is not None)
    for algorithm in algorithms:
        if not any(algorithm in key.algorithms for key in loaded):
            kinds = ", ".join(key.describe() for key in loaded) or "no signature keys"
            raise KeyConfigError(f"has no key that can verify {algorithm} (it holds {kinds})")
    return VerificationKeys(loaded)


@dataclass(frozen=True, slots=True)
class FetchedKeySet:
    """A JWK Set from a ``jwks_uri``: the usable keys, and why the others were left out."""

    keys: VerificationKeys
    #: One line per skipped key: where it is in the set, and why it cannot be used.
    skipped: tuple[str, ...] = ()


def load_fetched_key_set(document: dict[str, Any], algorithms: Sequence[str]) -> FetchedKeySet:
    """The keys of a fetched JWK Set that fit an allowed algorithm; the others are skipped.

    The identity provider, not the operator, decides what its set holds: an RSA
    key next to the EC one an ``algorithms: [ES256]`` config uses, a key type
    joserfc cannot read, an encryption key. Those are left out (and listed),
    where a set the operator wrote is refused whole (``load_verification_keys``).

    Raises:
        KeyConfigError: ``keys`` is not a non-empty list, or no key in it can verify
            any of ``algorithms``.
    """
    for algorithm in algorithms:
        check_supported(algorithm)
    entries = document.get("keys")
    if not isinstance(entries, list) or not entries:
        raise KeyConfigError("`keys` must be a non-empty list of JWKs", ".keys")
    loaded: list[VerificationKey] = []
    skipped: list[str] = []
    for index, entry in enumerate(entries):
        try:
            key = _jwk(entry, algorithms, where=f".keys[{index}]", in_set=True)
        except KeyConfigError as exc:
            kid = entry.get("kid") if isinstance(entry, dict) else None
            named = f" {kid!r}" if isinstance(kid, str) else ""
            skipped.append(f"keys[{index}]{named} {exc}")
            continue
        if key is not None:
            loaded.append(key)
    if not loaded:
        raise KeyConfigError(
            f"has no key that can verify {', '.join(algorithms)}"
            + (f" ({'; '.join(skipped)})" if skipped else "")
        )
    return FetchedKeySet(VerificationKeys(tuple(loaded)), tuple(skipped))


def jwk_document(secret: str) -> dict[str, Any] | None:
    """The JWK or JWK Set ``secret`` holds, or None for an HMAC secret or a PEM key.

    Raises:
        KeyConfigError: for braces around something that is not a JWK or a JWK Set.
    """
    text = secret.strip()
    if not (text.startswith("{") and text.endswith("}")):
        return None
    try:
        document = json.loads(text)
    except ValueError as exc:
        # The message names the position, never the content: this may be a secret.
        reason = exc.msg if isinstance(exc, json.JSONDecodeError) else "invalid"
        raise KeyConfigError(
            f"looks like a JWK (in braces) but is not valid JSON: {reason}"
        ) from None
    if not isinstance(document, dict) or ("keys" not in document and "kty" not in document):
        raise KeyConfigError("is a JSON object but neither a JWK (`kty`) nor a JWK Set (`keys`)")
    return document


def is_jwk(secret: str) -> bool:
    """True when ``secret`` is (or is meant to be) a JWK or a JWK Set."""
    try:
        return jwk_document(secret) is not None
    except KeyConfigError:
        return True


def _key_set(entries: object, algorithms: Sequence[str]) -> list[VerificationKey | None]:
    if not isinstance(entries, list) or not entries:
        raise KeyConfigError("`keys` must be a non-empty list of JWKs", ".keys")
    return [
        _jwk(entry, algorithms, where=f".keys[{index}]", in_set=True)
        for index, entry in enumerate(entries)
    ]


def _jwk(
    data: object, algorithms: Sequence[str], *, where: str, in_set: bool
) -> VerificationKey | None:
    if not isinstance(data, dict):
        raise KeyConfigError("must be a JWK (a JSON object)", where)
    kid = data.get("kid")
    if kid is not None and not isinstance(kid, str):
        raise KeyConfigError("`kid` must be a string", where)
    if not _for_signatures(data):
        if in_set:
            return None  # IdPs publish encryption keys next to their signing keys
        raise KeyConfigError("is not a signature key (see its `use` / `key_ops`)", where)
    key = _public_half(data, where)
    fits = frozenset(a for a in algorithms if key_fits(key, a) and key.alg in (None, a))
    if not fits:
        pinned = f", for {key.alg} only" if key.alg else ""
        raise KeyConfigError(
            f"cannot verify {', '.join(algorithms)} (it is an {describe_key(key)} key{pinned})",
            where,
        )
    return VerificationKey(key, fits, kid)


def _for_signatures(data: dict[str, Any]) -> bool:
    use = data.get("use")
    if use is not None and use != "sig":
        return False
    operations = data.get("key_ops")
    return not isinstance(operations, list) or bool({"verify", "sign"} & set(map(str, operations)))


def _public_half(data: dict[str, Any], where: str) -> Key:
    # `key_ops` has been judged above; a private JWK saying "sign" must still
    # give a public key that verifies.
    params = {name: value for name, value in data.items() if name != "key_ops"}
    with warnings.catch_warnings():
        # Short HMAC keys are the operator's choice, as for a plain secret.
        warnings.simplefilter("ignore", SecurityWarning)
        try:
            key = import_key(params)
            if not isinstance(key, OctKey) and key.is_private:
                # Only the public half verifies; the private one is not kept.
                key = import_key(key.as_dict(private=False))
        except (JoseError, ValueError, TypeError) as exc:
            raise KeyConfigError(f"is not a usable JWK ({exc})", where) from None
    return key
