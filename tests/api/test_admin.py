"""Synapse's admin API for what Tessera implements: authorisation, users, devices."""

from typing import Any

import pytest
from sqlalchemy import text

from tessera.config import PasswordConfig
from tessera.core.tokens import hash_token
from tests.api.support import access_token_for, admin_headers, bearer, whoami
from tests.conftest import SEED_SECRET, LiveServer, StartServer
from tests.support.keys import sign

ADMIN = "@root:test.local"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/_synapse/admin/v2/users"),
        ("GET", "/_synapse/admin/v2/users/@alice:test.local"),
        ("PUT", "/_synapse/admin/v2/users/@alice:test.local"),
        ("POST", "/_synapse/admin/v1/deactivate/@alice:test.local"),
        ("GET", "/_synapse/admin/v1/whois/@bob:test.local"),
        ("GET", "/_synapse/admin/v2/users/@alice:test.local/devices"),
        ("GET", "/_synapse/admin/v2/users/@alice:test.local/devices/D1"),
        ("DELETE", "/_synapse/admin/v2/users/@alice:test.local/devices/D1"),
    ],
)
async def test_non_admins_are_refused_everywhere(
    server: LiveServer, method: str, path: str
) -> None:
    token = await access_token_for(server, "alice", device_id="D1")
    response = await server.client.request(
        method, path, headers={"Authorization": f"Bearer {token}"}, json={}
    )
    assert response.status_code == 403
    assert response.json() == {"errcode": "M_FORBIDDEN", "error": "You are not a server admin"}
    missing = await server.client.request(method, path, json={})
    assert missing.status_code == 401


async def test_server_version_names_tessera(server: LiveServer) -> None:
    response = await server.client.get(
        "/_synapse/admin/v1/server_version", headers=await admin_headers(server)
    )
    assert response.status_code == 200
    assert response.json()["server_version"].startswith("Tessera ")


async def test_server_version_needs_no_access_token(server: LiveServer) -> None:
    """Synapse serves it to anyone: admin front-ends probe it before the operator logs in."""
    anonymous = await server.client.get("/_synapse/admin/v1/server_version")
    token = await access_token_for(server, "alice")
    non_admin = await server.client.get(
        "/_synapse/admin/v1/server_version", headers={"Authorization": f"Bearer {token}"}
    )

    for response in (anonymous, non_admin):
        assert response.status_code == 200, response.text
        assert response.json()["server_version"].startswith("Tessera ")


async def test_user_list_pages_filters_and_orders(server: LiveServer) -> None:
    headers = await admin_headers(server)
    for name in ("carol", "alice", "bob"):
        await access_token_for(server, name)
    async with server.database.write() as txn:
        await txn.users.set_deactivated("@bob:test.local", True)

    first = await server.client.get(
        "/_synapse/admin/v2/users", params={"limit": 2}, headers=headers
    )
    assert first.status_code == 200
    body = first.json()
    assert [u["name"] for u in body["users"]] == ["@alice:test.local", "@carol:test.local"]
    assert (body["total"], body["next_token"]) == (3, "2")

    everyone = await server.client.get(
        "/_synapse/admin/v2/users", params={"deactivated": "true"}, headers=headers
    )
    assert everyone.json()["total"] == 4
    admins = await server.client.get(
        "/_synapse/admin/v2/users", params={"admins": "true"}, headers=headers
    )
    assert [u["name"] for u in admins.json()["users"]] == [ADMIN]
    named = await server.client.get(
        "/_synapse/admin/v2/users", params={"name": "CAR"}, headers=headers
    )
    assert [u["name"] for u in named.json()["users"]] == ["@carol:test.local"]
    backwards = await server.client.get(
        "/_synapse/admin/v2/users", params={"dir": "b"}, headers=headers
    )
    assert backwards.json()["users"][0]["name"] == ADMIN


@pytest.mark.parametrize(
    "params",
    [{"limit": "x"}, {"deactivated": "yes"}, {"order_by": "password"}, {"from": "-1"}],
)
async def test_bad_listing_parameters_are_invalid_param(
    server: LiveServer, params: dict[str, str]
) -> None:
    response = await server.client.get(
        "/_synapse/admin/v2/users", params=params, headers=await admin_headers(server)
    )
    assert response.status_code == 400
    assert response.json()["errcode"] == "M_INVALID_PARAM"


