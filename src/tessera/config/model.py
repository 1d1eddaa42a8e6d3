"""Typed configuration, under Synapse's ``homeserver.yaml`` key names."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal


@dataclass(frozen=True, slots=True)
class ListenerConfig:
    """One ``listeners[]`` entry of ``type: http`` or ``type: metrics``."""

    port: int
    bind_addresses: tuple[str, ...] = ("127.0.0.1",)
    x_forwarded: bool = False
    resources: tuple[str, ...] = ("client",)
    type: str = "http"


@dataclass(frozen=True, slots=True)
class DatabaseConfig:
    """``database``: ``sqlite3`` with a file, or ``psycopg2`` with connection args."""

    engine: Literal["sqlite", "postgres"]
    sqlite_path: Path | None = None
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    database: str | None = None
    host: str | None = None
    port: int | None = None
    cp_min: int = 5
    cp_max: int = 10
    #: libpq's TLS settings, as Synapse passes them through to psycopg2.
    sslmode: str | None = None
    sslrootcert: str | None = None
    sslcert: str | None = None
    sslkey: str | None = None
    #: libpq's ``connect_timeout`` in seconds. None (or 0, libpq's "no limit"): Tessera's
    #: default (3 s): a connection attempt never waits for ever.
    connect_timeout: int | None = None


#: A value ``jwt_config.required_claims`` may list: a JSON scalar.
ClaimValue = str | int | bool

#: ``localpart_normalisation``: how a subject becomes a localpart.
NORMALISATIONS = ("strict", "lowercase", "map")
#: Profile fields a JWT claim may fill (``<field>_claim``).
PROFILE_FIELDS = ("display_name", "avatar_url", "email")


@dataclass(frozen=True, slots=True)
class AdminClaim:
    """``admin_claim``: a claim (dotted path) whose value (or list element) makes an admin."""

    claim: str
    values: tuple[ClaimValue, ...]


@dataclass(frozen=True, slots=True)
class JwtConfig:
    """``jwt_config``: Synapse's keys with Synapse's defaults, then Tessera's opt-in ones."""

    enabled: bool = False
    #: An HMAC secret, a PEM key, or a JWK / JWK Set as JSON text (a YAML
    #: mapping is stored as its JSON). With ``secret_path``: the file's content.
    secret: str | None = field(default=None, repr=False)
    algorithm: str | None = None
    subject_claim: str = "sub"
    display_name_claim: str | None = None
    issuer: str | None = None
    audiences: tuple[str, ...] | None = None
    #: Tessera: several allowed ``alg`` values instead of ``algorithm``.
    algorithms: tuple[str, ...] | None = None
    #: Tessera: the file ``secret`` was read from at startup.
    secret_path: Path | None = None
    #: Tessera: clock skew allowed on ``exp``, ``nbf``, ``iat``, in seconds.
    leeway: int = 120
    #: Tessera: refuse tokens without ``exp``.
    require_exp: bool = False
    #: Tessera: the longest ``exp - iat`` accepted, in milliseconds (None: any).
    max_lifetime: int | None = None
    #: Tessera: False refuses users that do not exist yet instead of creating them.
    allow_registration: bool = True
    #: Tessera: True lets the provider log in as existing users not linked to it
    #: (and links them). None: unset, which is True only for a lone ``jwt_config``.
    allow_existing_users: bool | None = None
    #: Tessera: claim → the values that may log in.
    required_claims: Mapping[str, tuple[ClaimValue, ...]] = field(default_factory=dict)
    #: Tessera: the provider's name (``jwt_providers[].id``; ``jwt_config`` for the shorthand).
    id: str = "jwt_config"
    #: Tessera: keys fetched (and refreshed) from this URL instead of ``secret``.
    jwks_uri: str | None = None
    #: Tessera: ``secret_path`` for a JWK Set; both are reread on SIGHUP.
    jwks_path: Path | None = None
    #: Tessera: the longest any login waits for a JWKS fetch, in milliseconds.
    jwks_timeout: int = 5_000
    #: Tessera: bounds on how long a fetched JWKS is used before it is refetched.
    jwks_cache_min: int = 5 * 60_000
    jwks_cache_max: int = 24 * 60 * 60_000
    #: Tessera: at most one refetch per this many milliseconds for unknown ``kid``s.
    jwks_refetch_interval: int = 60_000
    #: Tessera: a Jinja2 template over the claims (``user``) giving the localpart.
    localpart_template: str | None = None
    localpart_normalisation: str = "strict"
    allow_numeric_localparts: bool = False
    avatar_url_claim: str | None = None
    email_claim: str | None = None
    #: Tessera: profile fields (``PROFILE_FIELDS``) refreshed at every login, not only the first.
    sync_every_login: frozenset[str] = frozenset()
    admin_claim: AdminClaim | None = None
    #: Tessera: a token's ``jti`` logs in once (until its ``exp``).
    jti_replay_protection: bool = False
    #: Tessera: ``full`` (Synapse's texts) or ``minimal`` (reasons only in the log).
    error_detail: str = "full"

    @property
    def claim_for(self) -> dict[str, str]:
        """Profile field → the claim that fills it, for the fields configured."""
        claims = {
            "display_name": self.display_name_claim,
            "avatar_url": self.avatar_url_claim,
            "email": self.email_claim,
        }
        return {name: claim for name, claim in claims.items() if claim is not None}

    @property
    def algorithm_list(self) -> tuple[str, ...]:
        """``algorithms``, or the single ``algorithm``, or nothing."""
        if self.algorithms is not None:
            return self.algorithms
        return () if self.algorithm is None else (self.algorithm,)


