"""``/rooms/{roomId}/receipt/…``, ``/read_markers`` and ``/typing/{userId}``.

Spec: "Receipts", "Fully read markers", "Typing Notifications": what a client
says about a room without sending an event to it.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from tessera.http.auth import requester
from tessera.http.body import json_object, json_object_or_empty
from tessera.http.responses import ok
from tessera.services.auth import Authenticator
from tessera.services.receipts import Receipts
from tessera.services.typing import Typing


class ReceiptEndpoints:
    def __init__(self, authenticator: Authenticator, receipts: Receipts, typing: Typing) -> None:
        self._auth = authenticator
        self._receipts = receipts
        self._typing = typing

    async def receipt(self, request: Request) -> Response:
        who = await requester(request, self._auth)
        params = request.path_params
        # Some clients post receipts with no body at all; Synapse reads that as {}.
        body = await json_object_or_empty(request)
        await self._receipts.receipt(
            who, params["room_id"], params["receipt_type"], params["event_id"], body
        )
        return ok()

    async def read_markers(self, request: Request) -> Response:
        who = await requester(request, self._auth)
        body = await json_object(request)
        await self._receipts.read_markers(who, request.path_params["room_id"], body)
        return ok()

    async def typing(self, request: Request) -> Response:
        who = await requester(request, self._auth)
        params = request.path_params
        body = await json_object(request)
        await self._typing.set_typing(who, params["room_id"], params["user_id"], body)
        return ok()
