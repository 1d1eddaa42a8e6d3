"""Query-string parameters with Synapse's validation messages."""

from __future__ import annotations

from starlette.requests import Request

from tessera.core.errors import InvalidParam

#: Integers reach SQL as 64-bit values: anything wider is refused here, not by the driver.
_INT64 = range(-(2**63), 2**63)


def integer(request: Request, name: str, default: int) -> int:
    """An integer query parameter (400 ``M_INVALID_PARAM`` if not one, or past 64 bits)."""
    raw = request.query_params.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise InvalidParam(f"Query parameter {name!r} must be an integer") from None
    if value not in _INT64:
        raise InvalidParam(f"Query parameter {name!r} is out of range")
    return value


def boolean(request: Request, name: str, default: bool | None = None) -> bool | None:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    if raw not in ("true", "false"):
        raise InvalidParam(f"Boolean query parameter {name!r} must be one of ['true', 'false']")
    return raw == "true"
