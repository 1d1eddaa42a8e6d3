"""``GET /_matrix/client/versions`` (spec: "Server discovery / API versions")."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from tessera.http.responses import ok

#: The versions Synapse 1.163 advertises, so clients choose the same endpoints
#: against both servers. Every endpoint Tessera serves follows these versions;
#: endpoints it does not serve answer 404 M_UNRECOGNIZED, as optional ones may.
SUPPORTED_VERSIONS = [
    "r0.0.1",
    "r0.1.0",
    "r0.2.0",
    "r0.3.0",
    "r0.4.0",
    "r0.5.0",
    "r0.6.0",
    "r0.6.1",
    *(f"v1.{minor}" for minor in range(1, 16)),
]


async def versions(_request: Request) -> Response:
    return ok({"versions": SUPPORTED_VERSIONS, "unstable_features": {}})
