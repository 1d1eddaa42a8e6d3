"""Every duration key takes Synapse's spellings with Synapse's meaning, and refuses the rest.

Synapse's ``parse_duration`` (``synapse/config/_base.py``): a bare number is
milliseconds; a string is a number with one unit of ``ms s m h d w y``
(a year is 365 days), or none (milliseconds).
"""

from typing import Any

import pytest

from tessera.config import ConfigError, parse_config
from tessera.config.reference import DURATION, all_keys
from tests.unit.test_config_docs import BASE_DIR, PROVIDER, SECRET, Defaults, _loaded_value

DURATION_KEYS = sorted(name for name, key in all_keys().items() if key.type == DURATION)
#: Wide cache bounds, so any duration below fits between them.
_JWT: dict[str, Any] = {"jwks_cache_min": 1, "jwks_cache_max": "2y"}

SECOND = 1000
DAY = 24 * 60 * 60 * SECOND
SPELLINGS: list[tuple[object, int]] = [
    (2000, 2000),
    ("2000", 2000),
    ("2000ms", 2000),
    ("2s", 2 * SECOND),
    ("3m", 3 * 60 * SECOND),
    ("2h", 2 * 60 * 60 * SECOND),
    ("1d", DAY),
    ("1w", 7 * DAY),
    ("1y", 365 * DAY),
    # What Python's int() reads, Synapse reads too.
    ("+5s", 5 * SECOND),
    ("1_000ms", 1000),
    ("90 s", 90 * SECOND),
]
REFUSED: list[object] = ["5M", "5S", "1.5h", "5sec", "ms", "", "-5s", -5, 1.5, True, "5 ms s"]


def document(name: str, value: object) -> dict[str, Any]:
    """A config with ``name`` (a reference key, ``jwt_providers[].x`` style) set to ``value``."""
    doc: dict[str, Any] = {
        "server_name": "example.com",
        "listeners": [{"port": 8008}],
        "jwt_config": {"enabled": True, "secret": SECRET, "algorithm": "HS256", **_JWT},
        "jwt_providers": [{**PROVIDER, **_JWT}],
        "login_via_existing_session": {"enabled": True},
    }
    block, _, key = name.rpartition(".")
    target = {
        "": doc,
        "jwt_config": doc["jwt_config"],
        "jwt_providers[]": doc["jwt_providers"][0],
        "login_via_existing_session": doc["login_via_existing_session"],
    }[block]
    target[key] = value
    return doc


def loaded(name: str, value: object) -> object:
    config = parse_config(document(name, value), base_dir=BASE_DIR)
    return _loaded_value(name, Defaults(config, config))


def test_every_duration_key_is_covered() -> None:
    assert len(DURATION_KEYS) >= 16
    assert "login_via_existing_session.token_timeout" in DURATION_KEYS


@pytest.mark.parametrize("name", DURATION_KEYS)
@pytest.mark.parametrize(("value", "milliseconds"), SPELLINGS, ids=repr)
def test_synapse_spellings_mean_what_they_mean_in_synapse(
    name: str, value: object, milliseconds: int
) -> None:
    assert loaded(name, value) == milliseconds


@pytest.mark.parametrize("name", DURATION_KEYS)
@pytest.mark.parametrize("value", REFUSED, ids=repr)
def test_anything_else_is_refused_naming_the_key(name: str, value: object) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(document(name, value), base_dir=BASE_DIR)

    dotted = name.replace("[]", "[0]")
    assert str(caught.value).startswith(f"{dotted}:"), str(caught.value)
    assert "duration" in str(caught.value)
