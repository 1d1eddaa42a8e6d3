"""``load_config(path)``: YAML in, a validated ``Config`` out."""

from __future__ import annotations

import difflib
import re
from pathlib import Path
from typing import Any

import yaml

from tessera.config.errors import ConfigError
from tessera.config.jwt import parse_jwt_config, parse_jwt_providers
from tessera.config.model import (
    Config,
    DatabaseConfig,
    JoinRateLimits,
    ListenerConfig,
    LoginRateLimits,
    LoginTokenConfig,
    PasswordConfig,
    RateLimitConfig,
    SessionConfig,
)
from tessera.config.section import Section, check_type, duration_ms, positive_duration_ms
from tessera.config.synapse_keys import SYNAPSE_TOP_LEVEL_KEYS

SESSION_KEYS = (
    "refreshable_access_token_lifetime",
    "refresh_token_lifetime",
    "nonrefreshable_access_token_lifetime",
    "session_lifetime",
)

#: Top-level keys Tessera reads. Everything else Synapse knows is reported, once.
IMPLEMENTED_KEYS = frozenset(
    {
        "server_name",
        "public_baseurl",
        "listeners",
        "database",
        "jwt_config",
        "enable_registration",
        "password_config",
        "login_via_existing_session",
        "bcrypt_rounds",
        "rc_login",
        "rc_message",
        "rc_joins",
        "auto_join_rooms",
        "autocreate_auto_join_rooms",
        "autocreate_auto_join_room_preset",
        "auto_join_mxid_localpart",
        "enable_metrics",
        "soft_file_limit",
        *SESSION_KEYS,
    }
)
#: Tessera's own top-level keys (not in Synapse).
TESSERA_KEYS = frozenset(
    {
        "max_request_body_size",
        "request_read_timeout",
        "access_token_cache_ttl",
        "log_format",
        "max_http_connections",
        "max_http_connections_per_address",
        "jwt_providers",
        "allow_world_readable_secrets",
    }
)

_LISTENER_RESOURCES = frozenset(
    {
        "client",
        "federation",
        "keys",
        "media",
        "metrics",
        "openid",
        "static",
        "health",
        "consent",
        "replication",
        "webclient",
    }
)
#: Synapse's default: every interface, IPv6 and IPv4.
_DEFAULT_BIND_ADDRESSES = ("::", "0.0.0.0")  # noqa: S104
_POSTGRES_IGNORED_ARGS = frozenset(
    {
        "keepalives",
        "keepalives_idle",
        "keepalives_interval",
        "keepalives_count",
        "application_name",
    }
)
_PRESETS = ("public_chat", "private_chat", "trusted_private_chat")
#: The shape Synapse checks: ``#local:server`` or ``!opaque:server`` (or a v12 ``!hash``).
_ROOM_ALIAS_OR_ID = re.compile(r"#[^:\s]+:\S+|![^:\s]+(?::\S+)?")
_SSLMODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")


