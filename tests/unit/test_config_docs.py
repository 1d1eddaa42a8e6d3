"""The configuration reference can't drift from the loader, nor docs/configuration.md from it.

``tessera.config.reference`` declares every key; these tests hold it to what
``parse_config`` really reads and yields, and the docs to what it renders.
"""

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

import pytest
import yaml

from tessera.cli.config_reference import render_markdown, splice
from tessera.config import Config, ConfigError, JwtConfig, parse_config
from tessera.config.loader import SESSION_KEYS
from tessera.config.model import PROFILE_FIELDS
from tessera.config.reference import DURATION, IGNORED, all_keys
from tessera.config.section import Section

DOCS = Path(__file__).resolve().parents[2] / "docs" / "configuration.md"
BASE_DIR = Path("/srv/tessera")
SECRET = "s" * 32
PROVIDER: dict[str, Any] = {"id": "corp", "secret": SECRET, "algorithm": "HS256"}
ADMIN_CLAIM = {"claim": "roles.admin", "value": [True, "yes"]}

#: Between them, these make the loader read every key it knows.
CONFIGS: list[dict[str, Any]] = [
    {
        "server_name": "example.com",
        "listeners": [
            {
                "port": 8008,
                "bind_address": "127.0.0.1",
                "tag": "main",
                "resources": [{"names": ["client", "metrics"], "compress": False}],
            }
        ],
        "database": {"name": "sqlite3", "args": {"database": "x.db"}},
        "jwt_config": {
            "enabled": True,
            "secret": SECRET,
            "algorithm": "HS256",
            "admin_claim": ADMIN_CLAIM,
        },
        "jwt_providers": [{**PROVIDER, "admin_claim": ADMIN_CLAIM}],
        "password_config": {"enabled": True},
        "login_via_existing_session": {"enabled": True},
        "rc_login": {"address": {}, "account": {}, "failed_attempts": {}},
        "rc_message": {},
        "rc_joins": {"local": {}, "remote": {}},
    },
    {
        "server_name": "example.com",
        "database": {"name": "psycopg2", "args": {"user": "u", "database": "d"}},
    },
    {
        "server_name": "example.com",
        "database": {
            "name": "psycopg2",
            "args": {
                "dbname": "d",
                "keepalives": 1,
                "keepalives_idle": 10,
                "keepalives_interval": 10,
                "keepalives_count": 3,
                "application_name": "tessera",
                "connect_timeout": 5,
            },
        },
    },
]


def _keys_read(monkeypatch: pytest.MonkeyPatch) -> set[str]:
    """Every dotted key ``parse_config`` looks at for ``CONFIGS``, list indexes as ``[]``."""
    seen: set[str] = set()
    original_raw, original_has = Section.raw, Section.has

    def recording_raw(self: Section, name: str) -> Any:
        seen.add(re.sub(r"\[\d+\]", "[]", self.key(name)))
        return original_raw(self, name)

    def recording_has(self: Section, name: str) -> bool:
        seen.add(re.sub(r"\[\d+\]", "[]", self.key(name)))
        return original_has(self, name)

    monkeypatch.setattr(Section, "raw", recording_raw)
    monkeypatch.setattr(Section, "has", recording_has)
    for config in CONFIGS:
        parse_config(config, base_dir=Path("."))
    return seen


