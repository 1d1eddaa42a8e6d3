"""Starlette's router with a dictionary in front for paths without parameters.

Starlette tries each route's regex in turn: for ``/v3/account/whoami`` that
was some thirty failed matches, a tenth of a cached whoami's time. Exact
paths (login, whoami, refresh, logout, versions …) are found in one lookup;
anything else, and every 404/405, goes through Starlette's own matching.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from starlette.routing import BaseRoute, Route, Router
from starlette.types import Receive, Scope, Send


class ExactPathRouter(Router):
    def __init__(self, routes: Sequence[BaseRoute], **options: Any) -> None:
        super().__init__(list(routes), **options)
        self._exact: dict[tuple[str, str], Route] = {}
        for route in routes:
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
        await super().app(scope, receive, send)
