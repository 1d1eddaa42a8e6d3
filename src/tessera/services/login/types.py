"""The contract every login type implements."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True, slots=True)
class Identity:
    """Who a login body proved to be: a localpart (or a full user ID) and extras."""

    subject: str
    display_name: str | None = None


class LoginType(Protocol):
    login_type: str

    async def authenticate(self, body: dict[str, Any]) -> Identity:
        """Check the login-type-specific fields of ``body``, or raise a MatrixError."""
        ...
