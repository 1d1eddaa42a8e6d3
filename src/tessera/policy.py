"""Configuration → the pure policies core verifies against (kept light: the CLI imports it)."""

from __future__ import annotations

from tessera.config import ConfigError, JwtConfig
from tessera.core.jwt_keys import KeyConfigError, check_supported
from tessera.core.jwt_keyset import load_verification_keys
from tessera.core.jwt_login import JwtPolicy


def build_jwt_policy(jwt: JwtConfig) -> JwtPolicy:
    """The verification policy for an enabled ``jwt_config``.

    Raises:
        ConfigError: naming ``jwt_config.algorithm(s)`` or the secret's key
            (``jwt_config.secret``, ``.secret.keys[1]``, ``.secret_path``)
            when a key cannot verify the configured algorithms.
    """
    algorithms = jwt.algorithm_list
    assert jwt.secret is not None and algorithms
    for index, algorithm in enumerate(algorithms):
        try:
            check_supported(algorithm)
        except KeyConfigError as exc:
            name = "algorithm" if jwt.algorithms is None else f"algorithms[{index}]"
            raise ConfigError(f"jwt_config.{name}", str(exc)) from None
    try:
        keys = load_verification_keys(jwt.secret, algorithms)
    except KeyConfigError as exc:
        if jwt.secret_path is None:
            raise ConfigError(f"jwt_config.secret{exc.where}", str(exc)) from None
        inside = f"{exc.where.lstrip('.')}: " if exc.where else ""
        raise ConfigError("jwt_config.secret_path", f"{inside}{exc}") from None
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