def test_every_key_the_loader_reads_is_in_the_configuration_reference(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # `resources[].compress` in the text names the key listeners.resources.compress.
    documented = set(re.findall(r"`([A-Za-z_.]+)`", DOCS.read_text().replace("[]", "")))
    read = {key.replace("[]", "") for key in _keys_read(monkeypatch)}
    missing = sorted(key for key in read if not _documented(key, documented))
    assert missing == []


def _documented(key: str, documented: set[str]) -> bool:
    """Named in full, by a dotted tail (`args.cp_min`), or as the head of one (`args.…`)."""
    parts = key.split(".")
    tails = {".".join(parts[i:]) for i in range(len(parts))}
    return bool(tails & documented) or any(d.startswith(parts[-1] + ".") for d in documented)


# (a) The reference and the loader name the same keys.


def _blocks(name: str) -> set[str]:
    """The blocks a key sits in: ``listeners[].resources[].names`` → listeners, …resources."""
    parts = name.split(".")
    return {".".join(parts[:i]).removesuffix("[]") for i in range(1, len(parts))}


def test_the_reference_declares_every_key_the_loader_reads(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    reference = set(all_keys())
    blocks = set().union(*(_blocks(name) for name in reference))

    undeclared = _keys_read(monkeypatch) - reference - blocks

    assert sorted(undeclared) == [], "declare these in src/tessera/config/reference.py"


def test_the_loader_reads_every_key_the_reference_declares(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    never_read = set(all_keys()) - _keys_read(monkeypatch)

    assert sorted(never_read) == [], "the loader does not read these (or CONFIGS lacks them)"


# (b) Each documented default is what the loader yields when the key is left out.


class Defaults(NamedTuple):
    """Configs that leave out every key they can."""

    #: SQLite; one bare listener and one provider, so their defaults show.
    sqlite: Config
    #: PostgreSQL, for the connection arguments.
    postgres: Config


def _defaults() -> Defaults:
    return Defaults(
        parse_config(
            {
                "server_name": "example.com",
                "listeners": [{"port": 8008}],
                "jwt_providers": [PROVIDER],
            },
            base_dir=BASE_DIR,
        ),
        parse_config(
            {"server_name": "example.com", "database": {"name": "psycopg2"}}, base_dir=BASE_DIR
        ),
    )


#: The object whose attribute of the key's last name holds the key's value.
OWNERS: dict[str, Callable[[Defaults], object]] = {
    "": lambda d: d.sqlite,
    "listeners[]": lambda d: d.sqlite.listeners[0],
    "database": lambda d: d.sqlite.database,
    "database.args": lambda d: d.postgres.database,
    "jwt_config": lambda d: d.sqlite.jwt,
    "jwt_providers[]": lambda d: d.sqlite.jwt_providers[0],
    "password_config": lambda d: d.sqlite.password,
    "login_via_existing_session": lambda d: d.sqlite.login_tokens,
    "rc_login.address": lambda d: d.sqlite.rc_login.address,
    "rc_login.account": lambda d: d.sqlite.rc_login.account,
    "rc_login.failed_attempts": lambda d: d.sqlite.rc_login.failed_attempts,
    "rc_message": lambda d: d.sqlite.rc_message,
    "rc_joins.local": lambda d: d.sqlite.rc_joins.local,
    "rc_joins.remote": lambda d: d.sqlite.rc_joins.remote,
}


def _jwt_block(d: Defaults, prefix: str) -> JwtConfig:
    return d.sqlite.jwt if prefix == "jwt_config" else d.sqlite.jwt_providers[0]


def _jwt_irregular(prefix: str) -> dict[str, Callable[[Defaults], object]]:
    """The ``jwt_config`` keys whose value is not an attribute of the same name."""

    def sync(field: str) -> Callable[[Defaults], object]:
        return lambda d: (
            "every_login" if field in _jwt_block(d, prefix).sync_every_login else "first_login"
        )

    return {
        # No requirement is stored as an empty mapping.
        f"{prefix}.required_claims": lambda d: dict(_jwt_block(d, prefix).required_claims) or None,
        **{f"{prefix}.{field}_sync": sync(field) for field in PROFILE_FIELDS},
    }


def _session(key: str) -> Callable[[Defaults], object]:
    return lambda d: getattr(d.sqlite.sessions, key)


#: Keys whose value the Config holds under another name or shape.
IRREGULAR: dict[str, Callable[[Defaults], object]] = {
    **{key: _session(key) for key in SESSION_KEYS},
    "listeners[].resources": lambda d: [{"names": list(d.sqlite.listeners[0].resources)}],
    "database.name": lambda d: {"sqlite": "sqlite3"}[d.sqlite.database.engine],
    "database.args.database": lambda d: str(d.sqlite.database.sqlite_path).removeprefix(
        f"{BASE_DIR}/"
    ),
    "database.args.dbname": lambda d: d.postgres.database.database,
    **_jwt_irregular("jwt_config"),
    **_jwt_irregular("jwt_providers[]"),
}

#: Keys with no value to compare, and why.
SKIPPED: dict[str, str] = {
    "listeners[].bind_address": "adds to bind_addresses; no attribute of its own",
    "listeners[].tls": "only false is accepted; no attribute",
    "listeners[].path": "refused when set; no attribute",
    "jwt_providers[].secret": "set in the minimal provider",
    "signing_key_path": "its default depends on server_name: see test_config.py",
    "jwt_providers[].algorithm": "set in the minimal provider",
    **{name: "accepted and ignored" for name, key in all_keys().items() if key.type == IGNORED},
    **{
        name: "required: see test_a_required_key_left_out_is_refused_by_name"
        for name, key in all_keys().items()
        if key.required == ""
    },
}

_DURATION_MS = {"s": 1000, "m": 60_000, "h": 60 * 60_000, "d": 24 * 60 * 60_000}


def _documented_value(name: str) -> object:
    """The key's documented default as the loader stores it (``5s`` → 5000)."""
    key = all_keys()[name]
    if key.default is None:
        return None
    value = yaml.safe_load(key.default)
    if key.type == DURATION:
        return int(value[:-1]) * _DURATION_MS[value[-1]]
    return value


def _loaded_value(name: str, defaults: Defaults) -> object:
    if name in IRREGULAR:
        value = IRREGULAR[name](defaults)
    else:
        block, _, attribute = name.rpartition(".")
        value = getattr(OWNERS[block](defaults), attribute)
    return list(value) if isinstance(value, tuple) else value


def _is_mapped(name: str, defaults: Defaults) -> bool:
    if name in IRREGULAR:
        return True
    block, _, attribute = name.rpartition(".")
    return block in OWNERS and hasattr(OWNERS[block](defaults), attribute)


def test_every_key_is_compared_or_skipped_for_a_reason() -> None:
    keys, defaults = set(all_keys()), _defaults()

    unmapped = {name for name in keys - set(SKIPPED) if not _is_mapped(name, defaults)}

    assert sorted(unmapped) == [], "map these in OWNERS or IRREGULAR, or skip them in SKIPPED"
    assert sorted((set(IRREGULAR) | set(SKIPPED)) - keys) == [], "not in the reference"


def test_each_documented_default_is_what_the_loader_yields_without_the_key() -> None:
    defaults = _defaults()
    compared = [name for name in all_keys() if name not in SKIPPED]
    pairs = {name: (_documented_value(name), _loaded_value(name, defaults)) for name in compared}

    wrong = {name: pair for name, pair in pairs.items() if pair[0] != pair[1]}

    assert wrong == {}, "key: (documented, loaded)"
    assert len(compared) > 90


REQUIRED: dict[str, dict[str, Any]] = {
    "listeners[].port": {"listeners": [{}]},
    "listeners[].resources[].names": {"listeners": [{"port": 8008, "resources": [{}]}]},
    "jwt_config.admin_claim.claim": {"jwt_config": {"admin_claim": {"value": True}}},
    "jwt_config.admin_claim.value": {"jwt_config": {"admin_claim": {"claim": "admin"}}},
    "jwt_providers[].id": {"jwt_providers": [{"secret": SECRET, "algorithm": "HS256"}]},
    "jwt_providers[].admin_claim.claim": {
        "jwt_providers": [{**PROVIDER, "admin_claim": {"value": True}}]
    },
    "jwt_providers[].admin_claim.value": {
        "jwt_providers": [{**PROVIDER, "admin_claim": {"claim": "admin"}}]
    },
    # Required when the block is enabled, as the table says.
    "jwt_config.secret": {"jwt_config": {"enabled": True, "algorithm": "HS256"}},
    "jwt_config.algorithm": {"jwt_config": {"enabled": True, "secret": SECRET}},
    "jwt_providers[].secret": {"jwt_providers": [{"id": "corp", "algorithm": "HS256"}]},
    "jwt_providers[].algorithm": {"jwt_providers": [{"id": "corp", "secret": SECRET}]},
}


def test_every_required_key_has_a_case() -> None:
    required = {name for name, key in all_keys().items() if key.required is not None}

    assert sorted(required ^ (set(REQUIRED) | {"server_name"})) == []


@pytest.mark.parametrize("name", sorted(REQUIRED))
def test_a_required_key_left_out_is_refused_by_name(name: str) -> None:
    with pytest.raises(ConfigError) as refused:
        parse_config({"server_name": "example.com", **REQUIRED[name]}, base_dir=BASE_DIR)

    assert re.sub(r"\[\d+\]", "[]", refused.value.key) == name


def test_a_config_without_server_name_is_refused_by_name() -> None:
    with pytest.raises(ConfigError) as refused:
        parse_config({"listeners": [{"port": 8008}]}, base_dir=BASE_DIR)

    assert refused.value.key == "server_name"


# (c) docs/configuration.md holds exactly what the generator writes.


def test_the_docs_hold_the_generated_reference_byte_for_byte() -> None:
    document = DOCS.read_text(encoding="utf-8")

    regenerated = splice(document, render_markdown())

    assert regenerated == document, (
        "docs/configuration.md's generated reference is out of date: run `make docs`"
    )


def test_splice_replaces_only_the_text_between_the_markers() -> None:
    start, end = (
        "<!-- generated by tessera config-reference: do not edit -->",
        "<!-- end of generated reference -->",
    )
    document = f"# Title\n\nprose\n\n{start}\n\nold table\n\n{end}\n\n## Notes\n"

    spliced = splice(document, "new table\n")

    assert spliced == f"# Title\n\nprose\n\n{start}\n\nnew table\n\n{end}\n\n## Notes\n"
    assert splice(spliced, "new table\n") == spliced


def test_splice_refuses_a_document_without_the_markers() -> None:
    with pytest.raises(ValueError, match="needs the lines"):
        splice("# Configuration reference\n", "table\n")