def load_config(path: str | Path) -> Config:
    """Read and validate a ``homeserver.yaml``.

    Relative file paths inside it (the SQLite database) are taken relative
    to the file's own directory, so the server finds its data wherever it is
    started from.

    Raises:
        ConfigError: naming the dotted key at fault.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError("", f"cannot read config file {path}: {exc.strerror}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError("", f"{path} is not valid YAML: {exc}") from None
    if data is None:
        raise ConfigError("", f"{path} is empty; `tessera generate-config` writes a starting point")
    return parse_config(data, base_dir=path.resolve().parent)


def parse_config(data: Any, base_dir: Path) -> Config:
    """Validate an already-parsed YAML document (see ``load_config``)."""
    root = Section(data, "")
    server_name = root.required("server_name", str)
    if not server_name.strip():
        raise ConfigError("server_name", "must not be empty")
    warnings: list[str] = []
    world_readable = root.get("allow_world_readable_secrets", bool, False)
    listeners = _listeners(root, warnings)
    enable_metrics = root.get("enable_metrics", bool, False)
    if not enable_metrics and any(
        listener.type == "metrics" or "metrics" in listener.resources for listener in listeners
    ):
        warnings.append("metrics listeners are not served: set `enable_metrics: true`")
        listeners = tuple(listener for listener in listeners if listener.type != "metrics")
    config = Config(
        server_name=server_name,
        public_baseurl=root.optional("public_baseurl", str),
        listeners=listeners,
        database=_database(root.child("database"), base_dir, warnings),
        jwt=parse_jwt_config(
            root.child("jwt_config"), base_dir, warnings, allow_world_readable=world_readable
        ),
        jwt_providers=parse_jwt_providers(
            root.raw("jwt_providers"), base_dir, warnings, allow_world_readable=world_readable
        ),
        allow_world_readable_secrets=world_readable,
        enable_registration=root.get("enable_registration", bool, False),
        sessions=_sessions(root),
        password=_password(root.child("password_config")),
        login_tokens=_login_tokens(root.child("login_via_existing_session")),
        bcrypt_rounds=_bcrypt_rounds(root),
        rc_login=_login_rate_limits(root.child("rc_login")),
        rc_message=_rate(root.child("rc_message"), RateLimitConfig(0.2, 10)),
        rc_joins=_join_rate_limits(root.child("rc_joins")),
        **_auto_join(root),
        enable_metrics=enable_metrics,
        max_request_body_size=_positive(root, "max_request_body_size", 64 * 1024),
        request_read_timeout=positive_duration_ms(root, "request_read_timeout", 30_000),
        access_token_cache_ttl=positive_duration_ms(root, "access_token_cache_ttl", 1_000),
        log_format=root.choice("log_format", ("text", "json")) or "text",
        soft_file_limit=_soft_file_limit(root),
        max_http_connections=_positive(root, "max_http_connections", 10_000),
        max_http_connections_per_address=_positive(root, "max_http_connections_per_address", 500),
        signing_key_path=_signing_key_path(root, server_name, base_dir),
        ignored_keys=_ignored_top_level_keys(root),
        warnings=tuple(warnings),
    )
    return config


def _auto_join(root: Section) -> dict[str, Any]:
    """Synapse's ``auto_join_rooms`` keys, checked as Synapse checks them at startup."""
    rooms = root.get("auto_join_rooms", list, [])
    for index, room in enumerate(rooms):
        if not isinstance(room, str) or not _ROOM_ALIAS_OR_ID.fullmatch(room):
            raise ConfigError(
                f"auto_join_rooms[{index}]", "must be a room alias (#a:b) or a room ID (!x:y)"
            )
    preset = root.choice("autocreate_auto_join_room_preset", _PRESETS) or "public_chat"
    localpart = root.optional("auto_join_mxid_localpart", str) or None
    autocreate = root.get("autocreate_auto_join_rooms", bool, True)
    if autocreate and preset != "public_chat" and localpart is None:
        # Synapse's rule: a private room needs a local user to invite the new users.
        raise ConfigError(
            "auto_join_mxid_localpart",
            "required when autocreate_auto_join_room_preset is private_chat or "
            "trusted_private_chat: invitations need to be made by a local user",
        )
    return {
        "auto_join_rooms": tuple(rooms),
        "autocreate_auto_join_rooms": autocreate,
        "autocreate_auto_join_room_preset": preset,
        "auto_join_mxid_localpart": localpart,
    }


