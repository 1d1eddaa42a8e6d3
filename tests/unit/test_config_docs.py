"""Every key the loader reads is documented in docs/configuration.md (the reference can't drift)."""

import re
from pathlib import Path
from typing import Any

import pytest

from tessera.config import parse_config
from tessera.config.section import Section

DOCS = Path(__file__).resolve().parents[2] / "docs" / "configuration.md"

CONFIGS: list[dict[str, Any]] = [
    {
        "server_name": "example.com",
        "listeners": [{"port": 8008, "resources": [{"names": ["client", "metrics"]}]}],
        "database": {"name": "sqlite3", "args": {"database": "x.db"}},
        "jwt_config": {"enabled": True, "secret": "s" * 32, "algorithm": "HS256"},
        "password_config": {"enabled": True},
        "login_via_existing_session": {"enabled": True},
        "rc_login": {"address": {}, "account": {}, "failed_attempts": {}},
    },
    {
        "server_name": "example.com",
        "database": {"name": "psycopg2", "args": {"user": "u", "database": "d"}},
    },
]


def _keys_read(monkeypatch: pytest.MonkeyPatch) -> set[str]:
    seen: set[str] = set()
    original = Section.raw

    def recording_raw(self: Section, name: str) -> Any:
        seen.add(re.sub(r"\[\d+\]", "", self.key(name)))
        return original(self, name)

    monkeypatch.setattr(Section, "raw", recording_raw)
    for config in CONFIGS:
        parse_config(config, base_dir=Path("."))
    return seen


def test_every_key_the_loader_reads_is_in_the_configuration_reference(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # `resources[].compress` in the text names the key listeners.resources.compress.
    documented = set(re.findall(r"`([A-Za-z_.]+)`", DOCS.read_text().replace("[]", "")))
    missing = sorted(key for key in _keys_read(monkeypatch) if not _documented(key, documented))
    assert missing == []


def _documented(key: str, documented: set[str]) -> bool:
    """Named in full, by a dotted tail (`args.cp_min`), or as the head of one (`args.…`)."""
    parts = key.split(".")
    tails = {".".join(parts[i:]) for i in range(len(parts))}
    return bool(tails & documented) or any(d.startswith(parts[-1] + ".") for d in documented)
