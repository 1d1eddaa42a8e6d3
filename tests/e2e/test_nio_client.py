"""matrix-nio, a real client library, against a real ``tessera run`` process.

One account-management session as a bot written with nio lives it: log in with a JWT
(``login_raw``), whoami, devices, profile, rename the device, refresh the token, re-authenticate
with a fresh JWT to delete another device (UIA stage ``org.matrix.login.jwt``), log out.
nio validates every response against its JSON schemas, so a key Tessera leaves out (or sends
with the wrong type) turns a response into nio's ``…Error`` class and fails here.

nio 0.26 has no refresh-token support of its own: it neither asks for one nor calls
``/refresh``. The test asks with ``login_raw`` and refreshes through nio's transport
(``AsyncClient.send``), then hands the new access token back to nio, as a nio bot does.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from nio import (
    AsyncClient,
    AsyncClientConfig,
    DeleteDevicesAuthResponse,
    DeleteDevicesResponse,
    DevicesResponse,
    LoginResponse,
    LogoutResponse,
    ProfileGetAvatarResponse,
    ProfileGetDisplayNameResponse,
    ProfileGetError,
    ProfileGetResponse,
    ProfileSetDisplayNameResponse,
    UpdateDeviceResponse,
    WhoamiError,
    WhoamiResponse,
)

from tests.e2e.test_quickstart import ServerProcess, assert_clean_exit
from tests.support.keys import sign

JWT_TYPE = "org.matrix.login.jwt"
USER_ID = "@alice:localhost"
#: Synapse's default refreshable_access_token_lifetime, which Tessera shares.
FIVE_MINUTES_MS = 5 * 60 * 1000
#: Fail fast: nio retries connection errors forever and sleeps on 429 unless told not to.
NIO_CONFIG = AsyncClientConfig(max_timeouts=0, max_limit_exceeded=0, request_timeout=10)


class Secrets:
    """Every credential the test sees, so none may appear in the server's output."""

    def __init__(self, jwt_secret: str) -> None:
        self.jwt_secret = jwt_secret
        self.values: list[str] = [jwt_secret]

    def keep(self, value: str) -> str:
        self.values.append(value)
        return value

    def jwt(self, subject: str = "alice") -> str:
        """A fresh HS256 JWT (its own ``jti``, so no two are the same string)."""
        claims = {"sub": subject, "iat": int(time.time()), "jti": secrets.token_hex(8)}
        return self.keep(sign(claims, self.jwt_secret))


@pytest.fixture
def credentials() -> Secrets:
    return Secrets(secrets.token_urlsafe(32))


