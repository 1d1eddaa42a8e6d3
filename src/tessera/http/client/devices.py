"""``GET /devices`` (spec: "Device management")."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from tessera.http.auth import requester
from tessera.http.responses import ok
from tessera.services.auth import Authenticator
from tessera.services.devices import Devices


class DeviceEndpoints:
    def __init__(self, authenticator: Authenticator, devices: Devices) -> None:
        self._auth = authenticator
        self._devices = devices

    async def list(self, request: Request) -> Response:
        who = await requester(request, self._auth)
        devices = await self._devices.list(who)
        return ok(
            {
                "devices": [
                    {
                        "user_id": device.user_id,
                        "device_id": device.device_id,
                        "display_name": device.display_name,
                        "last_seen_ip": device.last_seen_ip,
                        "last_seen_ts": device.last_seen_ts,
                    }
                    for device in devices
                ]
            }
        )
