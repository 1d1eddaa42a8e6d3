"""Query-string parameters with Synapse's validation messages."""

from __future__ import annotations

from starlette.requests import Request

from tessera.core.errors import InvalidParam


def integer(request: Request, name: str, default: int) -> int:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError:
        raise InvalidParam(f"Query parameter {name!r} must be an integer") from None


def boolean(request: Request, name: str, default: bool | None = None) -> bool | None:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    if raw not in ("true", "false"):
        raise InvalidParam(f"Boolean query parameter {name!r} must be one of ['true', 'false']")
    return raw == "true"
