"""``jwt_providers`` and the new per-provider keys: read, defaulted, refused naming the key."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tessera.config import ConfigError, parse_config
from tessera.config.model import AdminClaim
from tessera.policy import build_claim_mapping, build_jwt_policy

SECRET = "a-config-test-secret-of-at-least-32-bytes"
ENABLED = {"enabled": True, "secret": SECRET, "algorithm": "HS256"}
PROVIDER = {"id": "corp", "secret": SECRET, "algorithm": "HS256", "issuer": "https://corp"}


def parse(document: dict[str, Any], base_dir: Path = Path("/srv/tessera")) -> Any:
    return parse_config({"server_name": "example.com", **document}, base_dir)


def error_of(document: dict[str, Any], base_dir: Path = Path("/srv/tessera")) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        config = parse(document, base_dir)
        for jwt in config.jwt_logins:
            build_jwt_policy(jwt)
            build_claim_mapping(jwt)
    return caught.value


def test_defaults_keep_synapses_behaviour() -> None:
    jwt = parse({"jwt_config": ENABLED}).jwt

    assert jwt.id == "jwt_config"
    assert (jwt.jwks_uri, jwt.jwks_path, jwt.localpart_template) == (None, None, None)
    assert jwt.localpart_normalisation == "strict"
    assert jwt.allow_numeric_localparts is False
    assert jwt.sync_every_login == frozenset()
    assert jwt.admin_claim is None
    assert jwt.jti_replay_protection is False
    assert jwt.error_detail == "full"
    assert (jwt.jwks_timeout, jwt.jwks_refetch_interval) == (5_000, 60_000)


def test_providers_follow_jwt_config_and_are_enabled_by_default() -> None:
    config = parse(
        {
            "jwt_config": ENABLED,
            "jwt_providers": [PROVIDER, {**PROVIDER, "id": "b", "enabled": False}],
        }
    )

    assert [p.id for p in config.jwt_logins] == ["jwt_config", "corp"]
    assert config.jwt_providers[0].issuer == "https://corp"


def test_providers_alone_need_no_jwt_config() -> None:
    config = parse({"jwt_providers": [PROVIDER]})

    assert [p.id for p in config.jwt_logins] == ["corp"]


@pytest.mark.parametrize(
    ("providers", "key", "words"),
    [
        ([PROVIDER, PROVIDER], "jwt_providers[1].id", "used twice"),
        ([{**PROVIDER, "id": "jwt_config"}], "jwt_providers[0].id", "used twice"),
        ([{**PROVIDER, "id": "Corp SSO"}], "jwt_providers[0].id", "a-z"),
        ([{k: v for k, v in PROVIDER.items() if k != "id"}], "jwt_providers[0].id", "required"),
        ([{**PROVIDER, "sekret": 1}], "jwt_providers[0].sekret", "unknown key"),
        ({"id": "x"}, "jwt_providers", "must be a list"),
        (["corp"], "jwt_providers[0]", "must be a mapping"),
    ],
)
def test_bad_providers_name_their_key(providers: Any, key: str, words: str) -> None:
    error = error_of({"jwt_providers": providers})

    assert error.key == key
    assert words in str(error)


@pytest.mark.parametrize(
    ("keys", "key", "words"),
    [
        ({"jwks_uri": "https://idp/jwks"}, "jwt_config.jwks_uri", "not both"),
        ({"secret": None, "jwks_uri": "ftp://idp/jwks"}, "jwt_config.jwks_uri", "https://"),
        ({"secret": None, "jwks_uri": "https:///jwks"}, "jwt_config.jwks_uri", "https://"),
        ({"secret": None}, "jwt_config.secret", "jwks_uri"),
        ({"localpart_normalisation": "upper"}, "jwt_config.localpart_normalisation", "map"),
        ({"error_detail": "none"}, "jwt_config.error_detail", "minimal"),
        ({"avatar_url_sync": "every_login"}, "jwt_config.avatar_url_sync", "avatar_url_claim"),
        ({"email_sync": "always"}, "jwt_config.email_sync", "every_login"),
        ({"jti_replay_protection": True}, "jwt_config.jti_replay_protection", "require_exp"),
        ({"jwks_timeout": 0}, "jwt_config.jwks_timeout", "positive duration"),
        (
            {"jwks_cache_min": "2h", "jwks_cache_max": "1h"},
            "jwt_config.jwks_cache_min",
            "jwks_cache_max",
        ),
        ({"admin_claim": "admin"}, "jwt_config.admin_claim", "mapping"),
        ({"admin_claim": {"claim": "roles"}}, "jwt_config.admin_claim.value", "required"),
        ({"admin_claim": {"claim": "a..b", "value": 1}}, "jwt_config.admin_claim.claim", "dotted"),
        ({"admin_claim": {"claim": "r", "value": []}}, "jwt_config.admin_claim.value", "at least"),
        (
            {"admin_claim": {"claim": "r", "value": 1, "x": 1}},
            "jwt_config.admin_claim.x",
            "unknown",
        ),
        ({"localpart_template": "{{ user.name "}, "jwt_config.localpart_template", "line 1"),
    ],
)
def test_bad_new_keys_name_their_key(keys: dict[str, Any], key: str, words: str) -> None:
    error = error_of({"jwt_config": {**ENABLED, **keys}})

    assert error.key == key
    assert words in str(error)


def test_new_keys_are_read() -> None:
    jwt = parse(
        {
            "jwt_config": {
                **{k: v for k, v in ENABLED.items() if k != "secret"},
                "jwks_uri": "https://idp.example/jwks.json",
                "jwks_timeout": "2s",
                "jwks_refetch_interval": "30s",
                "localpart_template": "{{ user.preferred_username }}",
                "localpart_normalisation": "map",
                "allow_numeric_localparts": True,
                "display_name_claim": "name",
                "display_name_sync": "every_login",
                "email_claim": "email",
                "admin_claim": {"claim": "realm_access.roles", "value": ["admin", "ops"]},
                "require_exp": True,
                "jti_replay_protection": True,
                "error_detail": "minimal",
            }
        }
    ).jwt

    assert jwt.jwks_uri == "https://idp.example/jwks.json"
    assert (jwt.jwks_timeout, jwt.jwks_refetch_interval) == (2_000, 30_000)
    assert jwt.claim_for == {"display_name": "name", "email": "email"}
    assert jwt.sync_every_login == frozenset({"display_name"})
    assert jwt.admin_claim == AdminClaim("realm_access.roles", ("admin", "ops"))
    assert jwt.jti_replay_protection and jwt.error_detail == "minimal"
    assert len(build_jwt_policy(jwt).keys.keys) == 0  # fetched at startup, not read from config
    assert build_claim_mapping(jwt).template is not None


def secret_file(path: Path, text: str, mode: int) -> None:
    path.write_text(text)
    path.chmod(mode)


@pytest.mark.parametrize("name", ["secret_path", "jwks_path"])
def test_a_world_readable_secret_file_is_refused(tmp_path: Path, name: str) -> None:
    secret_file(tmp_path / "jwt", SECRET, 0o644)
    keys = {k: v for k, v in ENABLED.items() if k != "secret"}

    error = error_of({"jwt_config": {**keys, name: "jwt"}}, tmp_path)

    assert error.key == f"jwt_config.{name}"
    assert "readable by every user" in str(error)
    assert "allow_world_readable_secrets" in str(error)


def test_world_readable_secret_files_can_be_allowed(tmp_path: Path) -> None:
    secret_file(tmp_path / "jwt", SECRET, 0o644)
    keys = {k: v for k, v in ENABLED.items() if k != "secret"}

    config = parse(
        {"jwt_config": {**keys, "secret_path": "jwt"}, "allow_world_readable_secrets": True},
        tmp_path,
    )

    assert config.jwt.secret == SECRET


def test_a_group_readable_secret_file_is_accepted(tmp_path: Path) -> None:
    secret_file(tmp_path / "jwt", SECRET, 0o640)
    keys = {k: v for k, v in ENABLED.items() if k != "secret"}

    assert parse({"jwt_config": {**keys, "secret_path": "jwt"}}, tmp_path).jwt.secret == SECRET


def test_provider_key_errors_name_the_provider() -> None:
    error = error_of({"jwt_providers": [{**PROVIDER, "algorithm": "RS256"}]})

    assert error.key.startswith("jwt_providers[corp].")
