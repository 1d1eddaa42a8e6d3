"""Frozen records passed between the layers."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class User:
    user_id: str
    display_name: str | None
    avatar_url: str | None
    is_admin: bool
    deactivated: bool
    created_ts: int
    password_hash: str | None = field(default=None, repr=False)
    #: Deactivated with ``erase: true`` (Synapse's flag).
    erased: bool = False


@dataclass(frozen=True, slots=True)
class Device:
    user_id: str
    device_id: str
    display_name: str | None
    last_seen_ip: str | None
    last_seen_ts: int | None
    last_seen_user_agent: str | None = None


@dataclass(frozen=True, slots=True)
class Sighting:
    """A request from a device: where from, with which client, and when."""

    user_id: str
    device_id: str
    ip: str | None
    user_agent: str | None
    ts: int


@dataclass(frozen=True, slots=True)
class Threepid:
    """A third-party identifier of a user (spec: ``GET /account/3pid``)."""

    medium: str
    address: str
    validated_at: int
    added_at: int


@dataclass(frozen=True, slots=True)
class Requester:
    """Who is making an authenticated request."""

    user_id: str
    #: None for a token an admin made with "log in as user": it has no device.
    device_id: str | None
    token_id: int
    is_admin: bool
    #: The admin acting as ``user_id`` through such a token (Synapse's token owner).
    puppeted_by: str | None = None


@dataclass(frozen=True, slots=True)
class AccessTokenInfo:
    """What the database knows about one access token."""

    requester: Requester
    valid_until_ms: int | None
    refresh_token_id: int | None
    used: bool


@dataclass(frozen=True, slots=True)
class RefreshToken:
    id: int
    user_id: str
    device_id: str
    expiry_ts: int | None
    session_expiry_ts: int | None
    next_token_id: int | None


@dataclass(frozen=True, slots=True)
class UiAuthSession:
    session_id: str
    user_id: str
    method: str
    uri: str
    created_ts: int
    completed: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class LoginResult:
    user_id: str
    device_id: str
    access_token: str
    #: Set when the access token expires (spec v1.3 refresh tokens).
    expires_in_ms: int | None = None
    refresh_token: str | None = field(default=None, repr=False)
