"""Finding the access token in a request (spec: "Using access tokens")."""

from __future__ import annotations

from starlette.requests import Request

from tessera.core.errors import ErrCode, MatrixError
from tessera.core.models import Requester
from tessera.services.auth import Authenticator

_BEARER = "bearer "


def access_token(request: Request) -> str:
    """The token from ``Authorization: Bearer`` or the deprecated ``access_token`` query.

    Raises:
        MatrixError: 401 ``M_MISSING_TOKEN`` when neither is present.
    """
    header = request.headers.get("authorization")
    query_token = request.query_params.get("access_token")
    if header is not None and query_token is not None:
        # Which one would we trust? Synapse refuses the mix; so do we.
        raise MatrixError(
            ErrCode.MISSING_TOKEN,
            "Mixing Authorization headers and access_token query parameters.",
        )
    if header is not None and header[:7].lower() == _BEARER:
        token = header[7:].strip()
        if token:
            return token
    if query_token:
        return query_token
    raise MatrixError(ErrCode.MISSING_TOKEN, "Missing access token")


async def requester(request: Request, authenticator: Authenticator) -> Requester:
    """Who is making this request (raises 401 for a missing or unknown token)."""
    ip = request.client.host if request.client is not None else None
    who = await authenticator.requester(access_token(request), ip)
    request.scope["tessera.user"] = who.user_id  # for the access log
    return who
