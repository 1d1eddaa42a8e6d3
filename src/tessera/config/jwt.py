"""``jwt_config``: Synapse's keys, and Tessera's opt-in ones (see docs/jwt.md).

Only the shape is checked here; whether the secret's keys fit the
algorithms is ``tessera.policy``'s job, at startup, naming the same keys.
"""

from __future__ import annotations

import json
import re
import stat
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from tessera.config.errors import ConfigError
from tessera.config.model import (
    NORMALISATIONS,
    PROFILE_FIELDS,
    AdminClaim,
    ClaimValue,
    JwtConfig,
)
from tessera.config.section import Section, check_type, duration_ms, positive_duration_ms

_REQUIRED = "required when jwt_config.enabled is true"
#: Under a minute, a bare number is most likely seconds meant as milliseconds.
_SUSPICIOUS_MS = 60 * 1000


def parse_jwt_config(
    section: Section,
    base_dir: Path,
    warnings: list[str],
    *,
    provider: bool = False,
    allow_world_readable: bool = False,
) -> JwtConfig:
    """Read ``jwt_config`` (or, with ``provider``, one ``jwt_providers`` entry).

    Files it names are read now, relative to ``base_dir``; a secret file any
    user may read is refused unless ``allow_world_readable``.

    Raises:
        ConfigError: naming the dotted key at fault.
    """
    provider_id = _provider_id(section) if provider else "jwt_config"
    enabled = section.get("enabled", bool, provider)
    source = _key_source(section, base_dir, enabled, allow_world_readable)
    algorithm, algorithms = _algorithms(section, enabled)
    claims = {name: section.optional(f"{name}_claim", str) for name in PROFILE_FIELDS}
    config = JwtConfig(
        enabled=enabled,
        secret=source.secret,
        algorithm=algorithm,
        subject_claim=section.get("subject_claim", str, "sub"),
        display_name_claim=claims["display_name"],
        issuer=section.optional("issuer", str),
        audiences=_audiences(section),
        algorithms=algorithms,
        secret_path=source.secret_path,
        leeway=_leeway(section),
        require_exp=section.get("require_exp", bool, False),
        max_lifetime=_max_lifetime(section, warnings),
        allow_registration=section.get("allow_registration", bool, True),
        allow_existing_users=section.optional("allow_existing_users", bool),
        required_claims=_required_claims(section),
        id=provider_id,
        jwks_uri=source.jwks_uri,
        jwks_path=source.jwks_path,
        jwks_timeout=positive_duration_ms(section, "jwks_timeout", 5_000),
        jwks_cache_min=positive_duration_ms(section, "jwks_cache_min", 5 * 60_000),
        jwks_cache_max=positive_duration_ms(section, "jwks_cache_max", 24 * 60 * 60_000),
        jwks_refetch_interval=positive_duration_ms(section, "jwks_refetch_interval", 60_000),
        localpart_template=section.optional("localpart_template", str),
        localpart_normalisation=_option(section, "localpart_normalisation", NORMALISATIONS),
        allow_numeric_localparts=section.get("allow_numeric_localparts", bool, False),
        avatar_url_claim=claims["avatar_url"],
        email_claim=claims["email"],
        sync_every_login=_sync_every_login(section, claims),
        admin_claim=_admin_claim(section),
        jti_replay_protection=section.get("jti_replay_protection", bool, False),
        error_detail=_option(section, "error_detail", ("full", "minimal")),
    )
    if config.jwks_cache_min > config.jwks_cache_max:
        raise ConfigError(section.key("jwks_cache_min"), "must not be above jwks_cache_max")
    if config.jti_replay_protection and not config.require_exp:
        # Used IDs are kept until the token expires: without `exp`, forever.
        raise ConfigError(section.key("jti_replay_protection"), "needs `require_exp: true`")
    section.finish()
    return config


