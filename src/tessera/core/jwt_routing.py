"""Which of several JWT providers a token is for (``jwt_providers``).

Pure. Routing reads the token's ``iss`` and ``kid`` before any signature is
checked, so it only chooses which keys to try: a forged ``iss`` can pick a
provider, never get past its key.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from tessera.core.jwt_login import JwtPolicy
from tessera.core.jwt_rejection import invalid_claim


def route(
    claims: Mapping[str, Any], header: Mapping[str, Any], policies: Sequence[JwtPolicy]
) -> list[int]:
    """Indexes of the policies to try, in order.

    The providers whose ``issuer`` is the token's ``iss``; when none is, the
    providers without an ``issuer``. When several remain and the token has a
    ``kid``, those holding a key with that ``kid`` go first.

    Raises:
        JwtRejected: ``invalid_claim`` on ``iss`` when no provider can take the token.
    """
    issuer = claims.get("iss")
    chosen = [
        i for i, policy in enumerate(policies) if issuer is not None and policy.issuer == issuer
    ]
    if not chosen:
        chosen = [i for i, policy in enumerate(policies) if policy.issuer is None]
    if not chosen:
        raise invalid_claim("iss", reason="unknown_issuer")
    kid = header.get("kid")
    if len(chosen) > 1 and isinstance(kid, str):
        named = [i for i in chosen if any(key.kid == kid for key in policies[i].keys.keys)]
        chosen = named + [i for i in chosen if i not in named]
    return chosen
