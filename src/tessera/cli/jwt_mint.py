"""``tessera jwt mint``: sign a test token the configured server will accept."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

from joserfc import jwt
from joserfc.jwk import ECKey, Key, OctKey, OKPKey, RSAKey

from tessera.config import JwtConfig
from tessera.core.jwt_keys import (
    EC_CURVES,
    HMAC_ALGORITHMS,
    OKP_ALGORITHMS,
    RSA_ALGORITHMS,
    KeyConfigError,
)
from tessera.core.jwt_keyset import jwk_document

_DURATION = re.compile(r"(\d+)([smhdw]?)")
_UNIT_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


class MintError(ValueError):
    """The token cannot be minted as asked."""


def parse_duration(text: str) -> int:
    """Seconds in ``30s``, ``10m``, ``1h``, ``2d``, ``1w`` (or a plain number of seconds)."""
    match = _DURATION.fullmatch(text.strip())
    if match is None:
        raise MintError(f"not a duration: {text!r} (try 30s, 10m, 1h, 2d)")
    return int(match.group(1)) * _UNIT_SECONDS[match.group(2)]


def parse_claim(assignment: str) -> tuple[str, Any]:
    """``name=value``; the value is read as JSON when it parses, else taken as a string."""
    name, sep, value = assignment.partition("=")
    if not sep or not name:
        raise MintError(f"--claim wants name=value, got {assignment!r}")
    try:
        return name, json.loads(value)
    except ValueError:
        return name, value


def mint(
    jwt_config: JwtConfig,
    subject: str,
    *,
    claims: dict[str, Any] | None = None,
    lifetime: int | None = 3600,
    private_key_pem: str | None = None,
    now: float | None = None,
    kid: str | None = None,
) -> str:
    """A token for ``subject`` that passes ``jwt_config``'s checks.

    ``iss``, ``aud`` and ``required_claims`` are filled from the config when
    it requires them; ``claims`` overrides anything. HMAC tokens are signed
    with the config's secret (the first ``oct`` key of a JWK Set, whose
    ``kid`` goes in the header); asymmetric ones need the private key.
    """
    algorithm = (jwt_config.algorithm_list or ("HS256",))[0]
    issued = int(time.time() if now is None else now)
    payload: dict[str, Any] = {jwt_config.subject_claim: subject, "iat": issued}
    if lifetime is not None:
        payload["exp"] = issued + lifetime
    if jwt_config.issuer is not None:
        payload["iss"] = jwt_config.issuer
    if jwt_config.audiences:
        payload["aud"] = jwt_config.audiences[0]
    for name, allowed in jwt_config.required_claims.items():
        payload[name] = allowed[0]
    payload.update(claims or {})
    key, config_kid = _signing_key(jwt_config, algorithm, private_key_pem)
    header: dict[str, Any] = {"alg": algorithm, "typ": "JWT"}
    if kid or config_kid:
        header["kid"] = kid or config_kid
    return jwt.encode(header, payload, key, algorithms=[algorithm])


def _signing_key(
    jwt_config: JwtConfig, algorithm: str, private_key_pem: str | None
) -> tuple[Key, str | None]:
    if algorithm in HMAC_ALGORITHMS:
        if not jwt_config.secret:
            raise MintError("no jwt_config.secret to sign with (give -c homeserver.yaml)")
        return _hmac_key(jwt_config.secret)
    return _private_key(algorithm, private_key_pem), None


def _hmac_key(secret: str) -> tuple[Key, str | None]:
    """The secret itself, or the first ``oct`` key of a JWK (Set), with its ``kid``."""
    try:
        document = jwk_document(secret)
    except KeyConfigError as exc:
        raise MintError(f"jwt_config.secret {exc}") from None
    if document is None:
        return OctKey.import_key(secret), None
    entries = document.get("keys", [document])
    for entry in entries if isinstance(entries, list) else []:
        if isinstance(entry, dict) and entry.get("kty") == "oct":
            kid = entry.get("kid")
            return OctKey.import_key(entry), kid if isinstance(kid, str) else None
    raise MintError("jwt_config.secret holds no `oct` JWK to sign HMAC tokens with")


def _private_key(algorithm: str, private_key_pem: str | None) -> Key:
    if private_key_pem is None:
        raise MintError(f"{algorithm} tokens are signed with a private key: pass --key FILE")
    try:
        if algorithm in RSA_ALGORITHMS:
            return RSAKey.import_key(private_key_pem)
        if algorithm in OKP_ALGORITHMS:
            return OKPKey.import_key(private_key_pem)
        if algorithm in EC_CURVES:
            return ECKey.import_key(private_key_pem)
    except ValueError as exc:
        raise MintError(f"cannot use the key for {algorithm}: {exc}") from None
    raise MintError(f"unsupported algorithm {algorithm!r}")


def read_key_file(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise MintError(f"cannot read key file {path}: {exc.strerror}") from None
