"""The one way to fail a Matrix request.

Services raise ``MatrixError`` (or a subclass that reads well at the call
site); ``tessera.http.errors`` is the only place that renders one. The HTTP
status is decided here, from the errcode, so call sites never spell a status::

    MatrixError                     errcode + message + extra body fields
    ├── Forbidden                   403 M_FORBIDDEN
    ├── BadJson / NotJson           400 M_BAD_JSON / M_NOT_JSON
    ├── InvalidParam                400 M_INVALID_PARAM
    ├── MissingParam                400 M_MISSING_PARAM
    ├── NotFound                    404 M_NOT_FOUND
    └── UnknownToken                401 M_UNKNOWN_TOKEN
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class ErrCode(StrEnum):
    """Matrix error codes we emit (spec: Client-Server API, "Standard error response")."""

    FORBIDDEN = "M_FORBIDDEN"
    UNKNOWN_TOKEN = "M_UNKNOWN_TOKEN"
    MISSING_TOKEN = "M_MISSING_TOKEN"
    USER_DEACTIVATED = "M_USER_DEACTIVATED"
    BAD_JSON = "M_BAD_JSON"
    NOT_JSON = "M_NOT_JSON"
    NOT_FOUND = "M_NOT_FOUND"
    UNRECOGNIZED = "M_UNRECOGNIZED"
    LIMIT_EXCEEDED = "M_LIMIT_EXCEEDED"
    UNKNOWN = "M_UNKNOWN"
    INVALID_USERNAME = "M_INVALID_USERNAME"
    USER_IN_USE = "M_USER_IN_USE"
    INVALID_PARAM = "M_INVALID_PARAM"
    MISSING_PARAM = "M_MISSING_PARAM"
    TOO_LARGE = "M_TOO_LARGE"
    ROOM_IN_USE = "M_ROOM_IN_USE"
    UNSUPPORTED_ROOM_VERSION = "M_UNSUPPORTED_ROOM_VERSION"


_STATUS: dict[ErrCode, int] = {
    ErrCode.FORBIDDEN: 403,
    ErrCode.USER_DEACTIVATED: 403,
    ErrCode.UNKNOWN_TOKEN: 401,
    ErrCode.MISSING_TOKEN: 401,
    ErrCode.NOT_FOUND: 404,
    ErrCode.UNRECOGNIZED: 404,
    ErrCode.LIMIT_EXCEEDED: 429,
    ErrCode.TOO_LARGE: 413,
    ErrCode.UNKNOWN: 400,
}


def status_for(errcode: ErrCode) -> int:
    """The HTTP status a Matrix error code is sent with (400 unless listed)."""
    return _STATUS.get(errcode, 400)


class MatrixError(Exception):
    """A request failed in a way the client should be told about.

    ``status`` overrides the table only where the spec pairs one errcode with
    several statuses (405 ``M_UNRECOGNIZED``, 500 ``M_UNKNOWN``, a 413 body).
    """

    def __init__(
        self,
        errcode: ErrCode,
        message: str,
        *,
        status: int | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(message)
        self.errcode = errcode
        self.message = message
        self.status = status if status is not None else status_for(errcode)
        self.extra = extra
        #: A short label for logs and metrics (never sent to the client).
        self.reason: str = errcode.value

    def body(self) -> dict[str, Any]:
        """The JSON object sent to the client."""
        return {"errcode": self.errcode.value, "error": self.message, **self.extra}


class Forbidden(MatrixError):
    def __init__(self, message: str, **extra: Any) -> None:
        super().__init__(ErrCode.FORBIDDEN, message, **extra)


class InvalidParam(MatrixError):
    def __init__(self, message: str) -> None:
        super().__init__(ErrCode.INVALID_PARAM, message)


class MissingParam(MatrixError):
    def __init__(self, message: str) -> None:
        super().__init__(ErrCode.MISSING_PARAM, message)


class BadJson(MatrixError):
    def __init__(self, message: str) -> None:
        super().__init__(ErrCode.BAD_JSON, message)


class NotFound(MatrixError):
    def __init__(self, message: str) -> None:
        super().__init__(ErrCode.NOT_FOUND, message)


class UnknownToken(MatrixError):
    """401 ``M_UNKNOWN_TOKEN``; ``soft_logout`` is always present, as Synapse sends it."""

    def __init__(
        self, message: str = "Invalid access token passed.", *, soft_logout: bool = False
    ) -> None:
        super().__init__(ErrCode.UNKNOWN_TOKEN, message, soft_logout=soft_logout)


class Unavailable(Exception):
    """Something a request needs (the database) cannot be reached: 503, try again later.

    Raised by the layers below services; the HTTP layer answers it without
    knowing which dependency failed.
    """
