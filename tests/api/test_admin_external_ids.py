"""The admin API's ``external_ids`` (GET/PUT on a user) and the lookup by external ID,
as Synapse exposes them: how an operator links or moves users between JWT providers.

Over real HTTP on SQLite and PostgreSQL, with docs/jwt.md §9's two providers.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest

from tests.api.support import assert_error, assert_forbidden, bearer, count_rows, user_id
from tests.api.test_login_jwt_links import (
    ceo_logs_in_through_staff,
    links,
    partner_token,
    providers,
    staff_token,
)
from tests.conftest import LiveServer, StartServer

USERS = "/_synapse/admin/v2/users"
LOOKUP = "/_synapse/admin/v1/auth_providers"


def pairs(*items: tuple[str, str]) -> list[dict[str, str]]:
    return [{"auth_provider": p, "external_id": e} for p, e in items]


async def put(live: LiveServer, headers: dict[str, str], localpart: str, body: Any) -> Any:
    return await live.client.put(f"{USERS}/{user_id(localpart)}", headers=headers, json=body)


async def test_get_user_lists_the_links_a_login_made(start_server: StartServer) -> None:
    async with start_server(**providers()) as live:
        headers = bearer(await ceo_logs_in_through_staff(live))

        response = await live.client.get(f"{USERS}/{user_id('ceo')}", headers=headers)

        assert response.status_code == 200, response.text
        assert response.json()["external_ids"] == pairs(("staff", "ceo"))


async def test_put_creates_a_user_linked_to_a_provider_which_then_logs_in(
    start_server: StartServer,
) -> None:
    async with start_server(**providers()) as live:
        headers = bearer(await ceo_logs_in_through_staff(live))

        made = await put(live, headers, "bob", {"external_ids": pairs(("partner-app", "b-77"))})
        partner = await live.login(partner_token({"sub": "b-77"}))
        staff = await live.login(staff_token({"sub": "bob"}))

        assert made.status_code == 201, made.text
        assert made.json()["external_ids"] == pairs(("partner-app", "b-77"))
        assert partner.status_code == 200, partner.text
        assert partner.json()["user_id"] == user_id("bob")
        assert_forbidden(staff, "User @bob:test.local is not linked to JWT provider staff")


async def test_put_replaces_every_link_and_so_moves_a_subject_to_another_user(
    start_server: StartServer,
) -> None:
    async with start_server(**providers()) as live:
        headers = bearer(await ceo_logs_in_through_staff(live))
        await live.login(staff_token({"sub": "ann"}))

        emptied = await put(live, headers, "ann", {"external_ids": []})
        moved = await put(live, headers, "ann2", {"external_ids": pairs(("staff", "ann"))})
        login = await live.login(staff_token({"sub": "ann"}))

        assert emptied.status_code == 200, emptied.text
        assert emptied.json()["external_ids"] == []
        assert moved.status_code == 201, moved.text
        assert login.json()["user_id"] == user_id("ann2")


async def test_a_pair_of_another_user_is_a_409_and_changes_nothing(
    start_server: StartServer,
) -> None:
    async with start_server(**providers()) as live:
        headers = bearer(await ceo_logs_in_through_staff(live))
        await live.login(staff_token({"sub": "ann"}))
        users_before = await count_rows(live, "users")

        taken = pairs(("partner-app", "fresh"), ("staff", "ceo"))
        existing = await put(live, headers, "ann", {"external_ids": taken, "displayname": "A"})
        new = await put(live, headers, "newbie", {"external_ids": taken})

        for response in (existing, new):
            assert_error(response, 409, "M_UNKNOWN", "External id is already in use.")
        assert await links(live, user_id("ann")) == [("staff", "ann")]
        assert await links(live, user_id("ceo")) == [("staff", "ceo")]
        assert await count_rows(live, "users") == users_before
        profile = await live.client.get(f"/_matrix/client/v3/profile/{user_id('ann')}")
        assert profile.json()["displayname"] == "ann"


async def test_a_pair_listed_twice_is_linked_once(start_server: StartServer) -> None:
    async with start_server(**providers()) as live:
        headers = bearer(await ceo_logs_in_through_staff(live))

        response = await put(
            live, headers, "dup", {"external_ids": pairs(("staff", "d"), ("staff", "d"))}
        )

        assert response.status_code == 201, response.text
        assert response.json()["external_ids"] == pairs(("staff", "d"))


@pytest.mark.parametrize(
    ("external_ids", "errcode"),
    [
        ("staff:ceo", "M_INVALID_PARAM"),
        (["staff"], "M_INVALID_PARAM"),
        ([{"auth_provider": "staff"}], "M_MISSING_PARAM"),
        ([{"external_id": "x"}], "M_MISSING_PARAM"),
        ([{"auth_provider": "staff", "external_id": 7}], "M_INVALID_PARAM"),
        ([{"auth_provider": "", "external_id": "x"}], "M_INVALID_PARAM"),
        ([{"auth_provider": "staff", "external_id": "a\x00b"}], "M_INVALID_PARAM"),
        ([{"auth_provider": "staff", "external_id": "x" * 1025}], "M_INVALID_PARAM"),
        ([{"auth_provider": "p" * 256, "external_id": "x"}], "M_INVALID_PARAM"),
    ],
)
async def test_malformed_external_ids_are_a_400_and_change_nothing(
    start_server: StartServer, external_ids: Any, errcode: str
) -> None:
    async with start_server(**providers()) as live:
        headers = bearer(await ceo_logs_in_through_staff(live))

        response = await put(live, headers, "ceo", {"external_ids": external_ids})

        assert_error(response, 400, errcode)
        assert await links(live, user_id("ceo")) == [("staff", "ceo")]


async def test_the_lookup_finds_the_linked_user(start_server: StartServer) -> None:
    async with start_server(**providers()) as live:
        headers = bearer(await ceo_logs_in_through_staff(live))
        await put(live, headers, "eve", {"external_ids": pairs(("partner-app", "auth0|a/b c"))})

        found = await live.client.get(f"{LOOKUP}/staff/users/ceo", headers=headers)
        slashed = await live.client.get(
            f"{LOOKUP}/partner-app/users/{quote('auth0|a/b c', safe='')}", headers=headers
        )
        other_provider = await live.client.get(f"{LOOKUP}/partner-app/users/ceo", headers=headers)
        nul = await live.client.get(f"{LOOKUP}/staff/users/ce%00o", headers=headers)

        assert found.status_code == 200, found.text
        assert found.json() == {"user_id": user_id("ceo")}
        assert slashed.json() == {"user_id": user_id("eve")}
        for response in (other_provider, nul):
            assert_error(response, 404, "M_NOT_FOUND", "User not found")


async def test_non_admins_can_neither_look_up_nor_set_links(start_server: StartServer) -> None:
    async with start_server(**providers()) as live:
        await ceo_logs_in_through_staff(live)
        ann = await live.login(staff_token({"sub": "ann"}))
        headers = bearer(ann.json()["access_token"])

        lookup = await live.client.get(f"{LOOKUP}/staff/users/ceo", headers=headers)
        grab = await put(live, headers, "ann", {"external_ids": pairs(("staff", "ceo"))})

        for response in (lookup, grab):
            assert_forbidden(response, "You are not a server admin")
        assert await links(live, user_id("ann")) == [("staff", "ann")]
        assert await links(live, user_id("ceo")) == [("staff", "ceo")]


async def test_the_user_list_carries_no_external_ids_as_synapse_s(
    start_server: StartServer,
) -> None:
    async with start_server(**providers()) as live:
        headers = bearer(await ceo_logs_in_through_staff(live))

        response = await live.client.get(USERS, headers=headers)

        assert response.status_code == 200, response.text
        assert [u["name"] for u in response.json()["users"]] == [user_id("ceo")]
        assert "external_ids" not in response.json()["users"][0]
