"""``POST /_synapse/admin/v1/deactivate/{userId}`` as Synapse's admin tools call it."""

from typing import Any
from urllib.parse import quote

import pytest

from tests.api.support import (
    WHOAMI,
    access_token_for,
    admin_headers,
    assert_error,
    bearer,
    seed_jwt,
    user_id,
)
from tests.conftest import LiveServer

DEACTIVATE = "/_synapse/admin/v1/deactivate/"


async def user_object(server: LiveServer, headers: dict[str, str], who: str) -> dict[str, Any]:
    response = await server.client.get(
        f"/_synapse/admin/v2/users/{quote(who, safe='')}", headers=headers
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


@pytest.mark.parametrize("erase", [True, False])
async def test_a_user_id_with_a_slash_sent_encoded_is_found(
    server: LiveServer, erase: bool
) -> None:
    """A localpart may hold ``/``; admin tools encode the user ID (``encodeURIComponent``)."""
    headers = await admin_headers(server)
    victim = await access_token_for(server, "team/alice")
    who = user_id("team/alice")

    response = await server.client.post(
        DEACTIVATE + quote(who, safe=""), headers=headers, json={"erase": erase}
    )

    assert response.status_code == 200, response.text
    assert response.json() == {"id_server_unbind_result": "success"}
    assert (await server.client.get(WHOAMI, headers=bearer(victim))).status_code == 401
    user = await user_object(server, headers, who)
    assert (user["name"], user["deactivated"], user["erased"]) == (who, True, erase)


async def test_erase_clears_the_profile_and_marks_the_user_erased(server: LiveServer) -> None:
    headers = await admin_headers(server)
    await access_token_for(server, "alice")
    alice = user_id("alice")
    await server.client.put(
        f"/_synapse/admin/v2/users/{alice}",
        headers=headers,
        json={"displayname": "Alice", "avatar_url": "mxc://test.local/a"},
    )

    response = await server.client.post(DEACTIVATE + alice, headers=headers, json={"erase": True})

    assert response.json() == {"id_server_unbind_result": "success"}
    user = await user_object(server, headers, alice)
    assert (user["displayname"], user["avatar_url"], user["erased"]) == (None, None, True)
    login = await server.login(seed_jwt({"sub": "alice"}))
    assert_error(login, 403, "M_USER_DEACTIVATED")
    reactivated = await server.client.put(
        f"/_synapse/admin/v2/users/{alice}", headers=headers, json={"deactivated": False}
    )
    assert reactivated.json()["erased"] is False


async def test_without_erase_the_profile_stays(server: LiveServer) -> None:
    headers = await admin_headers(server)
    await access_token_for(server, "alice")
    alice = user_id("alice")

    for body in ({"erase": False}, None):  # an empty body is {} (Synapse allows it)
        response = await server.client.post(DEACTIVATE + alice, headers=headers, json=body)
        assert response.status_code == 200, response.text

    user = await user_object(server, headers, alice)
    assert (user["displayname"], user["erased"]) == ("alice", False)


@pytest.mark.parametrize("erase", ["yes", 1, None, [], {}])
async def test_erase_that_is_not_a_boolean_is_refused(server: LiveServer, erase: object) -> None:
    headers = await admin_headers(server)
    await access_token_for(server, "alice")

    response = await server.client.post(
        DEACTIVATE + user_id("alice"), headers=headers, json={"erase": erase}
    )

    assert_error(response, 400, "M_BAD_JSON", "Param 'erase' must be a boolean, if given")
    assert (await user_object(server, headers, user_id("alice")))["deactivated"] is False


async def test_encoded_slashes_reach_every_route_with_a_user_id(server: LiveServer) -> None:
    headers = await admin_headers(server)
    token = await access_token_for(server, "team/bob", device_id="D1")
    encoded = quote(user_id("team/bob"), safe="")

    for path in (
        f"/_synapse/admin/v2/users/{encoded}",
        f"/_synapse/admin/v1/whois/{encoded}",
        f"/_synapse/admin/v2/users/{encoded}/devices/D1",
        f"/_matrix/client/v3/profile/{encoded}/displayname",
    ):
        response = await server.client.get(path, headers=headers)
        assert response.status_code == 200, (path, response.text)
    assert (await server.client.get(WHOAMI, headers=bearer(token))).status_code == 200


async def test_an_encoded_slash_on_a_route_without_that_method_is_405_and_unknown_is_404(
    server: LiveServer,
) -> None:
    headers = await admin_headers(server)
    encoded = quote(user_id("team/bob"), safe="")

    wrong_method = await server.client.delete(
        f"/_synapse/admin/v1/whois/{encoded}", headers=headers
    )
    unknown = await server.client.get(f"/_synapse/admin/v1/nothing/{encoded}", headers=headers)

    assert_error(wrong_method, 405, "M_UNRECOGNIZED")
    assert_error(unknown, 404, "M_UNRECOGNIZED")
