"""The contract every login type implements."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True, slots=True)
class ReplayGuard:
    """A JWT ID to record as used in the login's transaction (``jti_replay_protection``)."""

    id_hash: bytes
    expiry_ms: int


@dataclass(frozen=True, slots=True)
class Identity:
    """Who a login body proved to be.

    Either ``user_id`` names an existing user (password, login token), or
    ``subject`` is a localpart that is created on first login (JWT).
    """

    subject: str
    user_id: str | None = None
    #: False: a ``subject`` naming nobody is refused instead of created
    #: (``jwt_config.allow_registration``).
    may_register: bool = True
    #: True: an all-digit localpart may be registered (``allow_numeric_localparts``).
    allow_numeric: bool = False
    #: Profile fields (``display_name``, ``avatar_url``, ``email``) the credentials carry.
    profile: Mapping[str, str] = field(default_factory=dict)
    #: The ``profile`` fields that overwrite the stored ones at every login, not just the first.
    sync_every_login: frozenset[str] = frozenset()
    #: Whether the user is a server admin, when the credentials say (None: they don't).
    admin: bool | None = None
    replay: ReplayGuard | None = None
    #: The JWT provider that vouched for the identity, and the subject it gave:
    #: a provider reaches the users linked to it (``services/login/links.py``).
    auth_provider: str | None = None
    external_id: str | None = None
    #: True: the provider may also log in as existing users not linked to it
    #: (``allow_existing_users``), linking them.
    claim_existing: bool = False

    @property
    def display_name(self) -> str | None:
        """The display name the credentials carry, for a user created by this login."""
        return self.profile.get("display_name")


class LoginType(Protocol):
    login_type: str

    async def authenticate(self, body: dict[str, Any]) -> Identity:
        """Check the login-type-specific fields of ``body``, or raise a MatrixError."""
        ...