def _ignored_top_level_keys(root: Section) -> tuple[str, ...]:
    ignored = []
    for key in root.unread():
        if key in SYNAPSE_TOP_LEVEL_KEYS:
            ignored.append(key)
            continue
        known = sorted(IMPLEMENTED_KEYS | TESSERA_KEYS | SYNAPSE_TOP_LEVEL_KEYS)
        close = difflib.get_close_matches(str(key), known, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise ConfigError(str(key), f"unknown key{hint}")
    return tuple(ignored)


def _connect_timeout(args: Section) -> int | None:
    value = args.optional("connect_timeout", int)
    if value is not None and value < 0:
        raise ConfigError(args.key("connect_timeout"), "must be a number of seconds")
    return value or None  # libpq's 0 ("wait for ever") keeps the default: no hang


def _soft_file_limit(root: Section) -> int:
    value = root.get("soft_file_limit", int, 0)
    if value < 0:
        raise ConfigError(root.key("soft_file_limit"), "must be 0 (the hard limit) or more")
    return value


def _positive(section: Section, name: str, default: int) -> int:
    value = section.get(name, int, default)
    if value <= 0:
        raise ConfigError(section.key(name), "must be a positive integer")
    return value


def _bcrypt_rounds(root: Section) -> int:
    rounds = root.get("bcrypt_rounds", int, 12)
    if not 4 <= rounds <= 31:  # bcrypt's own bounds: outside them hashing raises
        raise ConfigError(root.key("bcrypt_rounds"), "must be between 4 and 31")
    return rounds


def _port(section: Section, name: str, required: bool) -> int | None:
    value = section.required(name, int) if required else section.optional(name, int)
    if value is not None and not 0 <= value <= 65535:
        raise ConfigError(section.key(name), "must be between 0 and 65535")
    return value


def _listeners(root: Section, warnings: list[str]) -> tuple[ListenerConfig, ...]:
    raw = root.optional("listeners", list)
    if raw is None:
        return ()
    listeners = []
    for index, item in enumerate(raw):
        section = Section(item, f"listeners[{index}]")
        listener = _listener(section, warnings)
        if listener is not None:
            listeners.append(listener)
    return tuple(listeners)


def _listener(section: Section, warnings: list[str]) -> ListenerConfig | None:
    kind = section.get("type", str, "http")
    if section.has("path"):
        raise ConfigError(section.key("path"), "UNIX socket listeners are not supported yet")
    port = _port(section, "port", required=True)
    assert port is not None
    if section.get("tls", bool, False):
        raise ConfigError(
            section.key("tls"),
            "TLS listeners are not supported; terminate TLS in a reverse proxy (see docs)",
        )
    addresses = _bind_addresses(section)
    x_forwarded = section.get("x_forwarded", bool, False)
    resources = _resource_names(section)
    for ignored in ("tag", "request_id_header", "http_options"):
        section.raw(ignored)
    section.finish()
    if kind == "metrics":
        return ListenerConfig(port, addresses, resources=(), type="metrics")
    if kind != "http":
        warnings.append(f"{section.path}: listeners of type {kind!r} are not implemented; skipped")
        return None
    if "client" not in resources:
        if "metrics" in resources:
            return ListenerConfig(port, addresses, resources=(), type="metrics")
        warnings.append(f"{section.path}: serves no `client` resource; skipped")
        return None
    return ListenerConfig(port, addresses, x_forwarded, resources)


def _bind_addresses(section: Section) -> tuple[str, ...]:
    addresses = [
        check_type(address, str, f"{section.key('bind_addresses')}[{index}]")
        for index, address in enumerate(section.get("bind_addresses", list, []))
    ]
    # Synapse's older single-address spelling adds to the list.
    single = section.optional("bind_address", str)
    if single:
        addresses.append(single)
    return tuple(addresses) if addresses else _DEFAULT_BIND_ADDRESSES


def _resource_names(section: Section) -> tuple[str, ...]:
    resources = section.optional("resources", list)
    if resources is None:
        return ("client",)
    names: list[str] = []
    for index, entry in enumerate(resources):
        resource = Section(entry, f"{section.key('resources')}[{index}]")
        for name_index, name in enumerate(resource.required("names", list)):
            key = f"{resource.key('names')}[{name_index}]"
            if check_type(name, str, key) not in _LISTENER_RESOURCES:
                raise ConfigError(key, f"unknown resource {name!r}")
            names.append(name)
        resource.raw("compress")
        resource.finish()
    return tuple(names)


def _database(section: Section, base_dir: Path, warnings: list[str]) -> DatabaseConfig:
    name = section.get("name", str, "sqlite3")
    args = section.child("args")
    for ignored in ("txn_limit", "allow_unsafe_locale"):
        section.raw(ignored)
    section.finish()
    cp_min = args.get("cp_min", int, 5)
    cp_max = args.get("cp_max", int, 10)
    if cp_min < 1:
        raise ConfigError(args.key("cp_min"), "must be at least 1")
    if cp_max < cp_min:
        raise ConfigError(args.key("cp_max"), "must be at least cp_min")
    if name == "sqlite3":
        location = args.get("database", str, "homeserver.db")
        args.finish()
        path = Path(location) if location == ":memory:" else base_dir / Path(location).expanduser()
        return DatabaseConfig("sqlite", sqlite_path=path, cp_min=cp_min, cp_max=cp_max)
    if name in ("psycopg2", "psycopg"):
        database = args.optional("database", str) or args.optional("dbname", str)
        config = DatabaseConfig(
            "postgres",
            user=args.optional("user", str),
            password=args.optional("password", str),
            database=database,
            host=args.optional("host", str),
            port=_port(args, "port", required=False),
            cp_min=cp_min,
            cp_max=cp_max,
            sslmode=args.choice("sslmode", _SSLMODES),
            connect_timeout=_connect_timeout(args),
            sslrootcert=_file_path(args, "sslrootcert", base_dir),
            sslcert=_file_path(args, "sslcert", base_dir),
            sslkey=_file_path(args, "sslkey", base_dir),
        )
        passed_through = [k for k in args.unread() if k in _POSTGRES_IGNORED_ARGS]
        for key in passed_through:
            args.raw(key)
            warnings.append(f"{args.key(key)}: libpq option not supported by Tessera; ignored")
        args.finish()
        return config
    raise ConfigError(section.key("name"), f"must be 'sqlite3' or 'psycopg2', got {name!r}")


def _file_path(section: Section, name: str, base_dir: Path) -> str | None:
    value = section.optional(name, str)
    return None if value is None else str(base_dir / Path(value).expanduser())


def _signing_key_path(root: Section, server_name: str, base_dir: Path) -> Path:
    """``signing_key_path``, by default ``<server_name>.signing.key`` beside the config
    (Synapse's default name and place)."""
    value = root.optional("signing_key_path", str)
    if value is not None and not value.strip():
        raise ConfigError("signing_key_path", "must not be empty")
    return base_dir / Path(value or f"{server_name}.signing.key").expanduser()


def _sessions(root: Section) -> SessionConfig:
    defaults = SessionConfig()
    return SessionConfig(
        **{key: duration_ms(root, key, getattr(defaults, key)) for key in SESSION_KEYS}
    )


def _login_rate_limits(section: Section) -> LoginRateLimits:
    defaults = LoginRateLimits()
    limits = LoginRateLimits(
        **{
            name: _rate(section.child(name), getattr(defaults, name))
            for name in ("address", "account", "failed_attempts")
        }
    )
    section.finish()
    return limits


def _join_rate_limits(section: Section) -> JoinRateLimits:
    defaults = JoinRateLimits()
    limits = JoinRateLimits(
        local=_rate(section.child("local"), defaults.local),
        remote=_rate(section.child("remote"), defaults.remote),
    )
    section.finish()
    return limits


def _rate(section: Section, default: RateLimitConfig) -> RateLimitConfig:
    per_second = section.raw("per_second")
    if per_second is None:
        per_second = default.per_second
    elif isinstance(per_second, bool) or not isinstance(per_second, int | float) or per_second < 0:
        raise ConfigError(section.key("per_second"), "must be a non-negative number")
    burst = section.get("burst_count", int, default.burst_count)
    if burst < 1:
        raise ConfigError(section.key("burst_count"), "must be at least 1")
    section.finish()
    return RateLimitConfig(float(per_second), burst)


def _password(section: Section) -> PasswordConfig:
    config = PasswordConfig(
        enabled=section.get("enabled", bool, False),
        pepper=section.get("pepper", str, ""),
    )
    for ignored in ("localdb_enabled", "policy"):
        section.raw(ignored)
    section.finish()
    return config


def _login_tokens(section: Section) -> LoginTokenConfig:
    defaults = LoginTokenConfig()
    timeout = duration_ms(section, "token_timeout", defaults.token_timeout)
    assert timeout is not None
    config = LoginTokenConfig(
        enabled=section.get("enabled", bool, False),
        require_ui_auth=section.get("require_ui_auth", bool, True),
        token_timeout=timeout,
    )
    section.finish()
    return config
