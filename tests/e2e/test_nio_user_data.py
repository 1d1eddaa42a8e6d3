"""matrix-nio against a real ``tessera run``: filters, presence, push rules, typing, receipts.

nio validates responses against its JSON schemas, so a key Tessera leaves out or sends
with the wrong type turns a response into nio's ``…Error`` class and fails here. Rooms are
not wired yet (nobody is joined to any room), so room-bound calls are refused, and nio
must read the refusal as the Matrix error it is.
"""

from __future__ import annotations

import asyncio

from nio import (
    AsyncClient,
    DeletePushRuleResponse,
    LoginResponse,
    PresenceGetResponse,
    PresenceSetResponse,
    RoomReadMarkersError,
    RoomTypingError,
    SetPushRuleActionsResponse,
    SetPushRuleResponse,
    UpdateReceiptMarkerError,
    UploadFilterResponse,
)
from nio.api import PushRuleKind
from nio.events.account_data import PushEventMatch, PushNotify, PushSetTweak

from tests.e2e import test_nio_client as nio_session
from tests.e2e.test_nio_client import JWT_TYPE, USER_ID, Secrets, new_client, raw_json
from tests.e2e.test_quickstart import ServerProcess, assert_clean_exit

# The nio session test's fixtures: a `tessera run` on SQLite, its JWT secret, nio clients.
server = nio_session.server
credentials = nio_session.credentials
nio_clients = nio_session.nio_clients

ROOM = "!room:localhost"


async def test_nio_uses_filters_presence_push_rules_and_is_refused_room_calls(
    server: ServerProcess,
    credentials: Secrets,
    nio_clients: list[AsyncClient],
) -> None:
    client = new_client(nio_clients, server.base_url())
    login = await client.login_raw({"type": JWT_TYPE, "token": credentials.jwt()})
    assert isinstance(login, LoginResponse), login
    credentials.keep(login.access_token)

    # A filter, as nio bots upload one before their first sync; then read back.
    uploaded = await client.upload_filter(
        room={"timeline": {"limit": 10}, "state": {"lazy_load_members": True}}
    )
    assert isinstance(uploaded, UploadFilterResponse), uploaded
    fetched = await client.send(
        "GET",
        f"/_matrix/client/v3/user/{USER_ID}/filter/{uploaded.filter_id}",
        headers={"Authorization": f"Bearer {client.access_token}"},
    )
    assert fetched.status == 200
    assert (await fetched.json())["room"]["timeline"] == {"limit": 10}

    # Presence.
    presence_set = await client.set_presence("online", "writing tests")
    assert isinstance(presence_set, PresenceSetResponse), presence_set
    presence = await client.get_presence(USER_ID)
    assert isinstance(presence, PresenceGetResponse), presence
    assert (presence.presence, presence.status_msg, presence.currently_active) == (
        "online",
        "writing tests",
        True,
    )
    assert isinstance(presence.last_active_ago, int)

    # Push rules: add one, change its actions, delete it.
    added = await client.set_pushrule(
        "global",
        PushRuleKind.override,
        "lunch",
        conditions=[PushEventMatch("content.body", "*lunch*")],
        actions=[PushNotify(), PushSetTweak("sound", "default")],
    )
    assert isinstance(added, SetPushRuleResponse), added
    changed = await client.set_pushrule_actions(
        "global", PushRuleKind.override, "lunch", [PushNotify()]
    )
    assert isinstance(changed, SetPushRuleActionsResponse), changed
    rules = await client.send(
        "GET",
        "/_matrix/client/v3/pushrules/",
        headers={"Authorization": f"Bearer {client.access_token}"},
    )
    override = (await rules.json())["global"]["override"]
    assert [rule["rule_id"] for rule in override[:2]] == [".m.rule.master", "lunch"]
    assert override[1]["actions"] == ["notify"]
    deleted = await client.delete_pushrule("global", PushRuleKind.override, "lunch")
    assert isinstance(deleted, DeletePushRuleResponse), deleted

    # Room-bound calls: 403 until rooms are wired, and nio reads them as errors.
    typing = await client.room_typing(ROOM, True)
    receipt = await client.update_receipt_marker(ROOM, "$event")
    markers = await client.room_read_markers(ROOM, "$event", "$event")
    for refused in (typing, receipt, markers):
        assert isinstance(
            refused, (RoomTypingError, UpdateReceiptMarkerError, RoomReadMarkersError)
        )
        assert refused.status_code == "M_FORBIDDEN", refused
        assert (await raw_json(refused))["errcode"] == "M_FORBIDDEN"

    # Let the typing sweeper run a few times in the real process before it stops.
    await asyncio.sleep(2.5)
    assert_clean_exit(server)
    output = server.output
    leaked = [i for i, value in enumerate(credentials.values) if value in output]
    assert leaked == [], "credentials (by index) found in the server's output"