@dataclass(frozen=True, slots=True)
class SessionConfig:
    """Token lifetimes, in milliseconds (None: never expires), under Synapse's keys."""

    #: ``refreshable_access_token_lifetime``: access tokens of clients that asked
    #: for a refresh token. Synapse's default: 5 minutes.
    refreshable_access_token_lifetime: int | None = 5 * 60 * 1000
    #: ``refresh_token_lifetime``: how long an unused refresh token stays good.
    refresh_token_lifetime: int | None = None
    #: ``nonrefreshable_access_token_lifetime``: access tokens without a refresh token.
    nonrefreshable_access_token_lifetime: int | None = None
    #: ``session_lifetime``: the hard end of a login session, refreshes included.
    session_lifetime: int | None = None


@dataclass(frozen=True, slots=True)
class PasswordConfig:
    """``password_config``: password login for users that have a password."""

    #: Off unless asked for: Tessera's users arrive with JWTs (Synapse defaults to on).
    enabled: bool = False
    #: Appended to passwords before hashing, as Synapse's ``pepper``.
    pepper: str = field(default="", repr=False)


@dataclass(frozen=True, slots=True)
class LoginTokenConfig:
    """``login_via_existing_session``: a signed-in device issues ``m.login.token``s (spec v1.7)."""

    enabled: bool = False
    require_ui_auth: bool = True
    token_timeout: int = 5 * 60 * 1000


@dataclass(frozen=True, slots=True)
class RateLimitConfig:
    per_second: float
    burst_count: int


@dataclass(frozen=True, slots=True)
class LoginRateLimits:
    """``rc_login``, with Synapse's defaults (5 logins, then one every ~5.5 minutes)."""

    address: RateLimitConfig = RateLimitConfig(0.003, 5)
    account: RateLimitConfig = RateLimitConfig(0.003, 5)
    failed_attempts: RateLimitConfig = RateLimitConfig(0.17, 3)


@dataclass(frozen=True, slots=True)
class JoinRateLimits:
    """``rc_joins``, with Synapse's defaults; ``remote`` is read but unused (no federation)."""

    local: RateLimitConfig = RateLimitConfig(0.1, 10)
    remote: RateLimitConfig = RateLimitConfig(0.01, 10)


