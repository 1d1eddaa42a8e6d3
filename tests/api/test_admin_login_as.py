"""``POST /_synapse/admin/v1/users/{user_id}/login``: an admin acts as a user, for support.

The token has no device, as in Synapse: whoami names no device, the user's
device lists do not show it, and logging it out ends it alone.
"""

from typing import Any

import pytest

from tests.api.support import (
    LOGOUT,
    LOGOUT_ALL,
    ManualClock,
    access_token_for,
    admin_headers,
    assert_error,
    bearer,
    count_rows,
    device_ids,
    whoami,
)
from tests.conftest import LiveServer, StartServer

ADMIN = "@root:test.local"
ALICE = "@alice:test.local"
LOGIN_AS_ALICE = f"/_synapse/admin/v1/users/{ALICE}/login"


async def _login_as(server: LiveServer, headers: dict[str, str], **body: Any) -> str:
    response = await server.client.post(LOGIN_AS_ALICE, headers=headers, json=body)
    assert response.status_code == 200, response.text
    assert list(response.json()) == ["access_token"]
    token: str = response.json()["access_token"]
    return token


async def test_non_admins_are_refused_whatever_the_body(server: LiveServer) -> None:
    alice = await access_token_for(server, "alice")
    bob = bearer(await access_token_for(server, "bob"))
    for content in (b"{}", b"", b"not json", b'{"valid_until_ms": "soon"}'):
        response = await server.client.post(LOGIN_AS_ALICE, headers=bob, content=content)
        assert response.status_code == 403
        assert response.json() == {"errcode": "M_FORBIDDEN", "error": "You are not a server admin"}
    missing = await server.client.post(LOGIN_AS_ALICE, json={})
    assert_error(missing, 401, "M_MISSING_TOKEN")
    # A user may not puppet themselves into anything either.
    own = await server.client.post(LOGIN_AS_ALICE, headers=bearer(alice), json={})
    assert own.status_code == 403


async def test_the_token_acts_as_the_user_without_a_device(server: LiveServer) -> None:
    alice = await access_token_for(server, "alice", device_id="PHONE")
    headers = await admin_headers(server)
    devices_before = await count_rows(server, "devices")

    puppet = await _login_as(server, headers)

    me = await whoami(server, puppet)
    assert me.status_code == 200
    assert me.json() == {"user_id": ALICE, "is_guest": False}
    assert await device_ids(server, puppet) == ["PHONE"]
    assert await device_ids(server, alice) == ["PHONE"]
    admin_view = await server.client.get(
        f"/_synapse/admin/v2/users/{ALICE}/devices", headers=headers
    )
    assert [d["device_id"] for d in admin_view.json()["devices"]] == ["PHONE"]
    assert await count_rows(server, "devices") == devices_before
    # Her own token is untouched and still has its device.
    assert (await whoami(server, alice)).json()["device_id"] == "PHONE"


async def test_an_empty_body_is_an_empty_object(server: LiveServer) -> None:
    await access_token_for(server, "alice")
    headers = await admin_headers(server)
    response = await server.client.post(LOGIN_AS_ALICE, headers=headers)
    assert response.status_code == 200, response.text
    assert (await whoami(server, response.json()["access_token"])).status_code == 200


async def test_valid_until_ms_ends_the_token(start_server: StartServer) -> None:
    clock = ManualClock()
    async with start_server(clock=clock) as server:
        await access_token_for(server, "alice")
        headers = await admin_headers(server)
        short = await _login_as(server, headers, valid_until_ms=clock.ms() + 60_000)
        endless = await _login_as(server, headers, valid_until_ms=None)
        assert (await whoami(server, short)).status_code == 200
        clock.advance(61)
        expired = await whoami(server, short)
        assert (await whoami(server, endless)).status_code == 200
    body = assert_error(expired, 401, "M_UNKNOWN_TOKEN", "Access token has expired")
    assert body["soft_logout"] is True


async def test_logging_out_the_token_ends_it_alone(server: LiveServer) -> None:
    alice = await access_token_for(server, "alice", device_id="PHONE")
    puppet = await _login_as(server, await admin_headers(server))
    assert (await whoami(server, puppet)).status_code == 200  # now cached

    response = await server.client.post(LOGOUT, headers=bearer(puppet), json={})

    assert response.status_code == 200
    assert_error(await whoami(server, puppet), 401, "M_UNKNOWN_TOKEN")
    assert (await whoami(server, alice)).status_code == 200
    assert await device_ids(server, alice) == ["PHONE"]