@pytest.fixture
def server(tmp_path: Path, credentials: Secrets) -> Iterator[ServerProcess]:
    config = {
        "server_name": "localhost",
        "listeners": [
            {
                "port": 0,
                "bind_addresses": ["127.0.0.1"],
                "type": "http",
                "resources": [{"names": ["client"]}],
            }
        ],
        "database": {"name": "sqlite3", "args": {"database": "homeserver.db"}},
        "jwt_config": {
            "enabled": True,
            "secret": credentials.jwt_secret,
            "algorithm": "HS256",
        },
        # refreshable_access_token_lifetime and the other session keys: defaults.
    }
    (tmp_path / "homeserver.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    process = ServerProcess(tmp_path)
    yield process
    process.kill()


@pytest.fixture
async def nio_clients(server: ServerProcess) -> AsyncIterator[list[AsyncClient]]:
    """Where the test's nio clients go, to be closed whatever happens."""
    clients: list[AsyncClient] = []
    yield clients
    for client in clients:
        await client.close()


def new_client(clients: list[AsyncClient], homeserver: str) -> AsyncClient:
    client = AsyncClient(homeserver, config=NIO_CONFIG)
    clients.append(client)
    return client


async def raw_json(response: Any) -> dict[str, Any]:
    """The JSON body behind a nio response (nio keeps only the keys it models)."""
    assert response.transport_response is not None
    body = await response.transport_response.json()
    assert isinstance(body, dict)
    return body


async def http_status(response: Any) -> int:
    assert response.transport_response is not None
    return int(response.transport_response.status)


async def assert_token_dead(clients: list[AsyncClient], homeserver: str, token: str) -> None:
    """``token`` gets 401 ``M_UNKNOWN_TOKEN``, seen through nio's whoami."""
    probe = new_client(clients, homeserver)
    probe.restore_login(USER_ID, "PROBE", token)
    whoami = await probe.whoami()
    assert isinstance(whoami, WhoamiError), whoami
    assert whoami.status_code == "M_UNKNOWN_TOKEN", whoami
    assert whoami.transport_response is not None
    assert whoami.transport_response.status == 401


async def post_refresh(client: AsyncClient, refresh_token: str) -> tuple[int, dict[str, Any]]:
    """``POST /refresh`` through nio's own HTTP session (nio has no refresh method)."""
    response = await client.send(
        "POST",
        "/_matrix/client/v3/refresh",
        json.dumps({"refresh_token": refresh_token}),
        {"Content-Type": "application/json"},
    )
    body = await response.json()
    assert isinstance(body, dict)
    return response.status, body


async def test_nio_session_jwt_login_devices_profile_refresh_uia_logout(
    server: ServerProcess, credentials: Secrets, nio_clients: list[AsyncClient]
) -> None:
    homeserver = server.base_url()
    client = new_client(nio_clients, homeserver)

    # Log in with a JWT, asking for a refresh token.
    login = await client.login_raw(
        {
            "type": JWT_TYPE,
            "token": credentials.jwt(),
            "refresh_token": True,
            "initial_device_display_name": "nio",
        }
    )
    assert isinstance(login, LoginResponse), login
    assert login.user_id == USER_ID
    device_id = login.device_id
    access_token = credentials.keep(login.access_token)
    assert (client.user_id, client.device_id, client.access_token) == (
        USER_ID,
        device_id,
        access_token,
    )
    login_body = await raw_json(login)
    assert login_body["home_server"] == "localhost"
    refresh_token = credentials.keep(login_body["refresh_token"])
    assert isinstance(refresh_token, str) and refresh_token != access_token
    assert 0 < login_body["expires_in_ms"] <= FIVE_MINUTES_MS

    # whoami
    whoami = await client.whoami()
    assert isinstance(whoami, WhoamiResponse), whoami
    assert (whoami.user_id, whoami.device_id, whoami.is_guest) == (USER_ID, device_id, False)

    # devices: nio requires device_id, display_name, last_seen_ip and last_seen_ts.
    devices = await client.devices()
    assert isinstance(devices, DevicesResponse), devices
    assert [(d.id, d.display_name) for d in devices.devices] == [(device_id, "nio")]

    # profile: a JWT user's display name starts as its localpart.
    profile = await client.get_profile()
    assert isinstance(profile, ProfileGetResponse), profile
    assert (profile.displayname, profile.avatar_url, profile.other_info) == ("alice", None, {})
    displayname = await client.get_displayname()
    assert isinstance(displayname, ProfileGetDisplayNameResponse), displayname
    assert displayname.displayname == "alice"
    set_name = await client.set_displayname("Alice Liddell")
    assert isinstance(set_name, ProfileSetDisplayNameResponse), set_name
    displayname = await client.get_displayname()
    assert isinstance(displayname, ProfileGetDisplayNameResponse), displayname
    assert displayname.displayname == "Alice Liddell"

    # Rename the device.
    renamed = await client.update_device(device_id, {"display_name": "renamed"})
    assert isinstance(renamed, UpdateDeviceResponse), renamed
    devices = await client.devices()
    assert isinstance(devices, DevicesResponse), devices
    assert [(d.id, d.display_name) for d in devices.devices] == [(device_id, "renamed")]

    # Refresh: a new pair; the new access token is nio's from now on.
    status, refreshed = await post_refresh(client, refresh_token)
    assert status == 200, refreshed
    assert set(refreshed) == {"access_token", "refresh_token", "expires_in_ms"}
    new_access_token = credentials.keep(refreshed["access_token"])
    new_refresh_token = credentials.keep(refreshed["refresh_token"])
    assert new_access_token != access_token and new_refresh_token != refresh_token
    assert 0 < refreshed["expires_in_ms"] <= FIVE_MINUTES_MS
    client.access_token = new_access_token
    whoami = await client.whoami()
    assert isinstance(whoami, WhoamiResponse), whoami
    assert (whoami.user_id, whoami.device_id) == (USER_ID, device_id)
    # Using the new pair retired the old one.
    await assert_token_dead(nio_clients, homeserver, access_token)
    status, reused = await post_refresh(client, refresh_token)
    assert (status, reused["errcode"]) == (401, "M_UNKNOWN_TOKEN"), reused

    # A second device for the same user, from a second nio client.
    other = new_client(nio_clients, homeserver)
    other_login = await other.login_raw(
        {"type": JWT_TYPE, "token": credentials.jwt(), "initial_device_display_name": "old phone"}
    )
    assert isinstance(other_login, LoginResponse), other_login
    other_device = other_login.device_id
    other_token = credentials.keep(other_login.access_token)
    assert other_device != device_id
    assert "refresh_token" not in await raw_json(other_login)
    devices = await client.devices()
    assert isinstance(devices, DevicesResponse), devices
    assert sorted((d.id, d.display_name) for d in devices.devices) == sorted(
        [(device_id, "renamed"), (other_device, "old phone")]
    )

    # Deleting it asks for user-interactive auth; the JWT stage is offered.
    challenge = await client.delete_devices([other_device])
    assert isinstance(challenge, DeleteDevicesAuthResponse), challenge
    assert challenge.flows == [{"stages": [JWT_TYPE]}]
    assert challenge.params == {}
    assert isinstance(challenge.session, str) and challenge.session
    assert challenge.transport_response is not None
    assert challenge.transport_response.status == 401
    assert "completed" not in await raw_json(challenge)
    whoami = await other.whoami()
    assert isinstance(whoami, WhoamiResponse), whoami  # nothing deleted yet

    # A fresh JWT for the same user completes the stage and the deletion.
    deleted = await client.delete_devices(
        [other_device],
        auth={"type": JWT_TYPE, "token": credentials.jwt(), "session": challenge.session},
    )
    assert isinstance(deleted, DeleteDevicesResponse), deleted
    await assert_token_dead(nio_clients, homeserver, other_token)
    devices = await client.devices()
    assert isinstance(devices, DevicesResponse), devices
    assert [(d.id, d.display_name) for d in devices.devices] == [(device_id, "renamed")]

    # Log out: nio forgets the token, the server kills it.
    logout = await client.logout()
    assert isinstance(logout, LogoutResponse), logout
    assert client.access_token == ""
    await assert_token_dead(nio_clients, homeserver, new_access_token)
    status, after_logout = await post_refresh(client, new_refresh_token)
    assert (status, after_logout["errcode"]) == (401, "M_UNKNOWN_TOKEN"), after_logout

    assert_clean_exit(server)
    output = server.output
    leaked = [i for i, value in enumerate(credentials.values) if value in output]
    assert leaked == [], "credentials (by index) found in the server's output"


async def test_nio_reads_unset_profile_fields_as_none(
    server: ServerProcess, credentials: Secrets, nio_clients: list[AsyncClient]
) -> None:
    """An unset display name or avatar is ``{"<field>": null}`` with 200, as Synapse sends.

    nio's ``get_displayname`` / ``get_avatar`` schemas require the key (null allowed); a
    missing key or a 404 turns into ``ProfileGetDisplayNameError`` / ``ProfileGetAvatarError``
    instead of a response whose value is None.
    """
    client = new_client(nio_clients, server.base_url())
    login = await client.login_raw({"type": JWT_TYPE, "token": credentials.jwt()})
    assert isinstance(login, LoginResponse), login
    credentials.keep(login.access_token)

    # A JWT user starts with its localpart as display name and no avatar; clearing the
    # display name ("" clears it, in Synapse too) leaves it unset.
    cleared = await client.set_displayname("")
    assert isinstance(cleared, ProfileSetDisplayNameResponse), cleared
    avatar = await client.get_avatar()
    displayname = await client.get_displayname()
    profile = await client.get_profile()

    # Both fields checked before failing, so one run reports both.
    seen = {
        "avatar_url": (type(avatar).__name__, await http_status(avatar), await raw_json(avatar)),
        "displayname": (
            type(displayname).__name__,
            await http_status(displayname),
            await raw_json(displayname),
        ),
    }
    assert seen == {
        "avatar_url": ("ProfileGetAvatarResponse", 200, {"avatar_url": None}),
        "displayname": ("ProfileGetDisplayNameResponse", 200, {"displayname": None}),
    }
    assert isinstance(avatar, ProfileGetAvatarResponse) and avatar.avatar_url is None
    assert isinstance(displayname, ProfileGetDisplayNameResponse)
    assert displayname.displayname is None
    # An entirely empty profile is 404 M_NOT_FOUND in Synapse too (nio: ProfileGetError).
    assert isinstance(profile, ProfileGetError), profile
    assert profile.status_code == "M_NOT_FOUND"

    assert_clean_exit(server)
    output = server.output
    leaked = [i for i, value in enumerate(credentials.values) if value in output]
    assert leaked == [], "credentials (by index) found in the server's output"