async def test_put_creates_then_modifies_a_user(server: LiveServer) -> None:
    headers = await admin_headers(server)
    path = "/_synapse/admin/v2/users/@dave:test.local"
    created = await server.client.put(path, headers=headers, json={"displayname": "Dave"})
    assert created.status_code == 201
    assert (created.json()["name"], created.json()["displayname"]) == ("@dave:test.local", "Dave")

    modified = await server.client.put(
        path, headers=headers, json={"admin": True, "avatar_url": "mxc://x/y"}
    )
    assert modified.status_code == 200
    assert (modified.json()["admin"], modified.json()["avatar_url"]) == (True, "mxc://x/y")
    fetched = await server.client.get(path, headers=headers)
    assert fetched.json()["displayname"] == "Dave"


async def test_put_refuses_invalid_localparts_and_remote_users(server: LiveServer) -> None:
    headers = await admin_headers(server)
    bad = await server.client.put(
        "/_synapse/admin/v2/users/@Dave:test.local", headers=headers, json={}
    )
    assert (bad.status_code, bad.json()["errcode"]) == (400, "M_INVALID_USERNAME")
    remote = await server.client.put(
        "/_synapse/admin/v2/users/@dave:elsewhere.org", headers=headers, json={}
    )
    assert (remote.status_code, remote.json()["errcode"]) == (400, "M_INVALID_PARAM")


async def test_unknown_user_is_404(server: LiveServer) -> None:
    response = await server.client.get(
        "/_synapse/admin/v2/users/@ghost:test.local", headers=await admin_headers(server)
    )
    assert (response.status_code, response.json()["errcode"]) == (404, "M_NOT_FOUND")


async def test_deactivation_kills_tokens_and_refuses_logins(server: LiveServer) -> None:
    headers = await admin_headers(server)
    victim = await access_token_for(server, "alice")
    response = await server.client.post(
        "/_synapse/admin/v1/deactivate/@alice:test.local", headers=headers, json={}
    )
    assert response.status_code == 200
    whoami = await server.client.get(
        "/_matrix/client/v3/account/whoami", headers={"Authorization": f"Bearer {victim}"}
    )
    assert whoami.status_code == 401
    login = await server.login(sign({"sub": "alice"}, SEED_SECRET))
    assert login.json()["errcode"] == "M_USER_DEACTIVATED"


async def test_put_with_a_password_enables_password_login_and_logs_out(
    start_server: Any,
) -> None:
    async with start_server(password=PasswordConfig(enabled=True), bcrypt_rounds=4) as server:
        headers = await admin_headers(server)
        old = await access_token_for(server, "alice")
        response = await server.client.put(
            "/_synapse/admin/v2/users/@alice:test.local", headers=headers, json={"password": "pw"}
        )
        assert response.status_code == 200
        gone = await server.client.get(
            "/_matrix/client/v3/account/whoami", headers={"Authorization": f"Bearer {old}"}
        )
        assert gone.status_code == 401
        login = await server.client.post(
            "/_matrix/client/v3/login",
            json={"type": "m.login.password", "user": "alice", "password": "pw"},
        )
        assert login.status_code == 200, login.text


async def test_devices_whois_and_device_deletion(server: LiveServer) -> None:
    headers = await admin_headers(server)
    token = await access_token_for(server, "alice", device_id="PHONE")
    await server.client.get(
        "/_matrix/client/v3/account/whoami", headers={"Authorization": f"Bearer {token}"}
    )
    base = "/_synapse/admin/v2/users/@alice:test.local/devices"
    listing = await server.client.get(base, headers=headers)
    assert listing.json()["total"] == 1
    assert listing.json()["devices"][0]["device_id"] == "PHONE"
    single = await server.client.get(f"{base}/PHONE", headers=headers)
    assert single.json()["last_seen_ip"] == "127.0.0.1"
    whois = await server.client.get("/_synapse/admin/v1/whois/@alice:test.local", headers=headers)
    connections = whois.json()["devices"]["PHONE"]["sessions"][0]["connections"]
    assert connections[0]["ip"] == "127.0.0.1"

    deleted = await server.client.delete(f"{base}/PHONE", headers=headers)
    assert deleted.status_code == 200
    after = await server.client.get(
        "/_matrix/client/v3/account/whoami", headers={"Authorization": f"Bearer {token}"}
    )
    assert after.status_code == 401
    async with server.database.read() as txn:
        assert await txn.tokens.lookup(hash_token(token)) is None
    missing = await server.client.get(f"{base}/PHONE", headers=headers)
    assert missing.status_code == 404


