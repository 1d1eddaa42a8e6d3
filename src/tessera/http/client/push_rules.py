"""``/pushrules/…`` (spec: "Push Rules: API")."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from tessera.http.auth import requester
from tessera.http.body import json_object
from tessera.http.responses import ok
from tessera.services.auth import Authenticator
from tessera.services.push_rules import PushRules


class PushRuleEndpoints:
    def __init__(self, authenticator: Authenticator, push_rules: PushRules) -> None:
        self._auth = authenticator
        self._push_rules = push_rules

    async def all(self, request: Request) -> Response:
        who = await requester(request, self._auth)
        return ok(await self._push_rules.ruleset(who.user_id))

    async def scope(self, request: Request) -> Response:
        who = await requester(request, self._auth)
        return ok((await self._push_rules.ruleset(who.user_id))["global"])

    async def get(self, request: Request) -> Response:
        who = await requester(request, self._auth)
        params = request.path_params
        return ok(await self._push_rules.rule(who, params["kind"], params["rule_id"]))

    async def put(self, request: Request) -> Response:
        who = await requester(request, self._auth)
        params = request.path_params
        body = await json_object(request)
        query = request.query_params
        await self._push_rules.add(
            who, params["kind"], params["rule_id"], body, query.get("before"), query.get("after")
        )
        return ok()

    async def delete(self, request: Request) -> Response:
        who = await requester(request, self._auth)
        params = request.path_params
        await self._push_rules.delete(who, params["kind"], params["rule_id"])
        return ok()

    async def get_attribute(self, request: Request) -> Response:
        who = await requester(request, self._auth)
        params = request.path_params
        name = request.url.path.rsplit("/", 1)[1]
        return ok(await self._push_rules.attribute(who, params["kind"], params["rule_id"], name))

    async def set_attribute(self, request: Request) -> Response:
        who = await requester(request, self._auth)
        params = request.path_params
        name = request.url.path.rsplit("/", 1)[1]
        body = await json_object(request)
        await self._push_rules.set_attribute(who, params["kind"], params["rule_id"], name, body)
        return ok()
