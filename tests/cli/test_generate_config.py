"""``tessera generate-config``: a working development config, private, never clobbered."""

from __future__ import annotations

import shutil
import stat
from pathlib import Path

import pytest
import yaml

from tessera.config import load_config
from tessera.core.events.signing import read_signing_keys
from tests.cli.runner import tessera


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A config written by ``tessera generate-config`` with its defaults (read-only)."""
    directory = tmp_path_factory.mktemp("generated")
    result = tessera("generate-config", cwd=directory)
    assert result.returncode == 0, result.stderr
    return directory / "homeserver.yaml"


def _secret(path: Path) -> str:
    return str(yaml.safe_load(path.read_text())["jwt_config"]["secret"])


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_generate_config_writes_a_file_only_its_owner_can_read(generated: Path) -> None:
    assert _mode(generated) == 0o600


def test_generated_config_is_the_dev_setup_the_spec_describes(generated: Path) -> None:
    config = load_config(generated)

    assert config.server_name == "localhost"
    [listener] = config.listeners
    assert (listener.bind_addresses, listener.port) == (("127.0.0.1",), 8008)
    assert config.database.engine == "sqlite"
    assert config.database.sqlite_path == generated.parent.resolve() / "homeserver.db"
    assert (config.jwt.enabled, config.jwt.algorithm) == (True, "HS256")
    assert len(_secret(generated).encode()) >= 32


def test_generated_config_passes_check_config_without_warnings(generated: Path) -> None:
    result = tessera("check-config", "-c", str(generated), cwd=generated.parent)

    assert result.returncode == 0, result.stderr
    assert "OK" in result.stdout
    assert "WARNING" not in result.stderr
    assert _secret(generated) not in result.stdout + result.stderr


def test_generate_config_refuses_to_overwrite_an_existing_file(
    generated: Path, tmp_path: Path
) -> None:
    existing = tmp_path / "homeserver.yaml"
    shutil.copy2(generated, existing)
    before = existing.read_text()

    result = tessera("generate-config", cwd=tmp_path)

    assert result.returncode != 0
    assert "--force" in result.stderr
    assert existing.read_text() == before


def test_generate_config_with_force_overwrites_with_a_new_secret_and_private_mode(
    generated: Path, tmp_path: Path
) -> None:
    existing = tmp_path / "homeserver.yaml"
    shutil.copy2(generated, existing)
    existing.chmod(0o644)

    result = tessera("generate-config", "--force", cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    assert _secret(existing) != _secret(generated)
    assert _mode(existing) == 0o600


def test_generate_config_writes_a_synapse_format_signing_key_beside_the_config(
    generated: Path,
) -> None:
    key_file = generated.parent / "localhost.signing.key"
    assert _mode(key_file) == 0o600
    [key] = read_signing_keys(key_file.read_text())
    algorithm, version, seed = key_file.read_text().split()
    assert (algorithm, f"ed25519:{version}") == ("ed25519", key.key_id)
    assert version.startswith("a_") and "=" not in seed
    assert load_config(generated).signing_key_path == key_file.resolve()
    result = tessera("check-config", "-c", str(generated), cwd=generated.parent)
    assert f"signing key: {key.key_id}" in result.stdout


def test_generate_config_names_the_key_after_the_server(tmp_path: Path) -> None:
    result = tessera("generate-config", "--server-name", "chat.example.com", cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    key_file = tmp_path / "chat.example.com.signing.key"
    assert read_signing_keys(key_file.read_text())
    assert load_config(tmp_path / "homeserver.yaml").signing_key_path == key_file.resolve()


def test_generate_config_with_force_keeps_the_existing_signing_key(
    generated: Path, tmp_path: Path
) -> None:
    shutil.copy2(generated, tmp_path / "homeserver.yaml")
    key_file = tmp_path / "localhost.signing.key"
    shutil.copy2(generated.parent / "localhost.signing.key", key_file)
    before = key_file.read_text()

    result = tessera("generate-config", "--force", cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    assert key_file.read_text() == before  # the server's identity is never replaced
    assert "Kept the existing signing key" in result.stdout
