"""``/account/whoami``, ``/account/3pid``, ``/logout[/all]``, ``/account/deactivate``
(spec: "Account", "Logout")."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope

from tessera.core.models import Threepid
from tessera.http.auth import requester
from tessera.http.body import erase_flag, json_object
from tessera.http.responses import ok
from tessera.services.accounts import Accounts
from tessera.services.auth import Authenticator
from tessera.services.sessions import Sessions
from tessera.services.threepids import Threepids
from tessera.services.uia import UserInteractiveAuth


def threepid_json(threepid: Threepid) -> dict[str, Any]:
    """One 3PID as ``GET /account/3pid`` and Synapse's admin API show it."""
    return {
        "medium": threepid.medium,
        "address": threepid.address,
        "validated_at": threepid.validated_at,
        "added_at": threepid.added_at,
    }


class AccountEndpoints:
    def __init__(
        self,
        authenticator: Authenticator,
        sessions: Sessions,
        accounts: Accounts,
        uia: UserInteractiveAuth,
        threepids: Threepids,
    ) -> None:
        self._auth = authenticator
        self._sessions = sessions
        self._accounts = accounts
        self._uia = uia
        self._threepids = threepids

    async def whoami(self, request: Request) -> Response:
        return ok(await self.whoami_body(request.scope, request.receive))

    async def whoami_body(self, scope: Scope, _receive: Receive) -> dict[str, Any]:
        """``whoami``'s answer; ``Frontend`` serves it without Starlette (the hottest path)."""
        who = await requester(scope, self._auth)
        body: dict[str, Any] = {"user_id": who.user_id, "device_id": who.device_id}
        if who.device_id is None:  # an admin's "log in as user" token has none (as in Synapse)
            del body["device_id"]
        body["is_guest"] = False
        return body

    async def threepids(self, request: Request) -> Response:
        """``GET /account/3pid``: the e-mail addresses the identity provider gave."""
        who = await requester(request, self._auth)
        listed = await self._threepids.of_user(who.user_id)
        return ok({"threepids": [threepid_json(t) for t in listed]})

    async def logout(self, request: Request) -> Response:
        await self._sessions.logout(await requester(request, self._auth))
        return ok()

    async def logout_all(self, request: Request) -> Response:
        await self._sessions.logout_all(await requester(request, self._auth))
        return ok()

    async def deactivate(self, request: Request) -> Response:
        who = await requester(request, self._auth)
        body = await json_object(request)
        erase = erase_flag(body)
        await self._uia.validate(who, body, request.method, request.url.path)
        await self._accounts.deactivate(who, erase=erase)
        # Tessera binds no third-party IDs, so there is never anything to unbind.
        return ok({"id_server_unbind_result": "success"})
