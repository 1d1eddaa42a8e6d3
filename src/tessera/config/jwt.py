"""``jwt_config``: Synapse's keys, and Tessera's opt-in ones (see docs/jwt.md).

Only the shape is checked here; whether the secret's keys fit the
algorithms is ``tessera.policy``'s job, at startup, naming the same keys.
"""

from __future__ import annotations

import json
from pathlib import Path

from tessera.config.errors import ConfigError
from tessera.config.model import ClaimValue, JwtConfig
from tessera.config.section import Section, check_type, duration_ms

_REQUIRED = "required when jwt_config.enabled is true"
#: Under a minute, a bare number is most likely seconds meant as milliseconds.
_SUSPICIOUS_MS = 60 * 1000


def parse_jwt_config(section: Section, base_dir: Path, warnings: list[str]) -> JwtConfig:
    """Read ``jwt_config``; files it names are read now, relative to ``base_dir``.

    Raises:
        ConfigError: naming the dotted key at fault.
    """
    enabled = section.get("enabled", bool, False)
    secret, secret_path = _secret(section, base_dir, enabled)
    algorithm, algorithms = _algorithms(section, enabled)
    config = JwtConfig(
        enabled=enabled,
        secret=secret,
        algorithm=algorithm,
        subject_claim=section.get("subject_claim", str, "sub"),
        display_name_claim=section.optional("display_name_claim", str),
        issuer=section.optional("issuer", str),
        audiences=_audiences(section),
        algorithms=algorithms,
        secret_path=secret_path,
        leeway=_leeway(section),
        require_exp=section.get("require_exp", bool, False),
        max_lifetime=_max_lifetime(section, warnings),
        allow_registration=section.get("allow_registration", bool, True),
        required_claims=_required_claims(section),
    )
    section.finish()
    return config


def _secret(section: Section, base_dir: Path, enabled: bool) -> tuple[str | None, Path | None]:
    raw = section.raw("secret")
    location = section.optional("secret_path", str)
    if raw is not None and location is not None:
        raise ConfigError(section.key("secret_path"), "set `secret` or `secret_path`, not both")
    if location is not None:
        path = base_dir / Path(location).expanduser()
        # Read only when used: a disabled block may name a file this host lacks.
        return (_read_secret(path, section.key("secret_path")) if enabled else None), path
    if isinstance(raw, dict):
        return _jwk_json(raw, section.key("secret")), None
    if raw is None:
        if enabled:
            raise ConfigError(section.key("secret"), f"{_REQUIRED} (or set secret_path)")
        return None, None
    if not isinstance(raw, str):
        raise ConfigError(
            section.key("secret"),
            "must be a string (a secret or a PEM key) or a mapping (a JWK or a JWK Set), "
            f"got {type(raw).__name__}",
        )
    return raw, None


def _read_secret(path: Path, key: str) -> str:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(key, f"cannot read {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise ConfigError(key, f"{path} is not UTF-8 text") from None
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
