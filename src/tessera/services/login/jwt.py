"""``org.matrix.login.jwt``: Synapse's JWT login type."""

from __future__ import annotations

import logging
from typing import Any

from tessera.core.errors import Forbidden
from tessera.core.jwt_login import JwtPolicy, JwtRejected, verify
from tessera.services.clock import Clock
from tessera.services.login.types import Identity

LOGIN_TYPE = "org.matrix.login.jwt"

logger = logging.getLogger(__name__)


class JwtLogin:
    """Turns a login body carrying a JWT into the identity it proves."""

    login_type = LOGIN_TYPE

    def __init__(self, policy: JwtPolicy, clock: Clock) -> None:
        self._policy = policy
        self._clock = clock

    async def authenticate(self, body: dict[str, Any]) -> Identity:
        """The identity the body's ``token`` proves (403 ``M_FORBIDDEN`` otherwise)."""
        try:
            identity = verify(body.get("token"), self._policy, self._clock())
        except JwtRejected as rejected:
            # The reason label is safe to log; the token never is.
            logger.debug("JWT login rejected: %s", rejected.reason)
            error = Forbidden(rejected.message)
            error.reason = rejected.reason  # e.g. bad_signature, expired: for metrics
            raise error from None
        return Identity(
            subject=identity.subject,
            display_name=identity.display_name,
            may_register=self._policy.allow_registration,
        )
