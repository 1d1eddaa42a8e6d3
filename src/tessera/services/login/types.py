"""The contract every login type implements."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True, slots=True)
class Identity:
    """Who a login body proved to be.

    Either ``user_id`` names an existing user (password, login token), or
    ``subject`` is a localpart that is created on first login (JWT).
    """

    subject: str
    display_name: str | None = None
    user_id: str | None = None
    #: False: a ``subject`` naming nobody is refused instead of created
    #: (``jwt_config.allow_registration``).
    may_register: bool = True


class LoginType(Protocol):
    login_type: str

    async def authenticate(self, body: dict[str, Any]) -> Identity:
        """Check the login-type-specific fields of ``body``, or raise a MatrixError."""
        ...
