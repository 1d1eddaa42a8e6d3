"""The whole route table, on one screen."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.routing import BaseRoute, Route

from tessera.http import convertors  # noqa: F401  (registers {field:profile_field})
from tessera.http.admin.users import AdminEndpoints
from tessera.http.client.account import AccountEndpoints
from tessera.http.client.devices import DeviceEndpoints
from tessera.http.client.directory import DirectoryEndpoints
from tessera.http.client.discovery import DiscoveryEndpoints
from tessera.http.client.login import LoginEndpoints
from tessera.http.client.profile import ProfileEndpoints
from tessera.http.client.room_events import RoomEventEndpoints
from tessera.http.client.rooms import RoomEndpoints
from tessera.http.client.session import SessionEndpoints
from tessera.http.client.sync import SyncEndpoints
from tessera.http.client.user_data import UserDataEndpoints
from tessera.http.client.versions import versions
from tessera.http.docs import OPENAPI_PATH, openapi
from tessera.http.fast import FastRoute
from tessera.http.health import HealthEndpoint

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
    session: SessionEndpoints
    discovery: DiscoveryEndpoints
    health: HealthEndpoint
    admin: AdminEndpoints
    rooms: RoomEndpoints
    room_events: RoomEventEndpoints
    directory: DirectoryEndpoints
    sync: SyncEndpoints
    #: Filters, account data, push rules, receipts, typing, presence (issue 14).
    user_data: UserDataEndpoints | None = None
    #: Whether POST /login/get_token is served (login_via_existing_session.enabled).
    get_token: bool = False


def routes(e: Endpoints) -> list[BaseRoute]:
    table: list[BaseRoute] = [
        Route("/_matrix/client/versions", versions, methods=["GET"]),
        Route("/.well-known/matrix/client", e.discovery.well_known, methods=["GET"]),
        Route("/health", e.health.health, methods=["GET"]),
        Route(OPENAPI_PATH, openapi, methods=["GET"]),
    ]
    for prefix in (*CLIENT_PREFIXES, LEGACY_LOGIN_PREFIX):
        table += [
            Route(f"{prefix}/login", e.login.flows, methods=["GET"]),
            Route(f"{prefix}/login", e.login.login, methods=["POST"]),
        ]
    profile = "/profile/{user_id}"
    field = profile + "/{field:profile_field}"
    for prefix in CLIENT_PREFIXES:
        table += [
            Route(f"{prefix}/refresh", e.session.refresh, methods=["POST"]),
            Route(f"{prefix}/account/whoami", e.account.whoami, methods=["GET"]),
            Route(f"{prefix}/account/3pid", e.account.threepids, methods=["GET"]),
            Route(f"{prefix}/account/deactivate", e.account.deactivate, methods=["POST"]),
            Route(f"{prefix}/logout", e.account.logout, methods=["POST"]),
            Route(f"{prefix}/logout/all", e.account.logout_all, methods=["POST"]),
            Route(f"{prefix}/capabilities", e.discovery.capabilities, methods=["GET"]),
            Route(f"{prefix}/devices", e.devices.list, methods=["GET"]),
            Route(f"{prefix}/devices/{{device_id}}", e.devices.get, methods=["GET"]),
            Route(f"{prefix}/devices/{{device_id}}", e.devices.update, methods=["PUT"]),
            Route(f"{prefix}/devices/{{device_id}}", e.devices.delete, methods=["DELETE"]),
            Route(f"{prefix}/delete_devices", e.devices.delete_many, methods=["POST"]),
            Route(f"{prefix}{profile}", e.profile.profile, methods=["GET"]),
            Route(f"{prefix}{field}", e.profile.get_field, methods=["GET"]),
            Route(f"{prefix}{field}", e.profile.set_field, methods=["PUT"]),
            Route(f"{prefix}/sync", e.sync.sync, methods=["GET"]),
        ]
        table += _room_routes(e, prefix)
        if e.user_data is not None:
            table += _account_data_routes(prefix, e.user_data)
    admin = "/_synapse/admin"
    user = "/users/{user_id}"
    table += [
        Route(f"{admin}/v1/server_version", e.admin.server_version, methods=["GET"]),
        Route(f"{admin}/v2/users", e.admin.list_users, methods=["GET"]),
        Route(f"{admin}/v2{user}", e.admin.get_user, methods=["GET"]),
        Route(f"{admin}/v2{user}", e.admin.put_user, methods=["PUT"]),
        Route(f"{admin}/v1/deactivate/{{user_id}}", e.admin.deactivate, methods=["POST"]),
        Route(f"{admin}/v1/whois/{{user_id}}", e.admin.whois, methods=["GET"]),
        Route(f"{admin}/v1{user}/login", e.admin.login_as, methods=["POST"]),
        Route(f"{admin}/v2{user}/devices", e.admin.devices, methods=["GET"]),
        Route(f"{admin}/v2{user}/devices/{{device_id}}", e.admin.device, methods=["GET"]),
        Route(f"{admin}/v2{user}/devices/{{device_id}}", e.admin.delete_device, methods=["DELETE"]),
        Route(
            f"{admin}/v1/auth_providers/{{provider}}/users/{{external_id}}",
            e.admin.user_by_external_id,
            methods=["GET"],
        ),
    ]
    if e.get_token:
        # Spec v1.7 put this endpoint under v1 only.
        table.append(
            Route("/_matrix/client/v1/login/get_token", e.session.get_token, methods=["POST"])
        )
    return table


def _room_routes(e: Endpoints, prefix: str) -> list[BaseRoute]:
    """Rooms, their events and the directory (issue 14) under one client prefix."""
    room = f"{prefix}/rooms/{{room_id}}"
    state = f"{room}/state/{{event_type}}"
    alias = f"{prefix}/directory/room/{{alias}}"
    r, ev, d = e.rooms, e.room_events, e.directory
    table: list[BaseRoute] = [
        Route(f"{prefix}/createRoom", r.create_room, methods=["POST"]),
        Route(f"{prefix}/join/{{room_id_or_alias}}", r.join, methods=["POST"]),
        Route(f"{prefix}/joined_rooms", r.joined_rooms, methods=["GET"]),
        Route(f"{prefix}/publicRooms", d.public_rooms, methods=["GET"]),
        Route(f"{prefix}/publicRooms", d.search_public_rooms, methods=["POST"]),
        Route(alias, d.get_alias, methods=["GET"]),
        Route(alias, d.put_alias, methods=["PUT"]),
        Route(alias, d.delete_alias, methods=["DELETE"]),
        Route(f"{prefix}/directory/list/room/{{room_id}}", d.get_visibility, methods=["GET"]),
        Route(f"{prefix}/directory/list/room/{{room_id}}", d.put_visibility, methods=["PUT"]),
        Route(f"{room}/aliases", d.room_aliases, methods=["GET"]),
        Route(f"{room}/members", r.members, methods=["GET"]),
        Route(f"{room}/joined_members", r.joined_members, methods=["GET"]),
        Route(f"{room}/send/{{event_type}}/{{txn_id}}", ev.send, methods=["PUT"]),
        Route(f"{room}/state", ev.get_state, methods=["GET"]),
        Route(state, ev.get_state, methods=["GET"]),
        Route(state, ev.put_state, methods=["PUT"]),
        # {state_key:path} also matches "" so `/state/{type}/` (a trailing slash) works.
        Route(f"{state}/{{state_key:path}}", ev.get_state, methods=["GET"]),
        Route(f"{state}/{{state_key:path}}", ev.put_state, methods=["PUT"]),
        Route(f"{room}/redact/{{event_id}}/{{txn_id}}", ev.redact, methods=["PUT"]),
        Route(f"{room}/event/{{event_id}}", ev.event, methods=["GET"]),
        Route(f"{room}/messages", ev.messages, methods=["GET"]),
        Route(f"{room}/context/{{event_id}}", ev.context, methods=["GET"]),
    ]
    for action in ("join", "invite", "leave", "forget", "kick", "ban", "unban"):
        table.append(Route(f"{room}/{action}", getattr(r, action), methods=["POST"]))
    return table


def _account_data_routes(prefix: str, e: UserDataEndpoints) -> list[BaseRoute]:
    """The per-user data clients use before and around /sync, under one client prefix."""
    user = f"{prefix}/user/{{user_id}}"
    room = f"{prefix}/rooms/{{room_id}}"
    rule = f"{prefix}/pushrules/global/{{kind}}/{{rule_id}}"
    return [
        Route(f"{user}/filter", e.filters.create, methods=["POST"]),
        Route(f"{user}/filter/{{filter_id}}", e.filters.get, methods=["GET"]),
        Route(f"{user}/account_data/{{type}}", e.account_data.get, methods=["GET"]),
        Route(f"{user}/account_data/{{type}}", e.account_data.put, methods=["PUT"]),
        Route(
            f"{user}/rooms/{{room_id}}/account_data/{{type}}", e.account_data.get, methods=["GET"]
        ),
        Route(
            f"{user}/rooms/{{room_id}}/account_data/{{type}}", e.account_data.put, methods=["PUT"]
        ),
        Route(f"{prefix}/pushrules/", e.push_rules.all, methods=["GET"]),
        Route(f"{prefix}/pushrules/global/", e.push_rules.scope, methods=["GET"]),
        Route(rule, e.push_rules.get, methods=["GET"]),
        Route(rule, e.push_rules.put, methods=["PUT"]),
        Route(rule, e.push_rules.delete, methods=["DELETE"]),
        Route(f"{rule}/enabled", e.push_rules.get_attribute, methods=["GET"]),
        Route(f"{rule}/enabled", e.push_rules.set_attribute, methods=["PUT"]),
        Route(f"{rule}/actions", e.push_rules.get_attribute, methods=["GET"]),
        Route(f"{rule}/actions", e.push_rules.set_attribute, methods=["PUT"]),
        Route(
            f"{room}/receipt/{{receipt_type}}/{{event_id}}", e.receipts.receipt, methods=["POST"]
        ),
        Route(f"{room}/read_markers", e.receipts.read_markers, methods=["POST"]),
        Route(f"{room}/typing/{{user_id}}", e.receipts.typing, methods=["PUT"]),
        Route(f"{prefix}/presence/{{user_id}}/status", e.presence.get, methods=["GET"]),
        Route(f"{prefix}/presence/{{user_id}}/status", e.presence.put, methods=["PUT"]),
    ]


def fast_routes(e: Endpoints) -> dict[tuple[str, str], FastRoute]:
    """(path, method) → the routes ``Frontend`` answers itself, past Starlette's layers.

    The hottest: login and whoami. Each is also in ``routes()`` (HEAD, and the
    route table the OpenAPI test reads, go there).
    """
    whoami = FastRoute(e.account.whoami_body, e.account.whoami)
    login = FastRoute(e.login.login_body, e.login.login)
    table = {(f"{prefix}/account/whoami", "GET"): whoami for prefix in CLIENT_PREFIXES}
    table.update(
        {(f"{prefix}/login", "POST"): login for prefix in (*CLIENT_PREFIXES, LEGACY_LOGIN_PREFIX)}
    )
    return table
