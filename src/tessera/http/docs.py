"""``GET /_tessera/openapi.json``: the OpenAPI description of every endpoint Tessera serves.

The description is written by hand in ``openapi.yaml`` beside this module (it ships in the
package) and turned into JSON once, on the first request: startup pays nothing for it.
"""

from __future__ import annotations

import functools
from importlib import resources
from typing import Any

import orjson
import yaml
from starlette.requests import Request
from starlette.responses import Response

#: Where the description is served.
OPENAPI_PATH = "/_tessera/openapi.json"


def openapi_document() -> dict[str, Any]:
    """The OpenAPI document as a dict (parsed from the packaged ``openapi.yaml``)."""
    text = resources.files("tessera.http").joinpath("openapi.yaml").read_text(encoding="utf-8")
    document: dict[str, Any] = yaml.safe_load(text)
    return document


@functools.cache
def _openapi_json() -> bytes:
    return orjson.dumps(openapi_document())


async def openapi(_request: Request) -> Response:
    """The OpenAPI document, as JSON."""
    return Response(_openapi_json(), media_type="application/json")
