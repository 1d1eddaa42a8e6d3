"""``/devices``, ``/devices/{deviceId}``, ``/delete_devices`` (spec: "Device management")."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from tessera.core.errors import BadJson
from tessera.core.models import Device
from tessera.http.auth import requester
from tessera.http.body import json_object, optional_json_object
from tessera.http.responses import ok
from tessera.services.auth import Authenticator
from tessera.services.devices import Devices
from tessera.services.uia import UserInteractiveAuth


def device_json(device: Device) -> dict[str, Any]:
    return {
        "user_id": device.user_id,
        "device_id": device.device_id,
        "display_name": device.display_name,
        "last_seen_ip": device.last_seen_ip,
        "last_seen_ts": device.last_seen_ts,
    }


class DeviceEndpoints:
    def __init__(
        self, authenticator: Authenticator, devices: Devices, uia: UserInteractiveAuth
    ) -> None:
        self._auth = authenticator
        self._devices = devices
        self._uia = uia

    async def list(self, request: Request) -> Response:
        who = await requester(request, self._auth)
        devices = await self._devices.list(who)
        return ok({"devices": [device_json(device) for device in devices]})

    async def get(self, request: Request) -> Response:
        who = await requester(request, self._auth)
        return ok(device_json(await self._devices.get(who, request.path_params["device_id"])))

    async def update(self, request: Request) -> Response:
        who = await requester(request, self._auth)
        body = await json_object(request)
        device_id = request.path_params["device_id"]
        if "display_name" in body:
            await self._devices.rename(who, device_id, body["display_name"])
        else:  # nothing to change, but an unknown device is still 404
            await self._devices.get(who, device_id)
        return ok()

    async def delete(self, request: Request) -> Response:
        who = await requester(request, self._auth)
        body = await optional_json_object(request)
        await self._uia.validate(who, body, request.method, request.url.path)
        await self._devices.delete(who, [request.path_params["device_id"]])
        return ok()

    async def delete_many(self, request: Request) -> Response:
        who = await requester(request, self._auth)
        body = await json_object(request)
        device_ids = body.get("devices")
        if not isinstance(device_ids, list) or not all(isinstance(d, str) for d in device_ids):
            raise BadJson("devices must be a list of device IDs")
        await self._uia.validate(who, body, request.method, request.url.path)
        await self._devices.delete(who, device_ids)
        return ok()
