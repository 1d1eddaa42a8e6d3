"""``m.login.token``: short-lived single-use tokens, and issuing them (spec v1.7 get_token)."""

from __future__ import annotations

from typing import Any

from tessera.config import LoginTokenConfig
from tessera.config.model import RateLimitConfig
from tessera.core.errors import ErrCode, Forbidden, MatrixError
from tessera.core.models import Requester
from tessera.core.tokens import hash_token, mint_login_token
from tessera.services.clock import Clock, now_ms
from tessera.services.login.types import Identity
from tessera.services.rate_limits import Limit
from tessera.storage.ports import Store

LOGIN_TYPE = "m.login.token"
#: Synapse's fixed limit on ``get_token`` (login_token_request.py): one per user per
#: minute, since each token spawns a session. Not configurable there either.
ISSUE_LIMIT = RateLimitConfig(per_second=1 / 60, burst_count=1)


class TokenLogin:
    """Logs in with a token a signed-in device obtained from ``/login/get_token``."""

    login_type = LOGIN_TYPE

    def __init__(
        self, store: Store, config: LoginTokenConfig, clock: Clock, issue_limit: Limit
    ) -> None:
        self._store = store
        self._config = config
        self._clock = clock
        self._issue_limit = issue_limit

    async def issue(self, requester: Requester) -> tuple[str, int]:
        """A new login token for the requester's user and its lifetime in ms.

        Raises:
            MatrixError: 429 ``M_LIMIT_EXCEEDED`` past ``ISSUE_LIMIT`` (nothing issued).
        """
        # Keyed by the lowercased user ID, as Synapse keys it.
        await self._issue_limit.acquire(requester.user_id.lower())
        token = mint_login_token()
        now = now_ms(self._clock)
        async with self._store.write() as txn:
            await txn.login_tokens.purge_expired(now)
            await txn.login_tokens.add(
                hash_token(token), requester.user_id, now + self._config.token_timeout
            )
        return token, self._config.token_timeout

    async def authenticate(self, body: dict[str, Any]) -> Identity:
        """The user the body's ``token`` was issued to; it cannot be used again."""
        if "token" not in body:
            raise MatrixError(ErrCode.UNKNOWN, "Missing JSON keys.")
        token = body["token"]
        if not isinstance(token, str):
            raise Forbidden("Invalid login token")
        async with self._store.write() as txn:
            taken = await txn.login_tokens.take(hash_token(token))
        if taken is None or taken[1] < now_ms(self._clock):
            raise Forbidden("Invalid login token")
        return Identity(subject=taken[0], user_id=taken[0])
