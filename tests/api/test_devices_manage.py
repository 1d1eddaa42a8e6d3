"""Managing devices: ``/devices[/{deviceId}]``, ``/delete_devices`` and the UIA that guards them.

Deleting devices is a user-interactive-auth request. A JWT-only user
re-authenticates with the ``org.matrix.login.jwt`` stage (a fresh JWT for the
same user); a user with a password may also use ``m.login.password``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tessera.config import PasswordConfig
from tests.api.support import (
    CLIENT_PREFIXES,
    DELETE_DEVICES,
    DEVICES,
    JWT_TYPE,
    PASSWORD_TYPE,
    ManualClock,
    assert_auth_required,
    assert_error,
    bearer,
    device_ids,
    jwt_auth,
    password_auth,
    seed_jwt,
    set_password,
    whoami,
)
from tests.conftest import LiveServer, StartServer

DEVICE_KEYS = {"user_id", "device_id", "display_name", "last_seen_ip", "last_seen_ts"}
OPERATION_CHANGED = "Requested operation has changed during the UI authentication session."


def device_path(device_id: str, prefix: str = "/_matrix/client/v3") -> str:
    return f"{prefix}/devices/{device_id}"


async def login(server: LiveServer, localpart: str, device_id: str, **fields: Any) -> str:
    return await server.access_token(seed_jwt({"sub": localpart}), device_id=device_id, **fields)


async def delete_device(
    server: LiveServer, access_token: str, device_id: str, auth: dict[str, Any] | None = None
) -> httpx.Response:
    body = {} if auth is None else {"auth": auth}
    return await server.client.request(
        "DELETE", device_path(device_id), headers=bearer(access_token), json=body
    )


async def delete_devices(
    server: LiveServer,
    access_token: str,
    devices: list[str],
    auth: dict[str, Any] | None = None,
) -> httpx.Response:
    body: dict[str, Any] = {"devices": devices}
    if auth is not None:
        body["auth"] = auth
    return await server.client.post(DELETE_DEVICES, headers=bearer(access_token), json=body)


def assert_unknown_token(response: httpx.Response) -> None:
    assert_error(response, 401, "M_UNKNOWN_TOKEN")


@pytest.fixture
async def password_server(start_server: StartServer) -> AsyncIterator[LiveServer]:
    """A server with password login (and so the ``m.login.password`` UIA stage) on."""
    async with start_server(password=PasswordConfig(enabled=True), bcrypt_rounds=4) as live:
        yield live


# --- listing and last seen -------------------------------------------------------------------


async def test_every_listed_device_carries_the_spec_keys_even_when_null(
    server: LiveServer,
) -> None:
    """nio requires ``last_seen_ip`` and ``last_seen_ts`` to be present, null or not."""
    await login(server, "alice", "IDLE")
    access_token = await login(server, "alice", "BUSY")

    response = await server.client.get(DEVICES, headers=bearer(access_token))

    assert response.status_code == 200, response.text
    devices = {device["device_id"]: device for device in response.json()["devices"]}
    assert set(devices) == {"IDLE", "BUSY"}
    for device in devices.values():
        assert set(device) == DEVICE_KEYS
    assert devices["IDLE"]["last_seen_ip"] is None
    assert devices["IDLE"]["last_seen_ts"] is None


async def test_last_seen_is_set_by_an_authenticated_request(start_server: StartServer) -> None:
    clock = ManualClock()
    async with start_server(clock=clock) as live:
        phone = await login(live, "alice", "PHONE")
        laptop = await login(live, "alice", "LAPTOP")
        assert (await whoami(live, phone)).status_code == 200
        seen_at = clock.ms()
        clock.advance(60)

        response = await live.client.get(device_path("PHONE"), headers=bearer(laptop))

    assert response.status_code == 200, response.text
    assert response.json()["last_seen_ip"] == "127.0.0.1"
    assert response.json()["last_seen_ts"] == seen_at


async def test_last_seen_follows_the_latest_request(start_server: StartServer) -> None:
    clock = ManualClock()
    async with start_server(clock=clock) as live:
        phone = await login(live, "alice", "PHONE")
        laptop = await login(live, "alice", "LAPTOP")
        await whoami(live, phone)
        clock.advance(3600)
        await whoami(live, phone)
        later = clock.ms()

        response = await live.client.get(DEVICES, headers=bearer(laptop))

    devices = {device["device_id"]: device for device in response.json()["devices"]}
    assert devices["PHONE"]["last_seen_ts"] == later
    # The listing request itself is a sighting of the laptop.
    assert devices["LAPTOP"]["last_seen_ts"] == later
    assert devices["LAPTOP"]["last_seen_ip"] == "127.0.0.1"


# --- one device ------------------------------------------------------------------------------


@pytest.mark.parametrize("prefix", CLIENT_PREFIXES)
async def test_get_device_describes_it(server: LiveServer, prefix: str) -> None:
    await login(server, "alice", "PHONE", initial_device_display_name="Alice's phone")
    access_token = await login(server, "alice", "LAPTOP")

    response = await server.client.get(device_path("PHONE", prefix), headers=bearer(access_token))

    assert response.status_code == 200, response.text
    assert response.json() == {
        "user_id": "@alice:test.local",
        "device_id": "PHONE",
        "display_name": "Alice's phone",
        "last_seen_ip": None,
        "last_seen_ts": None,
    }


async def test_get_unknown_device_is_not_found(server: LiveServer) -> None:
    access_token = await login(server, "alice", "PHONE")

    response = await server.client.get(device_path("NOPE"), headers=bearer(access_token))

    assert_error(response, 404, "M_NOT_FOUND", "No device found")


async def test_get_another_users_device_is_not_found(server: LiveServer) -> None:
    await login(server, "bob", "BOBS")
    access_token = await login(server, "alice", "PHONE")

    response = await server.client.get(device_path("BOBS"), headers=bearer(access_token))

    assert_error(response, 404, "M_NOT_FOUND", "No device found")


@pytest.mark.parametrize("prefix", CLIENT_PREFIXES)
async def test_put_device_renames_it(server: LiveServer, prefix: str) -> None:
    access_token = await login(server, "alice", "PHONE", initial_device_display_name="old")

    response = await server.client.put(
        device_path("PHONE", prefix), headers=bearer(access_token), json={"display_name": "new"}
    )

    assert response.status_code == 200, response.text
    assert response.json() == {}
    device = (await server.client.get(device_path("PHONE"), headers=bearer(access_token))).json()
    assert device["display_name"] == "new"


async def test_put_without_display_name_leaves_the_name_unchanged(server: LiveServer) -> None:
    """Spec: "If not given, the display name is unchanged." (Synapse agrees)."""
    access_token = await login(server, "alice", "PHONE", initial_device_display_name="Phone")

    response = await server.client.put(device_path("PHONE"), headers=bearer(access_token), json={})

    assert response.status_code == 200, response.text
    device = (await server.client.get(device_path("PHONE"), headers=bearer(access_token))).json()
    assert device["display_name"] == "Phone"


async def test_put_unknown_device_is_not_found(server: LiveServer) -> None:
    access_token = await login(server, "alice", "PHONE")

    response = await server.client.put(
        device_path("NOPE"), headers=bearer(access_token), json={"display_name": "x"}
    )

    assert_error(response, 404, "M_NOT_FOUND")
    assert await device_ids(server, access_token) == ["PHONE"]


async def test_put_another_users_device_is_not_found_and_leaves_it_alone(
    server: LiveServer,
) -> None:
    bob = await login(server, "bob", "BOBS", initial_device_display_name="Bob's")
    alice = await login(server, "alice", "PHONE")

    response = await server.client.put(
        device_path("BOBS"), headers=bearer(alice), json={"display_name": "pwned"}
    )

    assert_error(response, 404, "M_NOT_FOUND")
    device = (await server.client.get(device_path("BOBS"), headers=bearer(bob))).json()
    assert device["display_name"] == "Bob's"


async def test_put_display_name_over_100_characters_is_too_large(server: LiveServer) -> None:
    access_token = await login(server, "alice", "PHONE", initial_device_display_name="Phone")

    response = await server.client.put(
        device_path("PHONE"), headers=bearer(access_token), json={"display_name": "x" * 101}
    )

    assert_error(response, 400, "M_TOO_LARGE", "Device display name is too long (max 100)")
    device = (await server.client.get(device_path("PHONE"), headers=bearer(access_token))).json()
    assert device["display_name"] == "Phone"


@pytest.mark.parametrize("name", [1, ["x"], {"x": "y"}, True], ids=repr)
async def test_put_non_string_display_name_is_a_bad_request(server: LiveServer, name: Any) -> None:
    access_token = await login(server, "alice", "PHONE", initial_device_display_name="Phone")

    response = await server.client.put(
        device_path("PHONE"), headers=bearer(access_token), json={"display_name": name}
    )

    assert response.status_code == 400, response.text
    device = (await server.client.get(device_path("PHONE"), headers=bearer(access_token))).json()
    assert device["display_name"] == "Phone"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", device_path("PHONE")),
        ("PUT", device_path("PHONE")),
        ("DELETE", device_path("PHONE")),
        ("POST", DELETE_DEVICES),
    ],
)
async def test_device_endpoints_need_an_access_token(
    server: LiveServer, method: str, path: str
) -> None:
    response = await server.client.request(method, path, json={"devices": ["PHONE"]})

    assert_error(response, 401, "M_MISSING_TOKEN")


# --- DELETE /devices/{deviceId}: the UIA dance -----------------------------------------------


@pytest.mark.parametrize("prefix", CLIENT_PREFIXES)
async def test_delete_device_first_answers_401_with_the_jwt_flow(
    server: LiveServer, prefix: str
) -> None:
    await login(server, "alice", "OLD")
    access_token = await login(server, "alice", "KEEP")

    response = await server.client.request(
        "DELETE", device_path("OLD", prefix), headers=bearer(access_token), json={}
    )

    assert_auth_required(response)
    assert await device_ids(server, access_token) == ["KEEP", "OLD"]


async def test_delete_device_without_a_body_asks_for_auth(server: LiveServer) -> None:
    """Older clients send DELETE with no body; Synapse reads it as ``{}``."""
    access_token = await login(server, "alice", "KEEP")

    response = await server.client.delete(device_path("KEEP"), headers=bearer(access_token))

    assert_auth_required(response)


async def test_fresh_jwt_for_the_same_user_deletes_the_device_and_its_tokens(
    server: LiveServer,
) -> None:
    old = await login(server, "alice", "OLD")
    keep = await login(server, "alice", "KEEP")
    session = assert_auth_required(await delete_device(server, keep, "OLD"))

    response = await delete_device(server, keep, "OLD", jwt_auth("alice", session))

    assert response.status_code == 200, response.text
    assert response.json() == {}
    assert_unknown_token(await whoami(server, old))
    assert await device_ids(server, keep) == ["KEEP"]


async def test_deleting_the_current_device_ends_its_session(server: LiveServer) -> None:
    access_token = await login(server, "alice", "SELF")
    session = assert_auth_required(await delete_device(server, access_token, "SELF"))

    response = await delete_device(server, access_token, "SELF", jwt_auth("alice", session))

    assert response.status_code == 200, response.text
    assert_unknown_token(await whoami(server, access_token))


async def test_auth_on_the_first_request_needs_no_prior_session(server: LiveServer) -> None:
    await login(server, "alice", "OLD")
    keep = await login(server, "alice", "KEEP")

    response = await delete_device(server, keep, "OLD", jwt_auth("alice"))

    assert response.status_code == 200, response.text
    assert await device_ids(server, keep) == ["KEEP"]


async def test_deleting_an_unknown_device_after_auth_succeeds(server: LiveServer) -> None:
    """Spec: 200 when the device "was successfully removed, or had been removed previously"."""
    keep = await login(server, "alice", "KEEP")

    response = await delete_device(server, keep, "GONE", jwt_auth("alice"))

    assert response.status_code == 200, response.text
    assert await device_ids(server, keep) == ["KEEP"]


async def test_deleting_another_users_device_id_leaves_their_device_alone(
    server: LiveServer,
) -> None:
    bob = await login(server, "bob", "SHARED")
    await login(server, "alice", "SHARED")
    alice = await login(server, "alice", "KEEP")

    response = await delete_device(server, alice, "SHARED", jwt_auth("alice"))

    assert response.status_code == 200, response.text
    assert await device_ids(server, alice) == ["KEEP"]
    assert (await whoami(server, bob)).status_code == 200


async def test_jwt_for_another_user_is_invalid_auth(server: LiveServer) -> None:
    old = await login(server, "alice", "OLD")
    keep = await login(server, "alice", "KEEP")
    await login(server, "bob", "BOBS")
    session = assert_auth_required(await delete_device(server, keep, "OLD"))

    response = await delete_device(server, keep, "OLD", jwt_auth("bob", session))

    assert_error(response, 403, "M_FORBIDDEN", "Invalid auth")
    assert (await whoami(server, old)).status_code == 200


async def test_bad_jwt_answers_401_with_the_error_and_the_flows(server: LiveServer) -> None:
    old = await login(server, "alice", "OLD")
    keep = await login(server, "alice", "KEEP")
    session = assert_auth_required(await delete_device(server, keep, "OLD"))
    bad = {"type": JWT_TYPE, "token": "not.a.jwt", "session": session}

    response = await delete_device(server, keep, "OLD", bad)

    assert response.status_code == 401, response.text
    body = response.json()
    assert body["errcode"] == "M_FORBIDDEN"
    assert body["error"].startswith("JWT validation failed: "), body
    assert body["flows"] == [{"stages": [JWT_TYPE]}]
    assert body["params"] == {}
    assert body["session"] == session
    assert (await whoami(server, old)).status_code == 200


async def test_client_can_retry_the_session_after_a_bad_jwt(server: LiveServer) -> None:
    old = await login(server, "alice", "OLD")
    keep = await login(server, "alice", "KEEP")
    session = assert_auth_required(await delete_device(server, keep, "OLD"))
    wrong_secret = {"type": JWT_TYPE, "token": "e30.e30.e30", "session": session}
    assert (await delete_device(server, keep, "OLD", wrong_secret)).status_code == 401

    response = await delete_device(server, keep, "OLD", jwt_auth("alice", session))

    assert response.status_code == 200, response.text
    assert_unknown_token(await whoami(server, old))


async def test_unknown_session_is_a_bad_request(server: LiveServer) -> None:
    old = await login(server, "alice", "OLD")
    keep = await login(server, "alice", "KEEP")

    response = await delete_device(server, keep, "OLD", jwt_auth("alice", "no-such-session"))

    assert_error(response, 400, "M_UNKNOWN", "Unknown session ID: no-such-session")
    assert (await whoami(server, old)).status_code == 200


async def test_session_started_for_one_device_cannot_delete_another(server: LiveServer) -> None:
    first = await login(server, "alice", "FIRST")
    second = await login(server, "alice", "SECOND")
    keep = await login(server, "alice", "KEEP")
    session = assert_auth_required(await delete_device(server, keep, "FIRST"))

    response = await delete_device(server, keep, "SECOND", jwt_auth("alice", session))

    # Synapse sends this 403 with M_UNKNOWN; a 403 reads better as M_FORBIDDEN.
    assert_error(response, 403, "M_FORBIDDEN", OPERATION_CHANGED)
    assert (await whoami(server, first)).status_code == 200
    assert (await whoami(server, second)).status_code == 200


async def test_session_started_for_delete_device_cannot_serve_delete_devices(
    server: LiveServer,
) -> None:
    old = await login(server, "alice", "OLD")
    keep = await login(server, "alice", "KEEP")
    session = assert_auth_required(await delete_device(server, keep, "OLD"))

    response = await delete_devices(server, keep, ["OLD"], jwt_auth("alice", session))

    assert_error(response, 403, "M_FORBIDDEN", OPERATION_CHANGED)
    assert (await whoami(server, old)).status_code == 200


# --- POST /delete_devices --------------------------------------------------------------------


async def test_delete_devices_first_answers_401_with_the_jwt_flow(server: LiveServer) -> None:
    await login(server, "alice", "OLD")
    keep = await login(server, "alice", "KEEP")

    response = await delete_devices(server, keep, ["OLD"])

    assert_auth_required(response)
    assert await device_ids(server, keep) == ["KEEP", "OLD"]


@pytest.mark.parametrize("prefix", CLIENT_PREFIXES)
async def test_delete_devices_removes_exactly_the_listed_devices_of_the_user(
    server: LiveServer, prefix: str
) -> None:
    one = await login(server, "alice", "ONE")
    two = await login(server, "alice", "TWO")
    keep = await login(server, "alice", "KEEP")
    bob = await login(server, "bob", "ONE")
    path = f"{prefix}/delete_devices"
    devices = ["ONE", "TWO", "NEVER"]
    first = await server.client.post(path, headers=bearer(keep), json={"devices": devices})
    session = assert_auth_required(first)

    response = await server.client.post(
        path, headers=bearer(keep), json={"devices": devices, "auth": jwt_auth("alice", session)}
    )

    assert response.status_code == 200, response.text
    assert response.json() == {}
    assert await device_ids(server, keep) == ["KEEP"]
    assert_unknown_token(await whoami(server, one))
    assert_unknown_token(await whoami(server, two))
    assert (await whoami(server, bob)).json()["device_id"] == "ONE"


async def test_delete_devices_with_a_jwt_for_another_user_is_invalid_auth(
    server: LiveServer,
) -> None:
    old = await login(server, "alice", "OLD")
    keep = await login(server, "alice", "KEEP")

    response = await delete_devices(server, keep, ["OLD"], jwt_auth("bob"))

    assert_error(response, 403, "M_FORBIDDEN", "Invalid auth")
    assert (await whoami(server, old)).status_code == 200


@pytest.mark.parametrize("devices", [None, "OLD", [1], [["OLD"]]], ids=repr)
async def test_delete_devices_needs_a_list_of_device_ids(server: LiveServer, devices: Any) -> None:
    old = await login(server, "alice", "OLD")
    keep = await login(server, "alice", "KEEP")
    body: dict[str, Any] = {"auth": jwt_auth("alice")}
    if devices is not None:
        body["devices"] = devices

    response = await server.client.post(DELETE_DEVICES, headers=bearer(keep), json=body)

    assert_error(response, 400, "M_BAD_JSON")
    assert (await whoami(server, old)).status_code == 200


@pytest.mark.parametrize("confusable", ["\u212aermit", "\u212aERMIT"], ids=ascii)
async def test_a_kelvin_sign_subject_does_not_reauthenticate_as_the_ascii_user(
    server: LiveServer, confusable: str
) -> None:
    """The UIA JWT stage folds case as login does (ASCII only): KELVIN SIGN is not a k."""
    await login(server, "kermit", "OLD")
    keep = await login(server, "kermit", "KEEP")
    session = assert_auth_required(await delete_device(server, keep, "OLD"))
    auth = {"type": JWT_TYPE, "token": seed_jwt({"sub": confusable}), "session": session}

    response = await delete_device(server, keep, "OLD", auth)

    # A failed stage is the UIA body with M_FORBIDDEN (issue 13.9), naming the username rule.
    assert response.status_code == 401, response.text
    assert response.json().get("errcode") == "M_FORBIDDEN", response.text
    assert "User ID can only contain" in response.json()["error"]
    assert await device_ids(server, keep) == ["KEEP", "OLD"]


# --- the m.login.password stage --------------------------------------------------------------


async def test_password_stage_is_offered_to_a_user_with_a_password(
    password_server: LiveServer,
) -> None:
    keep = await login(password_server, "alice", "KEEP")
    await set_password(password_server, "alice", "correct horse")

    response = await delete_device(password_server, keep, "OLD")

    assert_auth_required(response, (JWT_TYPE, PASSWORD_TYPE))


async def test_password_stage_is_not_offered_to_a_user_without_one(
    password_server: LiveServer,
) -> None:
    keep = await login(password_server, "alice", "KEEP")

    assert_auth_required(await delete_device(password_server, keep, "OLD"))


async def test_password_stage_is_not_offered_when_password_login_is_disabled(
    server: LiveServer,
) -> None:
    keep = await login(server, "alice", "KEEP")
    await set_password(server, "alice", "correct horse")

    assert_auth_required(await delete_device(server, keep, "OLD"))


@pytest.mark.parametrize("user", ["alice", "@alice:test.local"])
async def test_password_stage_deletes_the_device(password_server: LiveServer, user: str) -> None:
    old = await login(password_server, "alice", "OLD")
    keep = await login(password_server, "alice", "KEEP")
    await set_password(password_server, "alice", "correct horse")
    session = assert_auth_required(
        await delete_device(password_server, keep, "OLD"), (JWT_TYPE, PASSWORD_TYPE)
    )

    response = await delete_device(
        password_server, keep, "OLD", password_auth(user, "correct horse", session)
    )

    assert response.status_code == 200, response.text
    assert_unknown_token(await whoami(password_server, old))


async def test_wrong_password_answers_401_with_the_error_and_the_flows(
    password_server: LiveServer,
) -> None:
    old = await login(password_server, "alice", "OLD")
    keep = await login(password_server, "alice", "KEEP")
    await set_password(password_server, "alice", "correct horse")
    session = assert_auth_required(
        await delete_device(password_server, keep, "OLD"), (JWT_TYPE, PASSWORD_TYPE)
    )

    response = await delete_device(
        password_server, keep, "OLD", password_auth("alice", "wrong", session)
    )

    assert response.status_code == 401, response.text
    body = response.json()
    assert body["errcode"] == "M_FORBIDDEN"
    assert isinstance(body["error"], str)
    assert body["flows"] == [{"stages": [JWT_TYPE]}, {"stages": [PASSWORD_TYPE]}]
    assert body["session"] == session
    assert (await whoami(password_server, old)).status_code == 200


async def test_password_of_another_user_is_invalid_auth(password_server: LiveServer) -> None:
    old = await login(password_server, "alice", "OLD")
    keep = await login(password_server, "alice", "KEEP")
    await login(password_server, "bob", "BOBS")
    await set_password(password_server, "alice", "alice's")
    await set_password(password_server, "bob", "bob's")

    response = await delete_device(password_server, keep, "OLD", password_auth("bob", "bob's"))

    assert_error(response, 403, "M_FORBIDDEN", "Invalid auth")
    assert (await whoami(password_server, old)).status_code == 200


# --- odd input is a client error, never a server error ---------------------------------------


@pytest.mark.parametrize("method", ["GET", "PUT"])
async def test_device_id_with_a_nul_character_is_not_found(server: LiveServer, method: str) -> None:
    """No device ID can hold a NUL (logins refuse one), so there is no such device.

    PostgreSQL refuses NUL in text parameters: it must not reach SQL as one.
    """
    access_token = await login(server, "alice", "KEEP")

    response = await server.client.request(
        method, device_path("A%00B"), headers=bearer(access_token), json={"display_name": "x"}
    )

    assert_error(response, 404, "M_NOT_FOUND")


async def test_deleting_a_device_id_with_a_nul_character_is_not_a_server_error(
    server: LiveServer,
) -> None:
    access_token = await login(server, "alice", "KEEP")

    response = await server.client.request(
        "DELETE",
        device_path("A%00B"),
        headers=bearer(access_token),
        json={"auth": jwt_auth("alice")},
    )

    # Nothing to delete: 200 as for any unknown device (a 400 would do as well).
    assert response.status_code in (200, 400), response.text
    assert await device_ids(server, access_token) == ["KEEP"]


async def test_delete_devices_with_a_nul_character_is_not_a_server_error(
    server: LiveServer,
) -> None:
    access_token = await login(server, "alice", "KEEP")

    response = await delete_devices(server, access_token, ["A\u0000B"], jwt_auth("alice"))

    assert response.status_code in (200, 400), response.text
    assert await device_ids(server, access_token) == ["KEEP"]


@pytest.mark.parametrize("session", ["a\u0000b", "x" * 1000, 5, ["s"]], ids=repr)
async def test_malformed_session_id_is_an_unknown_session(server: LiveServer, session: Any) -> None:
    await login(server, "alice", "OLD")
    keep = await login(server, "alice", "KEEP")
    auth = {**jwt_auth("alice"), "session": session}

    response = await delete_device(server, keep, "OLD", auth)

    body = assert_error(response, 400, "M_UNKNOWN")
    assert body["error"].startswith("Unknown session ID: "), body
    assert await device_ids(server, keep) == ["KEEP", "OLD"]


async def test_non_object_auth_is_a_bad_request(server: LiveServer) -> None:
    await login(server, "alice", "OLD")
    keep = await login(server, "alice", "KEEP")

    response = await server.client.request(
        "DELETE", device_path("OLD"), headers=bearer(keep), json={"auth": "jwt please"}
    )

    assert_error(response, 400, "M_BAD_JSON")
    assert await device_ids(server, keep) == ["KEEP", "OLD"]


async def test_stage_that_is_not_offered_answers_401_with_the_flows(server: LiveServer) -> None:
    old = await login(server, "alice", "OLD")
    keep = await login(server, "alice", "KEEP")
    session = assert_auth_required(await delete_device(server, keep, "OLD"))

    response = await delete_device(server, keep, "OLD", password_auth("alice", "anything", session))

    assert response.status_code == 401, response.text
    body = response.json()
    assert body["flows"] == [{"stages": [JWT_TYPE]}]
    assert body["session"] == session
    assert isinstance(body["errcode"], str)
    assert (await whoami(server, old)).status_code == 200
