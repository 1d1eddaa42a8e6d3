"""Synapse's whois: each device's last address, time and user agent; users may ask about
themselves."""

from typing import Any

from tessera.services.last_seen import MAX_USER_AGENT
from tests.api.support import WHOAMI, access_token_for, admin_headers, bearer, user_id
from tests.conftest import LiveServer

ELEMENT_UA = "Element/1.11.85 (Linux; Android 14; Pixel 8)"


def whois_path(localpart: str) -> str:
    return f"/_synapse/admin/v1/whois/{user_id(localpart)}"


def connection(body: dict[str, Any], device_id: str) -> dict[str, Any]:
    connections: list[dict[str, Any]] = body["devices"][device_id]["sessions"][0]["connections"]
    assert len(connections) == 1, body
    return connections[0]


async def test_whois_shows_the_user_agent_the_device_last_sent(server: LiveServer) -> None:
    headers = await admin_headers(server)
    token = await access_token_for(server, "alice", device_id="PHONE")
    await server.client.get(WHOAMI, headers={**bearer(token), "User-Agent": "Element/1.0"})
    await server.client.get(WHOAMI, headers={**bearer(token), "User-Agent": ELEMENT_UA})

    response = await server.client.get(whois_path("alice"), headers=headers)

    assert response.status_code == 200, response.text
    seen = connection(response.json(), "PHONE")
    assert seen["user_agent"] == ELEMENT_UA
    assert seen["ip"] == "127.0.0.1"
    assert isinstance(seen["last_seen"], int)


async def test_a_huge_user_agent_is_stored_cut_to_the_bound(server: LiveServer) -> None:
    headers = await admin_headers(server)
    token = await access_token_for(server, "alice", device_id="PHONE")
    huge = "Mozilla/5.0 " + "x" * 8000
    await server.client.get(WHOAMI, headers={**bearer(token), "User-Agent": huge})

    response = await server.client.get(whois_path("alice"), headers=headers)

    assert connection(response.json(), "PHONE")["user_agent"] == huge[:MAX_USER_AGENT]


async def test_a_user_may_whois_themselves(server: LiveServer) -> None:
    token = await access_token_for(server, "alice", device_id="PHONE")

    # The whois request is itself the device's latest sighting.
    response = await server.client.get(
        whois_path("alice"), headers={**bearer(token), "User-Agent": ELEMENT_UA}
    )

    assert response.status_code == 200, response.text
    assert response.json()["user_id"] == user_id("alice")
    assert connection(response.json(), "PHONE")["user_agent"] == ELEMENT_UA


async def test_a_user_may_not_whois_someone_else(server: LiveServer) -> None:
    token = await access_token_for(server, "alice")
    await access_token_for(server, "bob")

    response = await server.client.get(whois_path("bob"), headers=bearer(token))

    assert response.status_code == 403
    assert response.json() == {"errcode": "M_FORBIDDEN", "error": "You are not a server admin"}
