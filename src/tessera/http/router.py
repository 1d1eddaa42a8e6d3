"""Starlette's router with a dictionary in front for paths without parameters.

Starlette tries each route's regex in turn: for ``/v3/account/whoami`` that
was some thirty failed matches, a tenth of a cached whoami's time. Exact
paths (login, whoami, refresh, logout, versions …) are found in one lookup;
anything else, and every 404/405, goes through Starlette's own matching.

Path parameters are matched before ``%2F`` is decoded, as Synapse matches
them: a localpart may hold ``/`` (``@a/b:example.com``), and admin tools send
it as ``%2F``. Matched on the decoded path, such a user ID split into two
segments and no route matched (404).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any
from urllib.parse import unquote

from starlette.convertors import Convertor, StringConvertor
from starlette.routing import BaseRoute, Match, Route, Router
from starlette.types import Receive, Scope, Send

#: Stands for an encoded ``/`` while routing. A lone surrogate: ``unquote``
#: never produces one (invalid UTF-8 becomes U+FFFD), so no request can spell it.
ENCODED_SLASH = "\udc2f"
_SLASH_ESCAPE = re.compile(rb"%2[fF]")


class SegmentConvertor(Convertor[str]):
    """Starlette's ``str`` parameter (one segment), with its encoded slashes restored."""

    regex = "[^/]+"

    def convert(self, value: str) -> str:
        return value.replace(ENCODED_SLASH, "/")

    def to_string(self, value: str) -> str:
        return value.replace("/", "%2F")


def routing_path(scope: Scope) -> str | None:
    """The path to match routes on when it differs from ``scope["path"]``, else None.

    Every escape is decoded except ``%2F``, which becomes ``ENCODED_SLASH``
    so that it stays inside its segment.
    """
    raw = scope.get("raw_path")
    if not raw or not _SLASH_ESCAPE.search(raw):
        return None
    pieces = _SLASH_ESCAPE.split(raw)
    return ENCODED_SLASH.join(unquote(piece.decode("latin-1")) for piece in pieces)


class ExactPathRouter(Router):
    def __init__(self, routes: Sequence[BaseRoute], **options: Any) -> None:
        super().__init__(list(routes), **options)
        self._exact: dict[tuple[str, str], Route] = {}
        segment = SegmentConvertor()
        for route in routes:
            if isinstance(route, Route):
                route.param_convertors = {
                    name: segment if isinstance(convertor, StringConvertor) else convertor
                    for name, convertor in route.param_convertors.items()
                }
            if isinstance(route, Route) and not route.param_convertors and route.methods:
                for method in route.methods:
                    # The first route for a (path, method) wins, as in Starlette's loop.
                    self._exact.setdefault((route.path, method), route)

    async def app(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not scope.get("root_path"):
            route = self._exact.get((scope["path"], scope["method"]))
            if route is not None:
                scope["router"] = self
                scope["route"] = route
                scope["endpoint"] = route.endpoint
                scope["path_params"] = {}
                await route.handle(scope, receive, send)
                return
            path = routing_path(scope)
            if path is not None:
                await self._route_encoded(scope, path, receive, send)
                return
        await super().app(scope, receive, send)

    async def _route_encoded(self, scope: Scope, path: str, receive: Receive, send: Send) -> None:
        """Starlette's loop, matching on ``path``; the endpoint still sees the decoded path."""
        matching = {**scope, "path": path}
        partial: tuple[BaseRoute, Scope] | None = None
        scope["router"] = self
        for route in self.routes:
            match, child_scope = route.matches(matching)
            if match is Match.FULL:
                scope.update(child_scope)
                await route.handle(scope, receive, send)
                return
            if match is Match.PARTIAL and partial is None:
                partial = (route, child_scope)
        if partial is not None:  # the path is known, the method is not: 405
            scope.update(partial[1])
            await partial[0].handle(scope, receive, send)
            return
        await self.not_found(scope, receive, send)
