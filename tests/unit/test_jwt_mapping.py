"""Claims → localpart, profile and admin flag (``localpart_template`` and friends): pure rules."""

from __future__ import annotations

import string
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tessera.core.ids import check_localpart_characters
from tessera.core.jwt_mapping import (
    AdminRule,
    ClaimMapping,
    claim_at,
    compile_template,
    is_admin,
    localpart,
    map_to_localpart,
    profile,
)
from tessera.core.jwt_rejection import JwtRejected


@pytest.mark.parametrize(
    ("name", "mapped"),
    [
        ("alice", "alice"),
        ("Alice.Smith", "alice.smith"),
        ("a b", "a=20b"),
        ("x=y", "x=3dy"),
        ("_hidden", "=5fhidden"),
        ("mid_dle", "mid_dle"),
        ("josé", "jos=c3=a9"),
        ("ÉCOLE", "=c3=89cole"),  # only ASCII is lower-cased, as Synapse's byte mapping does
        ("a/b+c-d", "a/b+c-d"),
        ("12345", "12345"),
        ("日本", "=e6=97=a5=e6=9c=ac"),
        ("a\x00b", "a=00b"),
    ],
)
def test_map_writes_every_byte_outside_the_grammar_as_hex(name: str, mapped: str) -> None:
    assert map_to_localpart(name) == mapped


def test_strict_keeps_the_subject_and_lowercase_folds_it() -> None:
    assert localpart("Alice", {}, ClaimMapping()) == "Alice"
    assert localpart("Alice", {}, ClaimMapping(normalisation="lowercase")) == "alice"
    assert localpart("Alice Smith", {}, ClaimMapping(normalisation="map")) == "alice=20smith"


def test_a_template_renders_over_the_claims_then_normalises() -> None:
    mapping = ClaimMapping(
        template=compile_template("{{ user.preferred_username }}"), normalisation="lowercase"
    )
    claims = {"sub": "f81d4fae", "preferred_username": "Bob"}

    assert localpart("f81d4fae", claims, mapping) == "bob"


def test_a_template_can_reach_nested_claims_and_filters() -> None:
    mapping = ClaimMapping(template=compile_template("{{ user.email.split('@')[0] | lower }}"))

    assert localpart("x", {"email": "Carol@corp.example"}, mapping) == "carol"


@pytest.mark.parametrize("claims", [{}, {"preferred_username": ""}, {"preferred_username": "   "}])
def test_a_template_without_its_claim_or_rendering_empty_is_a_rejection(
    claims: dict[str, Any],
) -> None:
    mapping = ClaimMapping(template=compile_template("{{ user.preferred_username }}"))

    with pytest.raises(JwtRejected) as caught:
        localpart("sub", claims, mapping)

    assert caught.value.reason == "unmappable_subject"


@pytest.mark.parametrize(
    "source",
    [
        "{{ user.__class__.__mro__ }}",
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ user.update({'x': 1}) }}",
        "{{ cycler.__init__.__globals__ }}",
    ],
)
def test_the_sandbox_refuses_to_reach_python_internals(source: str) -> None:
    mapping = ClaimMapping(template=compile_template(source))

    with pytest.raises(JwtRejected):
        localpart("sub", {"preferred_username": "x"}, mapping)


def test_a_template_that_does_not_parse_is_a_value_error_saying_where() -> None:
    with pytest.raises(ValueError, match="line 1"):
        compile_template("{{ user.name ")


def test_claim_at_follows_dotted_paths_and_prefers_a_literal_dotted_name() -> None:
    claims = {"realm_access": {"roles": ["a", "b"]}, "a.b": 1, "a": {"b": 2}}

    assert claim_at(claims, "realm_access.roles") == ["a", "b"]
    assert claim_at(claims, "a.b") == 1
    assert claim_at(claims, "realm_access.missing") is None
    assert claim_at(claims, "realm_access.roles.x") is None


@pytest.mark.parametrize(
    ("value", "admin"),
    [
        ("matrix-admin", True),
        (["users", "matrix-admin"], True),
        (["users"], False),
        ("Matrix-Admin", False),
        (None, False),
        ({"matrix-admin": True}, False),
    ],
)
def test_admin_claim_matches_a_value_or_a_list_element(value: Any, admin: bool) -> None:
    rule = AdminRule("groups", ("matrix-admin",))

    assert is_admin({"groups": value} if value is not None else {}, rule) is admin


def test_admin_values_compare_with_their_json_type() -> None:
    rule = AdminRule("level", (1,))

    assert is_admin({"level": 1}, rule) is True
    assert is_admin({"level": "1"}, rule) is False
    assert is_admin({"level": True}, rule) is False


def test_profile_takes_usable_strings_only() -> None:
    mapping = ClaimMapping(
        profile_claims={"display_name": "name", "avatar_url": "picture", "email": "email"}
    )

    assert profile(
        {"name": "Ann", "picture": "mxc://x/y", "email": " Ann@Corp.Example "}, mapping
    ) == {"display_name": "Ann", "avatar_url": "mxc://x/y", "email": "ann@corp.example"}
    assert profile({"name": 3, "picture": "", "email": "not-an-address"}, mapping) == {}
    assert profile({"name": "x" * 5000, "picture": "a\x00b"}, mapping) == {}


@given(st.text(max_size=40))
def test_map_always_gives_a_localpart_in_the_grammar(name: str) -> None:
    mapped = map_to_localpart(name)

    check_localpart_characters(mapped)
    assert not mapped.startswith("_")


NO_CAPITALS = st.text(
    alphabet=st.characters(exclude_characters=string.ascii_uppercase), max_size=20
)


@given(NO_CAPITALS, NO_CAPITALS)
def test_map_never_merges_two_names_without_capitals(a: str, b: str) -> None:
    if a != b:
        assert map_to_localpart(a) != map_to_localpart(b)


def test_unstorable_profile_values_are_ignored() -> None:
    mapping = ClaimMapping(profile_claims={"display_name": "name"})

    assert profile({"name": "bad\ud800"}, mapping) == {}
    assert profile({"name": "nul\x00"}, mapping) == {}


def test_lowercase_folds_ascii_only_so_look_alikes_stay_refusable() -> None:
    mapping = ClaimMapping(normalisation="lowercase")

    assert localpart("KERMIT", {}, mapping) == "kermit"
    assert localpart("\u212aermit", {}, mapping) == "\u212aermit"  # the Kelvin sign stays
    assert localpart("\u0130stanbul", {}, mapping) == "\u0130stanbul"
