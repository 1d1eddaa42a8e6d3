"""Typed configuration, under Synapse's ``homeserver.yaml`` key names."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal


@dataclass(frozen=True, slots=True)
class ListenerConfig:
    """One ``listeners[]`` entry of ``type: http``."""

    port: int
    bind_addresses: tuple[str, ...] = ("127.0.0.1",)
    x_forwarded: bool = False
    resources: tuple[str, ...] = ("client",)


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


@dataclass(frozen=True, slots=True)
class JwtConfig:
    """``jwt_config``, with Synapse's defaults."""

    enabled: bool = False
    secret: str | None = field(default=None, repr=False)
    algorithm: str | None = None
    subject_claim: str = "sub"
    display_name_claim: str | None = None
    issuer: str | None = None
    audiences: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class Config:
    """The whole validated configuration."""

    server_name: str
    database: DatabaseConfig
    listeners: tuple[ListenerConfig, ...] = ()
    public_baseurl: str | None = None
    jwt: JwtConfig = JwtConfig()
    enable_registration: bool = False
    #: Tessera's own: request bodies above this many bytes get 413 M_TOO_LARGE.
    max_request_body_size: int = 64 * 1024
    #: Synapse keys present in the file that Tessera does not implement.
    ignored_keys: tuple[str, ...] = ()
    #: Non-fatal remarks found while loading (each one line, for the log).
    warnings: tuple[str, ...] = ()
