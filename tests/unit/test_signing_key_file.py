"""The signing key file: read in Synapse's format, created once, never overwritten."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from tessera.core.events.signing import format_signing_key, generate_signing_key
from tessera.storage.signing_key_file import (
    SigningKeyFileError,
    load_or_create_signing_key,
    read_signing_key_file,
    server_signing_key,
)


def test_a_missing_file_is_created_private_and_then_reused(tmp_path: Path) -> None:
    path = tmp_path / "hs.signing.key"
    key, created = load_or_create_signing_key(path)
    assert created and stat.S_IMODE(path.stat().st_mode) == 0o600
    again, created_again = load_or_create_signing_key(path)
    assert not created_again and again.key_id == key.key_id and again.seed() == key.seed()
    assert server_signing_key(path).seed() == key.seed()


def test_an_existing_synapse_key_is_used_not_replaced(tmp_path: Path) -> None:
    path = tmp_path / "hs.signing.key"
    synapse_key = generate_signing_key("a_Syn1")
    path.write_text(format_signing_key(synapse_key) + format_signing_key(generate_signing_key()))
    key, created = load_or_create_signing_key(path)
    assert not created and key.key_id == "ed25519:a_Syn1" and key.seed() == synapse_key.seed()
    assert len(read_signing_key_file(path)) == 2


def test_an_unusable_file_is_an_error_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "hs.signing.key"
    path.write_bytes(b"\xff\xfe")
    with pytest.raises(SigningKeyFileError, match=r"hs\.signing\.key is not text"):
        load_or_create_signing_key(path)
    path.write_text("ed448 a_x abc\n")
    with pytest.raises(SigningKeyFileError, match="unsupported algorithm"):
        server_signing_key(path)


def test_a_directory_that_cannot_be_written_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(SigningKeyFileError, match="cannot create signing key"):
        load_or_create_signing_key(tmp_path / "missing-dir" / "hs.signing.key")
    with pytest.raises(SigningKeyFileError, match="cannot read signing key"):
        server_signing_key(tmp_path / "missing-dir" / "hs.signing.key")


def test_a_config_built_in_code_gets_a_throw_away_key() -> None:
    assert server_signing_key(None).seed() != server_signing_key(None).seed()
