"""The whole route table, on one screen."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.routing import BaseRoute, Route

from tessera.http.client.account import AccountEndpoints
from tessera.http.client.devices import DeviceEndpoints
from tessera.http.client.login import LoginEndpoints
from tessera.http.client.profile import ProfileEndpoints
from tessera.http.client.versions import versions

#: Every client endpoint answers under both of these (r0 for older clients).
CLIENT_PREFIXES = ("/_matrix/client/r0", "/_matrix/client/v3")
#: Synapse still serves login under the pre-r0 prefix; some SSO glue uses it.
LEGACY_LOGIN_PREFIX = "/_matrix/client/api/v1"


@dataclass(frozen=True)
class Endpoints:
    login: LoginEndpoints
    account: AccountEndpoints
    devices: DeviceEndpoints
    profile: ProfileEndpoints


def routes(e: Endpoints) -> list[BaseRoute]:
    table: list[BaseRoute] = [Route("/_matrix/client/versions", versions, methods=["GET"])]
    for prefix in (*CLIENT_PREFIXES, LEGACY_LOGIN_PREFIX):
        table += [
            Route(f"{prefix}/login", e.login.flows, methods=["GET"]),
            Route(f"{prefix}/login", e.login.login, methods=["POST"]),
        ]
    for prefix in CLIENT_PREFIXES:
        table += [
            Route(f"{prefix}/account/whoami", e.account.whoami, methods=["GET"]),
            Route(f"{prefix}/logout", e.account.logout, methods=["POST"]),
            Route(f"{prefix}/logout/all", e.account.logout_all, methods=["POST"]),
            Route(f"{prefix}/devices", e.devices.list, methods=["GET"]),
            Route(
                f"{prefix}/profile/{{user_id}}/displayname", e.profile.displayname, methods=["GET"]
            ),
        ]
    return table
