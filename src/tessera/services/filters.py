"""Sync filters: upload, download, and the ``Filter`` a sync request names.

Spec: Client-Server API, "Filtering" (POST/GET /user/{userId}/filter).
"""

from __future__ import annotations

import hashlib
from typing import Any

import orjson

from tessera.core.errors import ErrCode, Forbidden, MatrixError, NotFound
from tessera.core.ids import parse_user_id
from tessera.core.models import Requester
from tessera.core.sync.filter import Filter, FilterError, parse_filter
from tessera.storage.ports import StreamStore

#: Filter IDs are the row's 64-bit key: anything longer cannot name one.
_MAX_ID_DIGITS = 18


class Filters:
    def __init__(self, store: StreamStore) -> None:
        self._store = store

    async def create(self, requester: Requester, user_id: str, body: dict[str, Any]) -> str:
        """Store the requester's filter (checked against the spec); its ID.

        Raises:
            MatrixError: 400 for a malformed user ID or filter, 403 for another user.
        """
        _check_owner(requester, user_id, "create")
        try:
            parse_filter(body)
        except FilterError as exc:
            raise MatrixError(ErrCode.BAD_JSON, str(exc)) from None
        text = orjson.dumps(body, option=orjson.OPT_SORT_KEYS)
        async with self._store.write() as txn:
            filter_id = await txn.filters.add(user_id, hashlib.sha256(text).digest(), text.decode())
        return str(filter_id)

    async def get(self, requester: Requester, user_id: str, filter_id: str) -> dict[str, Any]:
        """The filter JSON as uploaded (keys sorted).

        Raises:
            MatrixError: 400 for a malformed user or filter ID, 403 for another
                user, 404 for an unknown filter.
        """
        _check_owner(requester, user_id, "get")
        text = await self._text(user_id, filter_id)
        loaded: dict[str, Any] = orjson.loads(text)
        return loaded

    async def for_sync(self, user_id: str, param: str | None) -> Filter:
        """The filter of a sync's ``filter`` parameter: an ID of the user's, or inline JSON.

        Raises:
            MatrixError: 400 for JSON that is not a valid filter, 404 for an unknown ID.
        """
        if param is None:
            return Filter()
        if param.lstrip().startswith("{"):
            try:
                raw = orjson.loads(param)
                if not isinstance(raw, dict):
                    raise FilterError("a filter is a JSON object")
                return parse_filter(raw)
            except (orjson.JSONDecodeError, FilterError) as exc:
                raise MatrixError(ErrCode.BAD_JSON, f"Invalid filter: {exc}") from None
        return parse_filter(orjson.loads(await self._text(user_id, param)))

    async def _text(self, user_id: str, filter_id: str) -> str:
        if not filter_id.isascii() or not filter_id.isdigit() or len(filter_id) > _MAX_ID_DIGITS:
            raise MatrixError(ErrCode.INVALID_PARAM, "Invalid filter_id")
        async with self._store.read() as txn:
            text = await txn.filters.get(user_id, int(filter_id))
        if text is None:
            raise NotFound("No such filter")
        return text


def _check_owner(requester: Requester, user_id: str, verb: str) -> None:
    parse_user_id(user_id)
    if user_id != requester.user_id:
        raise Forbidden(f"Cannot {verb} filters for other users")
