"""The bare-stack ceiling: Starlette on uvicorn (httptools, uvloop), with nothing of Tessera.

Answers the paths the scenarios use with fixed bodies: no JWT check, no
database, no access log. Whatever Tessera reaches on whoami is measured
against what this app reaches on the same core.

    taskset -c 0 .venv/bin/python -m uvicorn bench.bare:app --port 8010 --no-access-log
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

VERSIONS_BODY = b'{"versions":["v1.11"],"unstable_features":{}}'
WHOAMI_BODY = b'{"user_id":"@bare:localhost","device_id":"BAREDEVICE","is_guest":false}'
LOGIN_BODY = (
    b'{"user_id":"@bare:localhost","access_token":"bare-token",'
    b'"device_id":"BAREDEVICE","home_server":"localhost"}'
)


async def versions(_request: Request) -> Response:
    return Response(VERSIONS_BODY, media_type="application/json")


async def whoami(_request: Request) -> Response:
    return Response(WHOAMI_BODY, media_type="application/json")


async def login(request: Request) -> Response:
    await request.body()
    return Response(LOGIN_BODY, media_type="application/json")


app = Starlette(
    routes=[
        Route("/_matrix/client/versions", versions),
        Route("/_matrix/client/v3/account/whoami", whoami),
        Route("/_matrix/client/v3/login", login, methods=["POST"]),
    ]
)
