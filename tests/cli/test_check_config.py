"""``tessera check-config``: a Synapse config passes with one warning; errors name the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from tessera.core.events.signing import encode_base64
from tests.cli.runner import tessera, write_config

SYNAPSE_ONLY = {
    "report_stats": False,
    "media_store_path": "/data/media_store",
    "trusted_key_servers": [{"server_name": "matrix.org"}],
    "log_config": "/data/example.com.log.config",
    "macaroon_secret_key": "macaroon-secret",
    "form_secret": "form-secret",
}
SEED_JWT = {"enabled": True, "secret": "my-secret-token", "algorithm": "HS256"}


def test_synapse_config_passes_with_ignored_keys_reported_in_one_warning_line(
    tmp_path: Path,
) -> None:
    config = write_config(tmp_path / "homeserver.yaml", jwt_config=SEED_JWT, **SYNAPSE_ONLY)

    result = tessera("check-config", "-c", str(config), cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    mentioning = [line for line in result.stderr.splitlines() if "report_stats" in line]
    assert len(mentioning) == 1, result.stderr
    [line] = mentioning
    assert "WARNING" in line
    listed = {key.strip() for key in line.rsplit(": ", 1)[1].split(",")}
    assert listed == set(SYNAPSE_ONLY)
    # The seed page's short secret gets its own warning, not a place in that list.
    assert any("jwt_config.secret" in other for other in result.stderr.splitlines())
    assert "JWT login: enabled (HS256)" in result.stdout
    # The values of secrets are never echoed back.
    assert "macaroon-secret" not in result.stdout + result.stderr
    assert "my-secret-token" not in result.stdout + result.stderr


@pytest.mark.parametrize(
    ("top_level", "dotted_key"),
    [
        ({"jwt_config": {**SEED_JWT, "secrett": "x"}}, "jwt_config.secrett"),
        ({"jwt_config": {**SEED_JWT, "algorithm": "RS256"}}, "jwt_config.secret"),
    ],
)
def test_check_config_fails_naming_the_dotted_key(
    tmp_path: Path, top_level: dict[str, object], dotted_key: str
) -> None:
    config = write_config(tmp_path / "homeserver.yaml", **top_level)

    result = tessera("check-config", "-c", str(config), cwd=tmp_path)

    assert result.returncode != 0
    assert f"{dotted_key}:" in result.stderr
    assert "Traceback" not in result.stderr
    assert "OK" not in result.stdout


#: A key line as Synapse's generate-keys writes it (the spec's test-vector seed).
SYNAPSE_KEY = "ed25519 a_AbCd YJDBA9Xnr2sVqXD9Vj7XVUnmFZcZrlw8Md7kMW+3XA1\n"


def test_check_config_reports_the_id_of_a_synapse_signing_key(tmp_path: Path) -> None:
    (tmp_path / "keys").mkdir()
    key_file = tmp_path / "keys" / "example.signing.key"
    key_file.write_text(SYNAPSE_KEY)
    key_file.chmod(0o600)
    elsewhere = tmp_path / "cwd"
    elsewhere.mkdir()
    # Relative to the config file's directory, not to where the command runs.
    config = write_config(tmp_path / "homeserver.yaml", signing_key_path="keys/example.signing.key")

    result = tessera("check-config", "-c", str(config), cwd=elsewhere)

    assert result.returncode == 0, result.stderr
    assert f"signing key: ed25519:a_AbCd ({key_file})" in result.stdout
    assert "YJDBA9" not in result.stdout + result.stderr
    assert "signing_key_path" not in result.stderr  # read, so not an ignored Synapse key


def test_check_config_warns_about_a_key_every_user_can_read(tmp_path: Path) -> None:
    key_file = tmp_path / "localhost.signing.key"
    key_file.write_text(SYNAPSE_KEY)
    key_file.chmod(0o644)  # what Synapse's generate-keys leaves under a 022 umask
    config = write_config(tmp_path / "homeserver.yaml")

    result = tessera("check-config", "-c", str(config), cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    assert "ed25519:a_AbCd" in result.stdout
    assert "readable by every user" in result.stderr


def test_check_config_says_a_missing_key_will_be_created_and_creates_nothing(
    tmp_path: Path,
) -> None:
    config = write_config(tmp_path / "homeserver.yaml")

    result = tessera("check-config", "-c", str(config), cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    key_file = tmp_path / "localhost.signing.key"
    assert f"signing key: {key_file} does not exist yet" in result.stdout
    assert not key_file.exists()


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("ed25519 a_AbCd\n", "line 1: expected"),
        ("ed25519 a_AbCd " + encode_base64(b"short") + "\n", "32 bytes"),
        ("", "no signing key"),
    ],
)
def test_check_config_refuses_an_unusable_key_file(
    tmp_path: Path, content: str, reason: str
) -> None:
    (tmp_path / "localhost.signing.key").write_text(content)
    config = write_config(tmp_path / "homeserver.yaml")

    result = tessera("check-config", "-c", str(config), cwd=tmp_path)

    assert result.returncode != 0
    assert "localhost.signing.key" in result.stderr and reason in result.stderr
    assert "Traceback" not in result.stderr