@dataclass(frozen=True, slots=True)
class Config:
    """The whole validated configuration."""

    server_name: str
    database: DatabaseConfig
    listeners: tuple[ListenerConfig, ...] = ()
    public_baseurl: str | None = None
    jwt: JwtConfig = JwtConfig()
    #: Tessera: more JWT issuers, each a ``jwt_config``-shaped block with an ``id``.
    jwt_providers: tuple[JwtConfig, ...] = ()
    enable_registration: bool = False
    sessions: SessionConfig = SessionConfig()
    password: PasswordConfig = PasswordConfig()
    login_tokens: LoginTokenConfig = LoginTokenConfig()
    bcrypt_rounds: int = 12
    #: Synapse's switch for Prometheus metrics (served on metrics listeners).
    enable_metrics: bool = False
    rc_login: LoginRateLimits = LoginRateLimits()
    #: Events a user sends (messages, state, redactions, room creation), Synapse's default.
    rc_message: RateLimitConfig = RateLimitConfig(0.2, 10)
    rc_joins: JoinRateLimits = JoinRateLimits()
    #: Rooms (aliases or IDs) every user joins when created (Synapse's registration keys).
    auto_join_rooms: tuple[str, ...] = ()
    #: Whether a missing local alias of ``auto_join_rooms`` is created, with this preset.
    autocreate_auto_join_rooms: bool = True
    autocreate_auto_join_room_preset: str = "public_chat"
    #: The local user who creates (and invites into) auto-join rooms; None: the new user.
    auto_join_mxid_localpart: str | None = None
    #: Tessera's own: request bodies above this many bytes get 413 M_TOO_LARGE.
    max_request_body_size: int = 64 * 1024
    #: Tessera's own: milliseconds a client has to send a request's whole body (else 408).
    request_read_timeout: int = 30_000
    #: Tessera's own: milliseconds a looked-up access token is trusted without the database.
    access_token_cache_ttl: int = 1_000
    #: Tessera's own: ``text`` (default) or ``json`` (one JSON object per log line).
    log_format: str = "text"
    #: Synapse's: the soft limit on open files set at start; 0 raises it to the hard limit.
    soft_file_limit: int = 0
    #: Tessera's own: HTTP connections one process holds at most; idle ones go first.
    max_http_connections: int = 10_000
    #: Tessera's own: connections from one client address (IPv6: one /64), on listeners
    #: without ``x_forwarded`` (behind a proxy every connection has the proxy's address).
    max_http_connections_per_address: int = 500
    #: Synapse keys present in the file that Tessera does not implement.
    ignored_keys: tuple[str, ...] = ()
    #: Tessera's own: start even when a secret file is readable by every user.
    allow_world_readable_secrets: bool = False
    #: ``signing_key_path``: the ed25519 key file events are signed with (Synapse's format),
    #: resolved against the config's directory. None only for a Config built in code.
    signing_key_path: Path | None = None
    #: Non-fatal remarks found while loading (each one line, for the log).
    warnings: tuple[str, ...] = ()

    @property
    def jwt_logins(self) -> tuple[JwtConfig, ...]:
        """Every enabled JWT provider: ``jwt_config`` first, then ``jwt_providers``."""
        first = (self.jwt,) if self.jwt.enabled else ()
        return first + tuple(p for p in self.jwt_providers if p.enabled)

    def allows_existing_users(self, jwt: JwtConfig) -> bool:
        """Whether provider ``jwt`` may log in as existing users not linked to it.

        Unset, only a lone ``jwt_config`` may: Synapse's JWT login reaches every
        user, and the single-issuer shorthand keeps Synapse's behaviour.
        """
        if jwt.allow_existing_users is not None:
            return jwt.allow_existing_users
        return jwt.id == "jwt_config" and self.sole_jwt_provider == "jwt_config"

    @property
    def sole_jwt_provider(self) -> str | None:
        """The id of the only enabled JWT provider; None with none or several."""
        logins = self.jwt_logins
        return logins[0].id if len(logins) == 1 else None
