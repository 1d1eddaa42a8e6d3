"""The localpart rules for new users (issue #2; Synapse's ``check_username`` order)."""

from __future__ import annotations

import pytest

from tessera.core.errors import ErrCode, MatrixError
from tessera.core.ids import (
    MAX_USER_ID_LENGTH,
    check_new_localpart,
    check_subject_can_match,
    localpart_of,
    server_name_of,
    user_id_for,
)

SERVER = "test.local"
BAD_CHARACTERS = "User ID can only contain characters a-z, 0-9, or '=_-./+'"
EMPTY = "User ID cannot be empty"
UNDERSCORE = "User ID may not begin with _"
TOO_LONG = "User ID may not be longer than 255 characters"
NUMERIC = "Numeric user IDs are reserved for guest users."

#: The longest localpart whose full user ID ``@<localpart>:test.local`` fits in 255 bytes.
LONGEST = MAX_USER_ID_LENGTH - len("@:" + SERVER)


def refusal(localpart: str, server_name: str = SERVER) -> str:
    with pytest.raises(MatrixError) as caught:
        check_new_localpart(localpart, server_name)
    error = caught.value
    assert error.errcode == ErrCode.INVALID_USERNAME
    assert error.status == 400
    return error.message


@pytest.mark.parametrize(
    "localpart",
    [
        "alice",
        "a",
        "0alice",
        "alice.smith",
        "alice_smith",
        "alice=smith",
        "alice-smith",
        "alice/smith",
        "alice+smith",
        "a._=-/+z",
        "test-user",
        "1a",
        "a1",
        "1.5",
        "1e5",
        "=",
        ".",
        "/",
        "a" * LONGEST,
    ],
)
def test_localpart_in_the_grammar_is_accepted(localpart: str) -> None:
    check_new_localpart(localpart, SERVER)


@pytest.mark.parametrize(
    "localpart",
    [
        "Alice",
        "aLICE",
        "ALICE",
        "alice smith",
        " alice",
        "alice\n",
        "alice\t",
        "alice:evil.example",
        ":",
        "@alice",
        "alice@example.org",
        "alice#room",
        "alice!",
        "alice*",
        "alice\\",
        "alice'",
        'alice"',
        "alice~",
        "ünïcödé",
        "alicé",
        "alice\x00",
        "١٢٣",  # Arabic-Indic digits: digits to str.isdigit, not to the grammar
        "\u0430lice",  # Cyrillic a, a homoglyph
    ],
)
def test_character_outside_the_grammar_is_refused(localpart: str) -> None:
    assert refusal(localpart) == BAD_CHARACTERS


def test_empty_localpart_is_refused() -> None:
    assert refusal("") == EMPTY


@pytest.mark.parametrize("localpart", ["_", "_alice", "__", "_1"])
def test_localpart_starting_with_underscore_is_refused(localpart: str) -> None:
    assert refusal(localpart) == UNDERSCORE


@pytest.mark.parametrize("localpart", ["0", "1", "42", "007", "1234567890" * 5])
def test_all_digit_localpart_is_reserved_for_guests(localpart: str) -> None:
    assert refusal(localpart) == NUMERIC


@pytest.mark.parametrize("localpart", ["+1", "-1", "1_000", "+0", "-42"])
def test_signed_or_grouped_number_is_not_all_digits_so_is_accepted(localpart: str) -> None:
    # Synapse 1.163 reserves GUEST_USER_ID_PATTERN = ^\d+$ (synapse/types/__init__.py),
    # not whatever int() parses; guests only ever get plain digits.
    check_new_localpart(localpart, SERVER)


def test_full_user_id_of_exactly_255_bytes_is_accepted() -> None:
    localpart = "a" * LONGEST
    assert len(user_id_for(localpart, SERVER).encode()) == MAX_USER_ID_LENGTH
    check_new_localpart(localpart, SERVER)


def test_full_user_id_of_256_bytes_is_refused() -> None:
    assert refusal("a" * (LONGEST + 1)) == TOO_LONG


def test_length_counts_the_server_name() -> None:
    localpart = "a" * 200
    check_new_localpart(localpart, "a.example")
    assert refusal(localpart, "a-rather-long-server-name.example.org:8448" + ".x" * 10) == TOO_LONG


def test_length_is_measured_in_utf8_bytes_of_the_full_user_id() -> None:
    # Only the server name can hold non-ASCII here; the spec's limit is 255 bytes.
    server_name = "é" * 100  # 100 characters, 200 bytes
    user_id = user_id_for("a" * 54, server_name)
    assert (len(user_id), len(user_id.encode())) == (156, 256)
    assert refusal("a" * 54, server_name) == TOO_LONG
    check_new_localpart("a" * 53, server_name)


# --- the order of the checks ---------------------------------------------------------

ORDER = [
    pytest.param("_Alice", BAD_CHARACTERS, id="characters-before-underscore"),
    pytest.param("_" + "A" * 300, BAD_CHARACTERS, id="characters-before-length"),
    pytest.param("1:2", BAD_CHARACTERS, id="characters-before-numeric"),
    pytest.param("_" * 300, UNDERSCORE, id="underscore-before-length"),
    pytest.param("_123", UNDERSCORE, id="underscore-before-numeric"),
    pytest.param("1" * 300, TOO_LONG, id="length-before-numeric"),
]


@pytest.mark.parametrize(("localpart", "message"), ORDER)
def test_first_broken_rule_names_the_error(localpart: str, message: str) -> None:
    assert refusal(localpart) == message


# --- user ID helpers ---------------------------------------------------------------------


def test_user_id_is_at_localpart_colon_server_name() -> None:
    assert user_id_for("test-user", "localhost") == "@test-user:localhost"


@pytest.mark.parametrize(
    ("user_id", "localpart", "server_name"),
    [
        ("@alice:test.local", "alice", "test.local"),
        ("@alice:test.local:8448", "alice", "test.local:8448"),
        ("@alice:[::1]:8448", "alice", "[::1]:8448"),
    ],
)
def test_user_id_splits_at_the_first_colon(user_id: str, localpart: str, server_name: str) -> None:
    assert localpart_of(user_id) == localpart
    assert server_name_of(user_id) == server_name
    assert user_id_for(localpart, server_name) == user_id


# --- naming an existing user: ASCII case only ---------------------------------------------


@pytest.mark.parametrize("subject", ["alice", "Alice", "ALICE", "kermit", "a.b=c-d/e+f_g"])
def test_a_subject_folding_to_the_grammar_in_ascii_can_match(subject: str) -> None:
    check_subject_can_match(subject)


@pytest.mark.parametrize(
    "subject",
    ["\u212aermit", "\u212aERMIT", "\u0130", "\uff4bermit", "k\u0435rmit", "al:ice", "a\x00"],
    ids=ascii,
)
def test_a_subject_that_only_unicode_folding_brings_into_the_grammar_matches_nobody(
    subject: str,
) -> None:
    """``"\\u212aermit".lower()`` is ``"kermit"``: the rule must not fold it there."""
    with pytest.raises(MatrixError) as caught:
        check_subject_can_match(subject)

    assert caught.value.errcode == ErrCode.INVALID_USERNAME
