"""``JwtRejected``: why a login JWT logs nobody in, in Synapse's words.

Synapse answers every rejected token with ``JWT validation failed: <error>:
<description>``, the pair Authlib's exception carries; the helpers here
build those texts so the verifier, the key set and the claim rules word
them the same way.
"""

from __future__ import annotations

PREFIX = "JWT validation failed: "


class JwtRejected(Exception):
    """The token does not log anybody in.

    Attributes:
        reason: a short stable label (``bad_signature``, ``expired`` …) for
            logs and metrics; never contains token data.
        message: the exact ``error`` text sent to the client.
    """

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


def failed(reason: str, detail: str) -> JwtRejected:
    """``JWT validation failed: <detail>``, labelled ``reason``."""
    return JwtRejected(reason, PREFIX + detail)


def invalid_claim(name: str, reason: str | None = None, why: str = "") -> JwtRejected:
    """Authlib's ``invalid_claim: Invalid claim '<name>'`` (plus ``why``, for Tessera's rules)."""
    return failed(reason or f"invalid_{name}", f"invalid_claim: Invalid claim '{name}'{why}")


def missing_claim(name: str, reason: str | None = None) -> JwtRejected:
    """Authlib's ``missing_claim: Missing '<name>' claim``."""
    return failed(reason or f"missing_{name}", f"missing_claim: Missing '{name}' claim")


def bad_signature() -> JwtRejected:
    """The one text for every signature that does not verify, whichever key was tried."""
    return failed("bad_signature", "Signature verification failed")


def unsupported_algorithm() -> JwtRejected:
    """The header's ``alg`` is not one the configuration allows (``none`` included)."""
    return failed(
        "unsupported_algorithm", 'unsupported_algorithm: Unsupported "alg" value in header'
    )
