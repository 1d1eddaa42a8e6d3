"""Finding the access token in a request (spec: "Using access tokens")."""

from __future__ import annotations

from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.types import Scope

from tessera.core.errors import ErrCode, MatrixError
from tessera.core.models import Requester
from tessera.services.auth import Authenticator

_BEARER = "bearer "


def access_token(scope: Scope) -> str:
    """The token from ``Authorization: Bearer`` or the deprecated ``access_token`` query.

    Raises:
        MatrixError: 401 ``M_MISSING_TOKEN`` when neither is present.
    """
    header: str | None = None
    for name, value in scope["headers"]:
        if name == b"authorization":
            header = value.decode("latin-1")
            break
    query_token = _query_token(scope["query_string"])
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


def _user_agent(scope: Scope) -> str | None:
    """The ``User-Agent`` header, for whois (the last-seen record bounds its length)."""
    for name, value in scope["headers"]:
        if name == b"user-agent":
            return str(value.decode("latin-1"))
    return None


def _query_token(query_string: bytes) -> str | None:
    # Parsing the query costs more than a cached token lookup; most requests have none.
    if b"access_token" not in query_string:
        return None
    pairs = parse_qsl(query_string.decode("latin-1"), keep_blank_values=True)
    values = [value for name, value in pairs if name == "access_token"]
    return values[-1] if values else None  # the last one, as Starlette's query_params


async def requester(request: Request | Scope, authenticator: Authenticator) -> Requester:
    """Who is making this request (raises 401 for a missing or unknown token)."""
    scope = request.scope if isinstance(request, Request) else request
    client = scope.get("client")
    who = await authenticator.requester(
        access_token(scope), client[0] if client else None, _user_agent(scope)
    )
    # For the access log; an admin acting as a user shows as both, as in Synapse's log.
    user = who.user_id if who.puppeted_by is None else f"{who.puppeted_by}|{who.user_id}"
    scope["tessera.user"] = user
    return who
