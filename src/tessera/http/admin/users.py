"""``/_synapse/admin/…/users``, ``/deactivate``, ``/whois`` and users' devices.

Paths, parameters and bodies follow Synapse's admin API documentation for
what Tessera implements, so tools such as synapse-admin work unchanged.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from tessera import __version__
from tessera.core.errors import ErrCode, InvalidParam, MatrixError
from tessera.core.models import Device, Requester, Threepid, User
from tessera.http import query
from tessera.http.auth import requester
from tessera.http.body import erase_flag, json_object
from tessera.http.client.account import threepid_json
from tessera.http.client.devices import device_json
from tessera.http.responses import ok
from tessera.services.admin import Admin, UserChanges
from tessera.services.auth import Authenticator
from tessera.services.threepids import Threepids


def user_json(
    user: User,
    threepids: Sequence[Threepid] = (),
    external_ids: Sequence[tuple[str, str]] | None = None,
) -> dict[str, Any]:
    """Synapse's user object; ``threepids`` and ``external_ids`` only for one user, as Synapse."""
    body: dict[str, Any] = {
        "name": user.user_id,
        "displayname": user.display_name,
        "avatar_url": user.avatar_url,
        "admin": user.is_admin,
        "deactivated": user.deactivated,
        "is_guest": False,
        "user_type": None,
        "shadow_banned": False,
        "locked": False,
        "erased": user.erased,
        # Synapse keeps creation_ts in seconds.
        "creation_ts": user.created_ts // 1000,
        "threepids": [threepid_json(t) for t in threepids],
    }
    if external_ids is not None:
        body["external_ids"] = [
            {"auth_provider": provider, "external_id": subject}
            for provider, subject in external_ids
        ]
    return body


def _changes(body: dict[str, Any]) -> UserChanges:
    def typed(name: str, kind: type) -> Any:
        value = body.get(name)
        if value is not None and not isinstance(value, kind):
            raise InvalidParam(f"{name} must be a {kind.__name__}")
        return value

    logout = typed("logout_devices", bool)
    return UserChanges(
        external_ids=_external_ids(body.get("external_ids")),
        displayname=typed("displayname", str),
        avatar_url=typed("avatar_url", str),
        admin=typed("admin", bool),
        deactivated=typed("deactivated", bool),
        password=typed("password", str),
        logout_devices=True if logout is None else logout,
    )


def _external_ids(value: object) -> tuple[tuple[str, str], ...] | None:
    """``external_ids`` of a PUT: a list of ``{"auth_provider", "external_id"}`` objects."""
    if value is None:
        return None
    if not isinstance(value, list):
        raise InvalidParam("external_ids must be a list")
    pairs = []
    for entry in value:
        if not isinstance(entry, dict):
            raise InvalidParam("each of external_ids must be an object")
        absent = [key for key in ("auth_provider", "external_id") if key not in entry]
        if absent:  # Synapse's assert_params_in_dict
            raise MatrixError(ErrCode.MISSING_PARAM, f"Missing params: {absent!r}")
        provider, subject = entry["auth_provider"], entry["external_id"]
        if not isinstance(provider, str) or not isinstance(subject, str):
            raise InvalidParam("auth_provider and external_id must be strings")
        pairs.append((provider, subject))
    return tuple(pairs)


