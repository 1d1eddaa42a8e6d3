"""Canonical JSON against the spec's examples (Appendices, "Canonical JSON")."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tessera.core.errors import ErrCode
from tessera.core.events.canonical import CanonicalJsonError, encode_canonical_json

# (input as the spec writes it, canonical output as the spec writes it)
SPEC_EXAMPLES = [
    ("{}", "{}"),
    ('{"one": 1, "two": "Two"}', '{"one":1,"two":"Two"}'),
    ('{"b": "2", "a": "1"}', '{"a":"1","b":"2"}'),
    ('{"b":"2","a":"1"}', '{"a":"1","b":"2"}'),
    (
        '{"auth": {"success": true, "mxid": "@john.doe:example.com", "profile": {'
        '"display_name": "John Doe", "three_pids": [{"medium": "email", "address": '
        '"john.doe@example.org"}, {"medium": "msisdn", "address": "123456789"}]}}}',
        '{"auth":{"mxid":"@john.doe:example.com","profile":{"display_name":"John Doe",'
        '"three_pids":[{"address":"john.doe@example.org","medium":"email"},'
        '{"address":"123456789","medium":"msisdn"}]},"success":true}}',
    ),
    ('{"a": "日本語"}', '{"a":"日本語"}'),
    ('{"本": 2, "日": 1}', '{"日":1,"本":2}'),
    ('{"a": "\\u65E5"}', '{"a":"日"}'),
    ('{"a": null}', '{"a":null}'),
    ('{"a": -0, "b": 1e10}', '{"a":0,"b":10000000000}'),
]


@pytest.mark.parametrize(("given_json", "expected"), SPEC_EXAMPLES)
def test_spec_examples(given_json: str, expected: str) -> None:
    assert encode_canonical_json(json.loads(given_json)) == expected.encode("utf-8")


def test_control_characters_use_the_grammars_escapes() -> None:
    # Short escapes where the grammar has one, \u00XX (lowercase hex) otherwise;
    # DEL and U+2028 are not escaped.
    text = '\x00\x08\t\n\x0b\x0c\r\x1f"\\\x7f\u2028'
    assert encode_canonical_json(text) == (
        '"\\u0000\\b\\t\\n\\u000b\\f\\r\\u001f\\"\\\\\x7f\u2028"'.encode()
    )


def test_keys_sort_by_code_point_not_by_utf16() -> None:
    # U+FFFD sorts before U+1F600 by code point; UTF-16 order would swap them.
    assert encode_canonical_json({"\U0001f600": 1, "\ufffd": 2}) == (
        '{"\ufffd":2,"\U0001f600":1}'.encode()
    )


@pytest.mark.parametrize(
    "value",
    [
        {"a": 1.5},
        {"a": float("nan")},
        {"a": float("inf")},
        {"a": 2**53},
        {"a": -(2**53)},
        {"a": [2**64]},
        {1: "non-string key"},
        {"a": b"bytes"},
        {"a": "\ud800"},  # a lone surrogate has no UTF-8 encoding
        {"a": 1e16},  # integral but out of range
    ],
)
def test_values_outside_canonical_json_are_refused_as_bad_json(value: object) -> None:
    with pytest.raises(CanonicalJsonError) as caught:
        encode_canonical_json(value)
    assert caught.value.errcode is ErrCode.BAD_JSON
    assert caught.value.status == 400


def test_the_integer_range_edges_are_accepted() -> None:
    edges = encode_canonical_json([2**53 - 1, -(2**53) + 1])
    assert edges == b"[9007199254740991,-9007199254740991]"


def test_deep_nesting_is_refused_not_a_recursion_error() -> None:
    value: object = 1
    for _ in range(5000):
        value = [value]
    with pytest.raises(CanonicalJsonError):
        encode_canonical_json(value)


def test_read_only_mappings_encode_like_dicts() -> None:
    from types import MappingProxyType

    assert encode_canonical_json(MappingProxyType({"b": {"d": 1.0}, "a": []})) == (
        b'{"a":[],"b":{"d":1}}'
    )


TEXT = st.characters(exclude_categories=("Cs",))  # no surrogates: not encodable
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53) + 1, 2**53 - 1) | st.text(alphabet=TEXT),
    lambda inner: st.lists(inner) | st.dictionaries(st.text(alphabet=TEXT), inner),
    max_leaves=20,
)


@given(json_values)
def test_matches_the_specs_reference_python(value: object) -> None:
    # The spec's own definition: json.dumps(ensure_ascii=False, compact, sort_keys).
    reference = json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    assert encode_canonical_json(value) == reference.encode("utf-8")