async def test_the_users_logout_all_ends_admins_tokens_too(server: LiveServer) -> None:
    alice = await access_token_for(server, "alice")
    puppet = await _login_as(server, await admin_headers(server))
    assert (await whoami(server, puppet)).status_code == 200

    await server.client.post(LOGOUT_ALL, headers=bearer(alice), json={})

    assert_error(await whoami(server, puppet), 401, "M_UNKNOWN_TOKEN")


async def test_logout_all_through_the_token_ends_everything(server: LiveServer) -> None:
    alice = await access_token_for(server, "alice")
    puppet = await _login_as(server, await admin_headers(server))

    await server.client.post(LOGOUT_ALL, headers=bearer(puppet), json={})

    assert_error(await whoami(server, puppet), 401, "M_UNKNOWN_TOKEN")
    assert_error(await whoami(server, alice), 401, "M_UNKNOWN_TOKEN")
    assert await count_rows(server, "access_tokens") == 1  # the admin's own


async def test_deactivation_ends_the_token_for_good(server: LiveServer) -> None:
    await access_token_for(server, "alice")
    headers = await admin_headers(server)
    puppet = await _login_as(server, headers)

    deactivated = await server.client.post(
        f"/_synapse/admin/v1/deactivate/{ALICE}", headers=headers, json={}
    )
    assert deactivated.status_code == 200
    assert_error(await whoami(server, puppet), 401, "M_UNKNOWN_TOKEN")
    again = await server.client.post(LOGIN_AS_ALICE, headers=headers, json={})
    assert_error(again, 403, "M_USER_DEACTIVATED", "This account has been deactivated")
    # Reactivating does not bring the old token back.
    reactivated = await server.client.put(
        f"/_synapse/admin/v2/users/{ALICE}", headers=headers, json={"deactivated": False}
    )
    assert reactivated.status_code == 200
    assert_error(await whoami(server, puppet), 401, "M_UNKNOWN_TOKEN")


async def test_a_password_reset_that_logs_out_devices_ends_it(server: LiveServer) -> None:
    await access_token_for(server, "alice")
    headers = await admin_headers(server)
    puppet = await _login_as(server, headers)
    await server.client.put(
        f"/_synapse/admin/v2/users/{ALICE}", headers=headers, json={"password": "new-secret"}
    )
    assert_error(await whoami(server, puppet), 401, "M_UNKNOWN_TOKEN")


@pytest.mark.parametrize(
    ("path_user", "body", "status", "errcode", "error"),
    [
        (ADMIN, {}, 400, "M_UNKNOWN", "Cannot use admin API to login as self"),
        ("@alice:elsewhere.org", {}, 400, "M_UNKNOWN", "Only local users can be logged in as"),
        ("@nobody:test.local", {}, 404, "M_NOT_FOUND", "User not found"),
        ("alice", {}, 400, "M_INVALID_PARAM", "Invalid user id"),
        (ALICE, {"valid_until_ms": "soon"}, 400, "M_UNKNOWN", None),
        (ALICE, {"valid_until_ms": True}, 400, "M_UNKNOWN", None),
        (ALICE, {"valid_until_ms": 1.5}, 400, "M_UNKNOWN", None),
        (ALICE, {"valid_until_ms": 2**63}, 400, "M_INVALID_PARAM", None),
        (ALICE, [], 400, "M_BAD_JSON", None),
    ],
)
async def test_bad_requests_get_synapses_errors(
    server: LiveServer,
    path_user: str,
    body: Any,
    status: int,
    errcode: str,
    error: str | None,
) -> None:
    await access_token_for(server, "alice")
    headers = await admin_headers(server)
    path = f"/_synapse/admin/v1/users/{path_user}/login"
    response = await server.client.post(path, headers=headers, json=body)
    checked = assert_error(response, status, errcode, error)
    if "valid_until_ms" in str(body) and errcode == "M_UNKNOWN":
        assert checked["error"] == "'valid_until_ms' parameter must be an int"
    assert await count_rows(server, "access_tokens") == 2  # alice's and root's, nothing new


async def test_a_non_json_body_is_refused(server: LiveServer) -> None:
    await access_token_for(server, "alice")
    headers = await admin_headers(server)
    response = await server.client.post(LOGIN_AS_ALICE, headers=headers, content=b"{nope")
    assert_error(response, 400, "M_NOT_JSON")
