"""Configuration → the pure policies core verifies against (kept light: the CLI imports it)."""

from __future__ import annotations

from tessera.config import ConfigError, JwtConfig
from tessera.core.jwt_keys import KeyConfigError, load_verification_key
from tessera.core.jwt_login import JwtPolicy


def build_jwt_policy(jwt: JwtConfig) -> JwtPolicy:
    """The verification policy for an enabled ``jwt_config``.

    Raises:
        ConfigError: naming ``jwt_config.secret`` or ``.algorithm`` when the key is unusable.
    """
    assert jwt.secret is not None and jwt.algorithm is not None
    try:
        key = load_verification_key(jwt.secret, jwt.algorithm)
    except KeyConfigError as exc:
        field = "algorithm" if str(exc).startswith("unsupported algorithm") else "secret"
        raise ConfigError(f"jwt_config.{field}", str(exc)) from None
    return JwtPolicy(
        key=key,
        algorithm=jwt.algorithm,
        subject_claim=jwt.subject_claim,
        display_name_claim=jwt.display_name_claim,
        issuer=jwt.issuer,
        audiences=jwt.audiences,
    )
