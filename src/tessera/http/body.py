"""Request bodies: JSON objects or a Matrix error."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.requests import Request
from starlette.types import Receive

from tessera.core.errors import BadJson, ErrCode, MatrixError


async def optional_json_object(request: Request) -> dict[str, Any]:
    """The body as a JSON object, or ``{}`` when there is none or it is not JSON.

    Older clients send DELETE without a body; Synapse reads that as ``{}``.
    """
    try:
        return await json_object(request)
    except MatrixError as exc:
        if exc.errcode is ErrCode.NOT_JSON:
            return {}
        raise


async def json_object_or_empty(request: Request) -> dict[str, Any]:
    """The body as a JSON object, ``{}`` when there is none (Synapse's ``allow_empty_body``).

    Unlike ``optional_json_object``, a body that is there must be a JSON object.
    """
    raw = await request.body()
    return parse_json_object(raw) if raw.strip() else {}


async def json_object(request: Request) -> dict[str, Any]:
    """The body parsed as a JSON object.

    The size limit is enforced while the body streams in (see
    ``tessera.http.middleware``), so this never holds more than the limit.

    Raises:
        MatrixError: 400 ``M_NOT_JSON`` for unparsable bodies, 400
            ``M_BAD_JSON`` for JSON that is not an object.
    """
    return parse_json_object(await request.body())


class ClientGone(Exception):
    """The client disconnected before sending its whole body: nobody to answer."""


async def read_json_object(receive: Receive) -> dict[str, Any]:
    """``json_object`` for a raw ASGI ``receive`` (``http.fast`` routes)."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientGone
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return parse_json_object(b"".join(chunks))


def parse_json_object(raw: bytes) -> dict[str, Any]:
    """``raw`` as a JSON object, or 400 ``M_NOT_JSON`` / ``M_BAD_JSON``."""
    try:
        content = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise MatrixError(ErrCode.NOT_JSON, "Content not JSON.") from None
    if not isinstance(content, dict):
        raise BadJson("Content must be a JSON object.")
    return content


def erase_flag(body: dict[str, Any]) -> bool:
    """A deactivation's ``erase`` field: a boolean, false when absent (Synapse's check)."""
    erase = body.get("erase", False)
    if not isinstance(erase, bool):
        raise BadJson("Param 'erase' must be a boolean, if given")
    return erase