def parse_jwt_providers(
    raw: object, base_dir: Path, warnings: list[str], *, allow_world_readable: bool = False
) -> tuple[JwtConfig, ...]:
    """``jwt_providers``: a list of ``jwt_config``-shaped blocks, each with a unique ``id``."""
    if raw is None:
        return ()
    entries = check_type(raw, list, "jwt_providers")
    providers: list[JwtConfig] = []
    for index, entry in enumerate(entries):
        section = Section(entry, f"jwt_providers[{index}]")
        provider = parse_jwt_config(
            section, base_dir, warnings, provider=True, allow_world_readable=allow_world_readable
        )
        if any(p.id == provider.id for p in providers) or provider.id == "jwt_config":
            raise ConfigError(section.key("id"), f"{provider.id!r} is used twice")
        providers.append(provider)
    return tuple(providers)


@dataclass(frozen=True, slots=True)
class _KeySource:
    secret: str | None = None
    secret_path: Path | None = None
    jwks_path: Path | None = None
    jwks_uri: str | None = None


_SOURCES = ("secret", "secret_path", "jwks_path", "jwks_uri")
_PROVIDER_ID = re.compile(r"[a-z0-9][a-z0-9_.-]{0,63}")


def _provider_id(section: Section) -> str:
    provider_id = section.required("id", str)
    if not _PROVIDER_ID.fullmatch(provider_id):
        raise ConfigError(
            section.key("id"), "must be 1-64 characters of a-z, 0-9, '_', '.', '-' (e.g. corp-sso)"
        )
    return provider_id


def _key_source(
    section: Section, base_dir: Path, enabled: bool, allow_world_readable: bool
) -> _KeySource:
    given = [name for name in _SOURCES if section.raw(name) is not None]
    if len(given) > 1:
        either = " or ".join(f"`{name}`" for name in given)
        raise ConfigError(section.key(given[-1]), f"set {either}, not both")
    if not given:
        if enabled:
            raise ConfigError(
                section.key("secret"), f"{_REQUIRED} (or set secret_path, jwks_path or jwks_uri)"
            )
        return _KeySource()
    name = given[0]
    if name == "jwks_uri":
        return _KeySource(jwks_uri=_jwks_uri(section))
    if name in ("secret_path", "jwks_path"):
        path = base_dir / Path(section.required(name, str)).expanduser()
        # Read only when used: a disabled block may name a file this host lacks.
        secret = (
            read_secret_file(path, section.key(name), allow_world_readable) if enabled else None
        )
        if name == "jwks_path":
            return _KeySource(secret=secret, jwks_path=path)
        return _KeySource(secret=secret, secret_path=path)
    raw = section.raw("secret")
    if isinstance(raw, dict):
        return _KeySource(secret=_jwk_json(raw, section.key("secret")))
    if not isinstance(raw, str):
        raise ConfigError(
            section.key("secret"),
            "must be a string (a secret or a PEM key) or a mapping (a JWK or a JWK Set), "
            f"got {type(raw).__name__}",
        )
    return _KeySource(secret=raw)


def _jwks_uri(section: Section) -> str:
    uri = section.required("jwks_uri", str)
    parts = urlsplit(uri)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ConfigError(section.key("jwks_uri"), "must be an https:// (or http://) URL")
    return uri


