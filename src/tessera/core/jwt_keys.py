"""Turning a configured ``jwt_config.secret`` into a verification key.

The configured algorithm decides which kind of key the secret must be, so a
public key can never be used as an HMAC secret (the classic RS/HS
confusion) and an EC key is only accepted on its own curve.
"""

from __future__ import annotations

import warnings
from typing import Final

from joserfc.errors import JoseError, SecurityWarning
from joserfc.jwk import ECKey, Key, OctKey, OKPKey, RSAKey

HMAC_ALGORITHMS: Final = frozenset({"HS256", "HS384", "HS512"})
RSA_ALGORITHMS: Final = frozenset({"RS256", "RS384", "RS512", "PS256", "PS384", "PS512"})
EC_CURVES: Final = {"ES256": "P-256", "ES384": "P-384", "ES512": "P-521", "ES256K": "secp256k1"}
#: RFC 9864's fully-specified names pin the curve; the older "EdDSA" allows either.
OKP_CURVES: Final = {"EdDSA": {"Ed25519", "Ed448"}, "Ed25519": {"Ed25519"}, "Ed448": {"Ed448"}}
OKP_ALGORITHMS: Final = frozenset(OKP_CURVES)
SUPPORTED_ALGORITHMS: Final = frozenset(
    HMAC_ALGORITHMS | RSA_ALGORITHMS | set(EC_CURVES) | OKP_ALGORITHMS
)


# joserfc warns on every EdDSA verification that RFC 9864 deprecates the name;
# operators choose their IdP's algorithm, so say it once in docs, not per login.
warnings.filterwarnings("ignore", message="EdDSA is deprecated", category=SecurityWarning)


class KeyConfigError(ValueError):
    """The configured secret cannot verify tokens of the configured algorithm.

    Attributes:
        where: the part of the secret at fault, as a suffix of its dotted
            key (``.keys[1]`` for the second key of a JWK Set), else ``""``.
    """

    def __init__(self, message: str, where: str = "") -> None:
        super().__init__(message)
        self.where = where


def load_verification_key(secret: str, algorithm: str) -> Key:
    """Build the key that verifies ``algorithm`` signatures from ``secret``.

    Args:
        secret: an HMAC shared secret, or a PEM public (or private) key.
        algorithm: the JWS ``alg`` every token must carry.

    Raises:
        KeyConfigError: with a message fit to show an operator.
    """
    check_supported(algorithm)
    if not secret:
        raise KeyConfigError("must not be empty")
    if algorithm in HMAC_ALGORITHMS:
        return _hmac_key(secret, algorithm)
    if "-----BEGIN" not in secret:
        raise KeyConfigError(f"{algorithm} needs a PEM-encoded public key, not a shared secret")
    try:
        if algorithm in RSA_ALGORITHMS:
            return RSAKey.import_key(secret)
        if algorithm in OKP_ALGORITHMS:
            okp = OKPKey.import_key(secret)
            _require_curve(okp, OKP_CURVES[algorithm], algorithm)
            return okp
        ec = ECKey.import_key(secret)
        _require_curve(ec, {EC_CURVES[algorithm]}, algorithm)
        return ec
    except (JoseError, ValueError, TypeError) as exc:
        if isinstance(exc, KeyConfigError):
            raise
        raise KeyConfigError(f"is not a PEM key usable with {algorithm} ({exc})") from None


def check_supported(algorithm: str) -> None:
    """Refuse an ``alg`` name Tessera cannot verify (``none`` included).

    Raises:
        KeyConfigError: listing the supported names.
    """
    if algorithm not in SUPPORTED_ALGORITHMS:
        choices = ", ".join(sorted(SUPPORTED_ALGORITHMS))
        raise KeyConfigError(f"unsupported algorithm {algorithm!r}; use one of {choices}")


def key_fits(key: Key, algorithm: str) -> bool:
    """True when ``key``'s type (and curve) can verify ``algorithm`` signatures.

    An ``oct`` key only ever verifies HMAC, and an asymmetric key never does:
    this is the check that rules out the RS/HS confusion for JWKs.
    """
    if algorithm in HMAC_ALGORITHMS:
        return isinstance(key, OctKey)
    if algorithm in RSA_ALGORITHMS:
        return isinstance(key, RSAKey)
    if algorithm in EC_CURVES:
        return isinstance(key, ECKey) and key.curve_name == EC_CURVES[algorithm]
    if algorithm in OKP_CURVES:
        return isinstance(key, OKPKey) and key.curve_name in OKP_CURVES[algorithm]
    return False


def describe_key(key: Key) -> str:
    """A key's type for operators (``RSA``, ``EC P-256``, ``HMAC``), never its material."""
    if isinstance(key, OctKey):
        return "HMAC"
    if isinstance(key, ECKey | OKPKey):
        return f"{key.key_type} {key.curve_name}"
    return str(key.key_type)


def _hmac_key(secret: str, algorithm: str) -> Key:
    if "-----BEGIN" in secret:
        # Any PEM armour (public, private, certificate, even a damaged one) is
        # key material meant for signatures, never a shared secret.
        raise KeyConfigError(
            f"is an asymmetric key in PEM form, but {algorithm} needs a shared secret "
            "(set `algorithm` to the key's algorithm, e.g. RS256)"
        )
    with warnings.catch_warnings():
        # Short secrets are the operator's choice (the seed page uses one);
        # check-config reports them instead of a library warning on stderr.
        warnings.simplefilter("ignore", SecurityWarning)
        try:
            return OctKey.import_key(secret)
        except ValueError:
            raise KeyConfigError(
                f"is an asymmetric key, but {algorithm} needs a shared secret "
                "(set `algorithm` to the key's algorithm, e.g. RS256)"
            ) from None


def _require_curve(key: ECKey | OKPKey, allowed: set[str], algorithm: str) -> None:
    curve = key.curve_name
    if curve not in allowed:
        raise KeyConfigError(f"is a {curve} key, which cannot verify {algorithm}")


def is_weak_hmac_secret(secret: str) -> bool:
    """True for HMAC secrets shorter than 256 bits, which check-config warns about."""
    return len(secret.encode()) < 32
