"""Session tokens: issuing them at login, refreshing them (spec v1.3), ending them.

Lifetimes follow Synapse's keys (see ``SessionConfig``). A refresh exchanges
refresh token R for a new pair (A', R'); R stays good until A' is first used
or R' is refreshed, so a client that lost the response can retry. After
that R and its access token are deleted, and presenting R again is 401
``M_UNKNOWN_TOKEN``.
"""

from __future__ import annotations

from dataclasses import dataclass

from tessera.config import SessionConfig
from tessera.core.errors import Forbidden, UnknownToken
from tessera.core.models import Requester
from tessera.core.tokens import hash_token, mint_access_token, mint_refresh_token
from tessera.services.auth import Authenticator
from tessera.services.clock import Clock, now_ms
from tessera.storage.ports import Store, Transaction


@dataclass(frozen=True, slots=True)
class IssuedTokens:
    access_token: str
    refresh_token: str | None
    expires_in_ms: int | None


def _earliest(*times: int | None) -> int | None:
    present = [t for t in times if t is not None]
    return min(present) if present else None


def _after(now: int, lifetime: int | None) -> int | None:
    return None if lifetime is None else now + lifetime


class Sessions:
    def __init__(
        self, store: Store, authenticator: Authenticator, config: SessionConfig, clock: Clock
    ) -> None:
        self._store = store
        self._auth = authenticator
        self._config = config
        self._clock = clock

    async def issue(
        self, txn: Transaction, user_id: str, device_id: str, *, refreshable: bool, now: int
    ) -> IssuedTokens:
        """Mint the tokens of a new login, inside the login's transaction."""
        config = self._config
        access_token = mint_access_token()
        if refreshable and config.refreshable_access_token_lifetime is not None:
            session_end = _after(now, config.session_lifetime)
            refresh_token = mint_refresh_token()
            refresh_id = await txn.refresh_tokens.add(
                hash_token(refresh_token),
                user_id,
                device_id,
                now,
                expiry_ts=_earliest(_after(now, config.refresh_token_lifetime), session_end),
                session_expiry_ts=session_end,
            )
            valid_until = _earliest(now + config.refreshable_access_token_lifetime, session_end)
            await txn.tokens.add(
                hash_token(access_token),
                user_id,
                device_id,
                now,
                valid_until_ms=valid_until,
                refresh_token_id=refresh_id,
            )
            return IssuedTokens(access_token, refresh_token, _remaining(valid_until, now))
        valid_until = _earliest(
            _after(now, config.nonrefreshable_access_token_lifetime),
            _after(now, config.session_lifetime),
        )
        await txn.tokens.add(
            hash_token(access_token), user_id, device_id, now, valid_until_ms=valid_until
        )
        return IssuedTokens(access_token, None, _remaining(valid_until, now))

    async def refresh(self, refresh_token: str) -> IssuedTokens:
        """Exchange a refresh token for a new access and refresh token.

        Raises:
            UnknownToken: the refresh token does not exist (or was superseded).
            Forbidden: it, or the session it belongs to, has expired.
        """
        now = now_ms(self._clock)
        config = self._config
        async with self._store.write() as txn:
            existing = await txn.refresh_tokens.get(hash_token(refresh_token))
            if existing is None:
                raise UnknownToken("refresh token does not exist")
            if existing.expiry_ts is not None and existing.expiry_ts < now:
                raise Forbidden("The supplied refresh token has expired")
            session_end = existing.session_expiry_ts
            if session_end is not None and session_end < now:
                raise Forbidden("The session has expired and can no longer be refreshed")
            new_refresh = mint_refresh_token()
            new_id = await txn.refresh_tokens.add(
                hash_token(new_refresh),
                existing.user_id,
                existing.device_id,
                now,
                expiry_ts=_earliest(_after(now, config.refresh_token_lifetime), session_end),
                session_expiry_ts=session_end,
            )
            lifetime = config.refreshable_access_token_lifetime
            valid_until = _earliest(_after(now, lifetime), session_end)
            new_access = mint_access_token()
            await txn.tokens.add(
                hash_token(new_access),
                existing.user_id,
                existing.device_id,
                now,
                valid_until_ms=valid_until,
                refresh_token_id=new_id,
            )
            # A retry after a lost response replaces the unused pair it got before.
            if existing.next_token_id is not None:
                await txn.refresh_tokens.delete(existing.next_token_id)
            await txn.refresh_tokens.set_next(existing.id, new_id)
            # Refreshing this token uses it: what it was exchanged from goes now.
            await txn.refresh_tokens.delete_predecessors(existing.id)
        return IssuedTokens(new_access, new_refresh, _remaining(valid_until, now))

    async def logout(self, requester: Requester) -> None:
        """End this session: its device goes, and the device's tokens with it.

        A device-less token (an admin's "log in as user") goes alone, as in Synapse.
        """
        if requester.device_id is not None:
            async with self._auth.ending_sessions(requester.user_id, [requester.device_id]) as txn:
                await txn.devices.delete(requester.user_id, requester.device_id)
            return
        async with self._store.write() as txn:
            await txn.tokens.delete(requester.token_id)
            await txn.invalidations.user(requester.user_id)  # rare: no per-token notice
        self._auth.forget_token(requester.user_id, requester.token_id)

    async def logout_all(self, requester: Requester) -> None:
        """End every session of the requester's user, admins' tokens for it included."""
        async with self._auth.ending_sessions(requester.user_id) as txn:
            await txn.devices.delete_all(requester.user_id)
            await txn.tokens.delete_deviceless(requester.user_id)


def _remaining(valid_until: int | None, now: int) -> int | None:
    return None if valid_until is None else max(0, valid_until - now)
