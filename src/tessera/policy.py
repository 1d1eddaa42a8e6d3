"""Configuration → the pure policies core verifies against (kept light: the CLI imports it)."""

from __future__ import annotations

from dataclasses import replace

from tessera.config import ConfigError, JwtConfig
from tessera.config.jwt import read_secret_file
from tessera.core.jwt_keys import KeyConfigError, check_supported
from tessera.core.jwt_keyset import VerificationKeys, load_verification_keys
from tessera.core.jwt_login import JwtPolicy
from tessera.core.jwt_mapping import AdminRule, ClaimMapping, compile_template


def build_jwt_policy(jwt: JwtConfig) -> JwtPolicy:
    """The verification policy for an enabled ``jwt_config`` (or ``jwt_providers`` entry).

    With ``jwks_uri`` the key set starts empty: the provider's keys are fetched.

    Raises:
        ConfigError: naming ``jwt_config.algorithm(s)`` or the secret's key
            (``jwt_config.secret``, ``.secret.keys[1]``, ``.secret_path``)
            when a key cannot verify the configured algorithms.
    """
    algorithms = jwt.algorithm_list
    assert algorithms
    for index, algorithm in enumerate(algorithms):
        try:
            check_supported(algorithm)
        except KeyConfigError as exc:
            name = "algorithm" if jwt.algorithms is None else f"algorithms[{index}]"
            raise ConfigError(_key(jwt, name), str(exc)) from None
    keys = VerificationKeys(()) if jwt.jwks_uri is not None else _keys(jwt, jwt.secret)
    return JwtPolicy(
        key=keys,
        # A single `algorithm` stays a string, as Synapse's one-algorithm config reads.
        algorithm=algorithms if jwt.algorithms is not None else algorithms[0],
        subject_claim=jwt.subject_claim,
        display_name_claim=jwt.display_name_claim,
        issuer=jwt.issuer,
        audiences=jwt.audiences,
        leeway=jwt.leeway,
        require_exp=jwt.require_exp,
        max_lifetime_ms=jwt.max_lifetime,
        required_claims=jwt.required_claims,
        allow_registration=jwt.allow_registration,
    )


def reload_jwt_policy(jwt: JwtConfig, policy: JwtPolicy, allow_world_readable: bool) -> JwtPolicy:
    """``policy`` with its keys read again from ``secret_path`` / ``jwks_path`` (SIGHUP).

    Raises:
        ConfigError: the file is unreadable, world-readable or holds no usable key.
    """
    path = jwt.secret_path or jwt.jwks_path
    if path is None:
        return policy
    name = "secret_path" if jwt.secret_path is not None else "jwks_path"
    secret = read_secret_file(path, _key(jwt, name), allow_world_readable)
    return replace(policy, key=_keys(jwt, secret))


def build_claim_mapping(jwt: JwtConfig) -> ClaimMapping:
    """How the provider's claims become a localpart, profile fields and the admin flag.

    Raises:
        ConfigError: naming ``localpart_template`` when the template does not parse.
    """
    template = None
    if jwt.localpart_template is not None:
        try:
            template = compile_template(jwt.localpart_template)
        except ValueError as exc:
            raise ConfigError(_key(jwt, "localpart_template"), str(exc)) from None
    admin = jwt.admin_claim
    return ClaimMapping(
        template=template,
        normalisation=jwt.localpart_normalisation,
        allow_numeric=jwt.allow_numeric_localparts,
        profile_claims=jwt.claim_for,
        sync_every_login=jwt.sync_every_login,
        admin=None if admin is None else AdminRule(admin.claim, admin.values),
    )


def _keys(jwt: JwtConfig, secret: str | None) -> VerificationKeys:
    assert secret is not None
    try:
        keys = load_verification_keys(secret, jwt.algorithm_list)
    except KeyConfigError as exc:
        path = "secret_path" if jwt.secret_path is not None else "jwks_path"
        if jwt.secret_path is None and jwt.jwks_path is None:
            raise ConfigError(_key(jwt, f"secret{exc.where}"), str(exc)) from None
        inside = f"{exc.where.lstrip('.')}: " if exc.where else ""
        raise ConfigError(_key(jwt, path), f"{inside}{exc}") from None
    return keys


def _key(jwt: JwtConfig, name: str) -> str:
    """The dotted config key of one of the provider's settings."""
    return f"jwt_config.{name}" if jwt.id == "jwt_config" else f"jwt_providers[{jwt.id}].{name}"
