"""The one place a Matrix error becomes an HTTP response."""

from __future__ import annotations

import logging

import orjson
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from tessera.core.errors import ErrCode, MatrixError, Unavailable

logger = logging.getLogger(__name__)


#: An ASGI answer: status, headers, body.
RawResponse = tuple[int, list[tuple[bytes, bytes]], bytes]


def render(error: MatrixError) -> Response:
    """``render_raw`` as a Starlette ``Response``, for Starlette's exception handlers."""
    status, headers, body = render_raw(error)
    response = Response(body, status_code=status)
    response.raw_headers = headers
    return response


def render_raw(error: MatrixError) -> RawResponse:
    """The status, headers and JSON body for ``error`` (plus ``Retry-After`` on rate limits).

    Raw, for ASGI code that sends its own messages (``http.fast``, the
    protocol's 408): building a Starlette ``Response`` was a tenth of a
    rejected login's time.
    """
    body = orjson.dumps(error.body())
    headers = [(b"content-length", b"%d" % len(body)), (b"content-type", b"application/json")]
    retry_after = _retry_after(error)
    if retry_after is not None:
        headers.append((b"retry-after", b"%d" % retry_after))
    return error.status, headers, body


def _retry_after(error: MatrixError) -> int | None:
    """Seconds to send in ``Retry-After``: ``retry_after_ms`` rounded up, at least 1."""
    retry_after_ms = error.extra.get("retry_after_ms")
    if isinstance(retry_after_ms, int):
        return max(1, -(-retry_after_ms // 1000))
    return None


async def matrix_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, MatrixError)
    return render(exc)


async def http_exception(_request: Request, exc: Exception) -> Response:
    """Starlette's own 404/405 in Matrix shape (spec: "Unrecognised requests")."""
    assert isinstance(exc, HTTPException)
    if exc.status_code == 405:
        return render(MatrixError(ErrCode.UNRECOGNIZED, "Unrecognized request", status=405))
    if exc.status_code == 404:
        return render(MatrixError(ErrCode.UNRECOGNIZED, "Unrecognized request"))
    return render(MatrixError(ErrCode.UNKNOWN, exc.detail, status=exc.status_code))


def error_for(exc: Exception, request_id: str) -> MatrixError:
    """The Matrix error to answer ``exc`` with, logging what is not the client's fault."""
    if isinstance(exc, MatrixError):
        return exc
    if isinstance(exc, Unavailable):
        # 503 while the database cannot be reached: the client should retry, nothing was done.
        logger.warning("request %s: database unavailable (%s)", request_id, exc)
        return MatrixError(ErrCode.UNKNOWN, "Database unavailable", status=503)
    # Anything unplanned: logged with the request id (never the request's secrets).
    logger.error(
        "request %s failed: %s", request_id, type(exc).__name__, exc_info=(type(exc), exc, None)
    )
    return MatrixError(ErrCode.UNKNOWN, "Internal server error", status=500)


async def unexpected(request: Request, exc: Exception) -> Response:
    """Every exception the handlers above do not take (``Unavailable`` included)."""
    return render(error_for(exc, request.scope.get("tessera.request_id", "-")))


EXCEPTION_HANDLERS = {
    MatrixError: matrix_error,
    HTTPException: http_exception,
    Unavailable: unexpected,
    Exception: unexpected,
}
