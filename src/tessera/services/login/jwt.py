"""``org.matrix.login.jwt``: Synapse's JWT login type, with one provider or several.

With ``jwt_config`` alone a token is checked exactly as Synapse checks it.
With ``jwt_providers`` a token goes to the providers whose ``issuer`` is its
(unverified) ``iss`` (the issuer-less ones when none matches), narrowed by
``kid`` when several share the issuer; the first whose key verifies it
decides. The claims then become an ``Identity`` through the provider's
``ClaimMapping``, carrying the provider and the subject: the login reaches
only the users linked to that provider (``links.py``).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from tessera.core.errors import ErrCode, Forbidden, MatrixError
from tessera.core.jwt_keyset import VerificationKeys
from tessera.core.jwt_login import (
    JwtIdentity,
    JwtPolicy,
    JwtRejected,
    ParsedToken,
    decode_claims,
    parse_token,
    verify_parsed,
)
from tessera.core.jwt_mapping import ClaimMapping, is_admin, localpart, profile
from tessera.core.jwt_rejection import missing_claim
from tessera.core.jwt_routing import route
from tessera.services.clock import Clock
from tessera.services.jwks import RemoteKeySet
from tessera.services.login.types import Identity, ReplayGuard
from tessera.storage.ports import Transaction

LOGIN_TYPE = "org.matrix.login.jwt"
#: What clients see for every rejection of a provider with ``error_detail: minimal``.
MINIMAL_ERROR = "Invalid JWT"
#: The latest a spent ``jti`` is kept until (2**52 ms, past any real ``exp``), in seconds.
MAX_REPLAY_EXPIRY_S = 2**52 // 1000
#: Reasons that say the token is not this provider's (so the next candidate may try).
_NOT_MINE = frozenset({"bad_signature", "unknown_kid", "unsupported_algorithm", "key_mismatch"})

logger = logging.getLogger(__name__)


@dataclass(slots=True)
class JwtProvider:
    """One issuer's verification policy, claim mapping and options.

    ``policy`` is replaced (never mutated) when its keys change: on SIGHUP
    for ``secret_path`` / ``jwks_path``, on a fetch for ``jwks_uri``.
    """

    id: str
    policy: JwtPolicy
    mapping: ClaimMapping = field(default_factory=ClaimMapping)
    replay_protection: bool = False
    minimal_errors: bool = False
    remote_keys: RemoteKeySet | None = None
    #: Whether it may log in as existing users not linked to it (``allow_existing_users``).
    claim_existing: bool = False

    def current_policy(self) -> JwtPolicy:
        """The policy with the remote key set as last fetched (empty before the first fetch)."""
        if self.remote_keys is not None and self.remote_keys.keys is not self.policy.key:
            self.policy = replace(self.policy, key=self.remote_keys.keys or VerificationKeys(()))
        return self.policy


class JwtLogin:
    """Turns a login body carrying a JWT into the identity it proves."""

    login_type = LOGIN_TYPE

    def __init__(self, providers: Sequence[JwtProvider], clock: Clock) -> None:
        self.providers = list(providers)
        self._clock = clock

    async def authenticate(self, body: dict[str, Any]) -> Identity:
        """The identity the body's ``token`` proves (403 ``M_FORBIDDEN`` otherwise)."""
        try:
            parsed = parse_token(body.get("token"))
            candidates = self._candidates(parsed)
        except JwtRejected as rejected:
            raise self._forbidden(rejected, None) from None
        first: tuple[JwtRejected, JwtProvider] | None = None
        for provider in candidates:
            try:
                identity = await self._verify_with(provider, parsed)
            except JwtRejected as rejected:
                if len(candidates) == 1 or rejected.reason not in _NOT_MINE:
                    # This provider's key took the token: its claims are what failed.
                    raise self._forbidden(rejected, provider) from None
                first = first or (rejected, provider)
                continue
            return self._identity(provider, identity)
        assert first is not None, "route() names at least one provider or rejects"
        raise self._forbidden(*first) from None

    def _candidates(self, parsed: ParsedToken) -> list[JwtProvider]:
        if len(self.providers) == 1:
            return self.providers
        policies = [provider.current_policy() for provider in self.providers]
        chosen = route(decode_claims(parsed), parsed.header, policies)
        return [self.providers[index] for index in chosen]

    async def _verify_with(self, provider: JwtProvider, parsed: ParsedToken) -> JwtIdentity:
        remote = provider.remote_keys
        if remote is not None and remote.keys is None:
            # The identity provider was down at startup: try again (rate-limited).
            await remote.refetch_for_unknown_kid()
            if remote.keys is None:
                raise MatrixError(
                    ErrCode.UNKNOWN,
                    f"The keys of JWT provider {provider.id} cannot be fetched; try again later",
                    status=503,
                )
        try:
            return verify_parsed(parsed, provider.current_policy(), self._clock())
        except JwtRejected as rejected:
            # A kid we lack may be a key the provider has just rotated in.
            if remote is None or rejected.reason != "unknown_kid":
                raise
            if not await remote.refetch_for_unknown_kid():
                raise
        return verify_parsed(parsed, provider.current_policy(), self._clock())

    def _identity(self, provider: JwtProvider, identity: JwtIdentity) -> Identity:
        claims = identity.claims
        mapping = provider.mapping
        try:
            name = localpart(identity.subject, claims, mapping)
            replay = self._replay_guard(provider, claims) if provider.replay_protection else None
        except JwtRejected as rejected:
            raise self._forbidden(rejected, provider) from None
        fields = profile(claims, mapping)
        return Identity(
            subject=name,
            may_register=provider.policy.allow_registration,
            allow_numeric=mapping.allow_numeric,
            profile=fields,
            sync_every_login=mapping.sync_every_login,
            admin=None if mapping.admin is None else is_admin(claims, mapping.admin),
            replay=replay,
            auth_provider=provider.id,
            external_id=identity.subject,
            claim_existing=provider.claim_existing,
        )

    def _replay_guard(self, provider: JwtProvider, claims: dict[str, Any]) -> ReplayGuard:
        jti = claims.get("jti")
        if not isinstance(jti, str) or not jti:
            raise missing_claim("jti")
        issuer = claims.get("iss")
        key = f"{provider.id}\x00{issuer if isinstance(issuer, str) else ''}\x00{jti}"
        # `exp` is required with replay protection; the leeway keeps the ID
        # as long as the token could still be accepted. It is any finite JSON
        # number: capped before any float conversion, which overflows past 1e308.
        expiry_s = min(claims["exp"] + provider.policy.leeway, MAX_REPLAY_EXPIRY_S)
        return ReplayGuard(hashlib.sha256(key.encode()).digest(), int(expiry_s * 1000))

    def _forbidden(self, rejected: JwtRejected, provider: JwtProvider | None) -> MatrixError:
        minimal = (
            provider.minimal_errors
            if provider is not None
            else any(p.minimal_errors for p in self.providers)
        )
        name = provider.id if provider is not None else "-"
        # The reason label is safe to log; the token never is.
        log = logger.info if minimal else logger.debug
        log("JWT login rejected (provider %s): %s", name, rejected.reason)
        error = Forbidden(MINIMAL_ERROR if minimal else rejected.message)
        error.reason = rejected.reason  # e.g. bad_signature, expired: for metrics
        return error


async def spend_token_id(txn: Transaction, replay: ReplayGuard) -> None:
    """Record the token's ``jti`` as used in ``txn``, or 403 when it was used already.

    Raises:
        MatrixError: ``invalid_token: The token has already been used``.
    """
    if not await txn.jwt_ids.claim(replay.id_hash, replay.expiry_ms):
        error = Forbidden("JWT validation failed: invalid_token: The token has already been used")
        error.reason = "replayed"
        raise error