class AdminEndpoints:
    def __init__(self, authenticator: Authenticator, admin: Admin, threepids: Threepids) -> None:
        self._auth = authenticator
        self._admin = admin
        self._threepids = threepids

    async def server_version(self, _request: Request) -> Response:
        """Served to anyone, as Synapse does: admin front-ends probe it before logging in."""
        return ok({"server_version": f"Tessera {__version__}"})

    async def list_users(self, request: Request) -> Response:
        who = await requester(request, self._auth)
        offset = query.integer(request, "from", 0)
        limit = query.integer(request, "limit", 100)
        direction = request.query_params.get("dir", "f")
        if direction not in ("f", "b"):
            raise InvalidParam("dir must be 'f' or 'b'")
        users, total = await self._admin.list_users(
            who,
            offset=offset,
            limit=limit,
            name=request.query_params.get("name") or request.query_params.get("user_id"),
            # v2: deactivated users are listed only with deactivated=true.
            deactivated=None if query.boolean(request, "deactivated") else False,
            admins=query.boolean(request, "admins"),
            order_by=request.query_params.get("order_by", "name"),
            descending=direction == "b",
        )
        body: dict[str, Any] = {"users": [user_json(u) for u in users], "total": total}
        if offset + limit < total:
            body["next_token"] = str(offset + len(users))
        return ok(body)

    async def get_user(self, request: Request) -> Response:
        who = await requester(request, self._auth)
        return ok(await self._user_json(who, request.path_params["user_id"]))

    async def put_user(self, request: Request) -> Response:
        who = await requester(request, self._auth)
        self._admin.require_admin(who)  # a non-admin learns nothing, not even a body error
        user_id = request.path_params["user_id"]
        created = await self._admin.put_user(who, user_id, _changes(await json_object(request)))
        return ok(await self._user_json(who, user_id), status=201 if created else 200)

    async def _user_json(self, who: Requester, user_id: str) -> dict[str, Any]:
        user = await self._admin.user(who, user_id)
        return user_json(
            user,
            await self._threepids.of_user(user_id),
            await self._admin.external_ids(who, user_id),
        )

    async def user_by_external_id(self, request: Request) -> Response:
        """``GET /_synapse/admin/v1/auth_providers/{provider}/users/{external_id}``."""
        who = await requester(request, self._auth)
        params = request.path_params
        user_id = await self._admin.user_by_external_id(
            who, params["provider"], params["external_id"]
        )
        return ok({"user_id": user_id})

    async def deactivate(self, request: Request) -> Response:
        """``POST /_synapse/admin/v1/deactivate/{user_id}``, body ``{"erase": bool}`` or none."""
        who = await requester(request, self._auth)
        self._admin.require_admin(who)  # before the body: a non-admin learns nothing
        body = await json_object(request) if await request.body() else {}  # empty: {}
        await self._admin.deactivate(who, request.path_params["user_id"], erase=erase_flag(body))
        # Tessera binds no third-party IDs at identity servers: nothing to unbind.
        return ok({"id_server_unbind_result": "success"})

    async def whois(self, request: Request) -> Response:
        who = await requester(request, self._auth)
        user_id = request.path_params["user_id"]
        devices = await self._admin.whois(who, user_id)
        return ok({"user_id": user_id, "devices": {d.device_id: _sessions(d) for d in devices}})

    async def devices(self, request: Request) -> Response:
        who = await requester(request, self._auth)
        devices = await self._admin.devices(who, request.path_params["user_id"])
        return ok({"devices": [device_json(d) for d in devices], "total": len(devices)})

    async def device(self, request: Request) -> Response:
        who = await requester(request, self._auth)
        params = request.path_params
        return ok(
            device_json(await self._admin.device(who, params["user_id"], params["device_id"]))
        )

    async def login_as(self, request: Request) -> Response:
        """``POST /_synapse/admin/v1/users/{user_id}/login``: ``{"access_token": …}``."""
        who = await requester(request, self._auth)
        self._admin.require_admin(who)  # before the body: a non-admin learns nothing
        body = await json_object(request) if await request.body() else {}  # empty: {}
        token = await self._admin.login_as(
            who, request.path_params["user_id"], body.get("valid_until_ms")
        )
        return ok({"access_token": token})

    async def delete_device(self, request: Request) -> Response:
        who = await requester(request, self._auth)
        params = request.path_params
        await self._admin.delete_device(who, params["user_id"], params["device_id"])
        return ok()


def _sessions(device: Device) -> dict[str, Any]:
    connection = {
        "ip": device.last_seen_ip,
        "last_seen": device.last_seen_ts,
        "user_agent": device.last_seen_user_agent,
    }
    return {"sessions": [{"connections": [connection] if device.last_seen_ts else []}]}
