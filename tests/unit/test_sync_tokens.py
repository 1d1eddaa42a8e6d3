"""Sync and pagination tokens: round trips, older and newer tokens, and refusals."""

from __future__ import annotations

import pytest

from tessera.core.errors import MatrixError
from tessera.core.sync.token import STREAMS, SyncToken, pagination_token


def test_a_token_round_trips_every_stream() -> None:
    token = SyncToken({name: index + 1 for index, name in enumerate(STREAMS)})
    assert SyncToken.parse(token.encode()) == token


def test_missing_streams_read_as_zero_and_unknown_ones_are_ignored() -> None:
    older = SyncToken.parse("s7_3")
    assert (older["events"], older["account_data"], older["presence"]) == (7, 3, 0)
    newer = SyncToken.parse("s" + "_".join(["1"] * (len(STREAMS) + 3)))
    assert newer["events"] == 1


def test_a_pagination_token_is_an_events_position() -> None:
    assert SyncToken.parse(pagination_token(42))["events"] == 42


@pytest.mark.parametrize(
    "text",
    ["", "x1", "s", "s1_a", "s-1", "t", "t1.5", "t" + "9" * 20, "s99999999999999999999", "t\x00"],
)
def test_malformed_tokens_are_invalid_param(text: str) -> None:
    with pytest.raises(MatrixError) as caught:
        SyncToken.parse(text)
    assert (caught.value.status, caught.value.errcode.value) == (400, "M_INVALID_PARAM")
