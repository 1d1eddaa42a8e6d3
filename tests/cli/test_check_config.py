"""``tessera check-config``: a Synapse config passes with one warning; errors name the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.runner import tessera, write_config

SYNAPSE_ONLY = {
    "report_stats": False,
    "media_store_path": "/data/media_store",
    "signing_key_path": "/data/example.com.signing.key",
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