def read_secret_file(path: Path, key: str, allow_world_readable: bool = False) -> str:
    """The secret in ``path`` (trimmed), refusing a file every user may read.

    Raises:
        ConfigError: naming ``key`` when the file is unreadable, empty or world-readable.
    """
    try:
        text = path.read_text(encoding="utf-8")
        mode = path.stat().st_mode
    except OSError as exc:
        raise ConfigError(key, f"cannot read {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise ConfigError(key, f"{path} is not UTF-8 text") from None
    if mode & stat.S_IROTH and not allow_world_readable:
        raise ConfigError(
            key,
            f"{path} is readable by every user of this machine: `chmod o-r` it "
            "(or set allow_world_readable_secrets: true)",
        )
    # As Synapse's *_path secrets: the newline an editor or `echo` adds is not part of it.
    secret = text.strip()
    if not secret:
        raise ConfigError(key, f"{path} is empty")
    return secret


def _jwk_json(value: dict[object, object], key: str) -> str:
    """A JWK or JWK Set written as YAML, as the JSON text a JSON secret would be."""
    try:
        return json.dumps(value)
    except (TypeError, ValueError):
        raise ConfigError(key, "a JWK written as YAML must hold only JSON values") from None


def _algorithms(section: Section, enabled: bool) -> tuple[str | None, tuple[str, ...] | None]:
    algorithm = section.optional("algorithm", str)
    raw = section.optional("algorithms", list)
    if algorithm is not None and raw is not None:
        raise ConfigError(section.key("algorithms"), "set `algorithm` or `algorithms`, not both")
    if raw is None:
        if enabled and algorithm is None:
            raise ConfigError(section.key("algorithm"), f"{_REQUIRED} (or set algorithms)")
        return algorithm, None
    if not raw:
        raise ConfigError(section.key("algorithms"), "must list at least one algorithm")
    key = section.key("algorithms")
    return None, tuple(check_type(value, str, f"{key}[{i}]") for i, value in enumerate(raw))


def _audiences(section: Section) -> tuple[str, ...] | None:
    raw = section.raw("audiences")
    if raw is None:
        return None
    if isinstance(raw, str):
        return (raw,)
    values = check_type(raw, list, section.key("audiences"))
    return tuple(
        check_type(value, str, f"{section.key('audiences')}[{i}]") for i, value in enumerate(values)
    )


def _leeway(section: Section) -> int:
    leeway = section.get("leeway", int, 120)
    if leeway < 0:
        raise ConfigError(section.key("leeway"), "must be a non-negative number of seconds")
    return leeway


def _max_lifetime(section: Section, warnings: list[str]) -> int | None:
    milliseconds = duration_ms(section, "max_lifetime", None)
    if milliseconds == 0:
        raise ConfigError(section.key("max_lifetime"), "must be longer than 0")
    raw = section.raw("max_lifetime")
    if isinstance(raw, int) and milliseconds is not None and milliseconds < _SUSPICIOUS_MS:
        warnings.append(
            f"{section.key('max_lifetime')}: {raw} means {raw} milliseconds, as Synapse's "
            "durations do; write e.g. 1h or 300s for seconds"
        )
    return milliseconds


def _required_claims(section: Section) -> dict[str, tuple[ClaimValue, ...]]:
    raw = section.optional("required_claims", dict)
    if raw is None:
        return {}
    required: dict[str, tuple[ClaimValue, ...]] = {}
    for name, value in raw.items():
        key = f"{section.key('required_claims')}.{name}"
        if not isinstance(name, str) or not name:
            raise ConfigError(key, "claim names must be non-empty strings")
        if not isinstance(value, list):
            required[name] = (_claim_value(value, key),)
        elif not value:
            raise ConfigError(key, "must allow at least one value")
        else:
            required[name] = tuple(_claim_value(v, f"{key}[{i}]") for i, v in enumerate(value))
    return required


def _claim_value(value: object, key: str) -> ClaimValue:
    if not isinstance(value, str | int | bool):
        raise ConfigError(key, "must be a string, an integer or a boolean (or a list of them)")
    return value


def _sync_every_login(section: Section, claims: dict[str, str | None]) -> frozenset[str]:
    """The profile fields whose ``<field>_sync`` is ``every_login`` (default ``first_login``)."""
    fields: set[str] = set()
    for name in PROFILE_FIELDS:
        sync = _option(section, f"{name}_sync", ("first_login", "every_login"))
        if sync == "every_login":
            if claims[name] is None:
                raise ConfigError(section.key(f"{name}_sync"), f"needs {name}_claim to be set")
            fields.add(name)
    return frozenset(fields)


def _admin_claim(section: Section) -> AdminClaim | None:
    if section.raw("admin_claim") is None:
        return None
    admin = section.child("admin_claim")
    claim = admin.required("claim", str)
    if not claim or any(not part for part in claim.split(".")):
        raise ConfigError(admin.key("claim"), "must be a claim name or a dotted path (a.b.c)")
    raw = admin.raw("value")
    if raw is None:
        raise ConfigError(admin.key("value"), "required: the value that makes a server admin")
    values = raw if isinstance(raw, list) else [raw]
    if not values:
        raise ConfigError(admin.key("value"), "must allow at least one value")
    checked = tuple(_claim_value(v, admin.key("value")) for v in values)
    admin.finish()
    return AdminClaim(claim, checked)


def _option(section: Section, name: str, choices: tuple[str, ...]) -> str:
    """One of ``choices``; the first when unset."""
    return section.choice(name, choices) or choices[0]