async def test_a_nul_device_id_is_not_found_not_a_server_error(server: LiveServer) -> None:
    headers = await admin_headers(server)
    path = "/_synapse/admin/v2/users/@root:test.local/devices/A%00B"
    fetched = await server.client.get(path, headers=headers)
    assert (fetched.status_code, fetched.json()["errcode"]) == (404, "M_NOT_FOUND")
    deleted = await server.client.delete(path, headers=headers)
    assert deleted.status_code == 200


async def test_a_non_admin_with_a_bad_body_still_gets_403(server: LiveServer) -> None:
    token = await access_token_for(server, "alice", device_id="D1")
    response = await server.client.put(
        "/_synapse/admin/v2/users/@bob:test.local",
        headers={"Authorization": f"Bearer {token}"},
        content=b"{not json",
    )

    assert response.status_code == 403
    assert response.json()["error"] == "You are not a server admin"


# --- a refused admin request changes nothing --------------------------------------------------

BOB = "@bob:test.local"
BOB_PATH = f"/_synapse/admin/v2/users/{BOB}"
#: Requests that would take over, change or end @bob's account if an admin sent them.
HARMFUL = [
    ("PUT", f"/_synapse/admin/v2/users/{BOB}", {"password": "taken", "admin": True}),
    ("PUT", f"/_synapse/admin/v2/users/{BOB}", {"displayname": "pwned", "deactivated": True}),
    ("PUT", "/_synapse/admin/v2/users/@alice:test.local", {"admin": True}),  # herself
    ("PUT", "/_synapse/admin/v2/users/@newcomer:test.local", {"password": "x"}),  # a new user
    ("POST", f"/_synapse/admin/v1/deactivate/{BOB}", {"erase": True}),
    ("DELETE", f"/_synapse/admin/v2/users/{BOB}/devices/PHONE", {}),
    ("POST", f"/_synapse/admin/v1/users/{BOB}/login", {}),  # a token to act as him
]

#: What a refused request must leave exactly as it was (last-seen times excepted: the
#: refused caller's own device is seen making the request).
SNAPSHOT = {
    "users": "SELECT * FROM users ORDER BY user_id",
    "devices": "SELECT user_id, device_id, display_name, created_ts FROM devices "
    "ORDER BY user_id, device_id",
    "access_tokens": "SELECT * FROM access_tokens ORDER BY id",
    "refresh_tokens": "SELECT * FROM refresh_tokens ORDER BY id",
    "user_threepids": "SELECT * FROM user_threepids ORDER BY user_id",
}


async def snapshot(server: LiveServer) -> dict[str, list[tuple[Any, ...]]]:
    async with server.database.connection() as conn:
        return {
            name: [tuple(row) for row in (await conn.execute(text(sql))).all()]
            for name, sql in SNAPSHOT.items()
        }


@pytest.mark.parametrize(("method", "path", "body"), HARMFUL, ids=lambda v: str(v)[:60])
async def test_a_non_admins_harmful_request_is_refused_and_changes_nothing(
    start_server: StartServer, method: str, path: str, body: dict[str, Any]
) -> None:
    async with start_server(password=PasswordConfig(enabled=True), bcrypt_rounds=4) as server:
        admin = await admin_headers(server)
        bobs_password = {"password": "bobs-password", "logout_devices": False}
        made = await server.client.put(BOB_PATH, headers=admin, json=bobs_password)
        assert made.status_code == 201, made.text
        bob_tokens = [await access_token_for(server, "bob", device_id=d) for d in ("PHONE", "PC")]
        alice = bearer(await access_token_for(server, "alice", device_id="A1"))
        before = await snapshot(server)

        response = await server.client.request(method, path, headers=alice, json=body)

        assert response.status_code == 403, response.text
        assert response.json() == {"errcode": "M_FORBIDDEN", "error": "You are not a server admin"}
        assert await snapshot(server) == before
        for token in bob_tokens:
            assert (await whoami(server, token)).json().get("user_id") == BOB
        password_login = await server.client.post(
            "/_matrix/client/v3/login",
            json={"type": "m.login.password", "user": "bob", "password": "bobs-password"},
        )
        assert password_login.status_code == 200, password_login.text
        still_no_admin = await server.client.get("/_synapse/admin/v2/users", headers=alice)
        assert still_no_admin.status_code == 403
