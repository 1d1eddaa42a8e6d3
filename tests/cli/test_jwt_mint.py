"""``tessera jwt mint``: tokens the configured server accepts, for every key family."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from joserfc import jwt
from joserfc.jwk import OctKey

from tessera.config import load_config
from tessera.core.jwt_login import JwtIdentity, verify
from tessera.policy import build_jwt_policy
from tests.cli.runner import tessera, write_config
from tests.support.keys import KeyPair, ec_pair, ed25519_pair, rsa_pair

SECRET = "a-test-secret-that-is-long-enough-for-hs256"
HS256 = {"enabled": True, "secret": SECRET, "algorithm": "HS256"}
RSA = rsa_pair()


def mint(cwd: Path, *args: str) -> str:
    result = tessera("jwt", "mint", *args, cwd=cwd)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""  # stdout is the token alone, stderr stays quiet: scriptable
    token = result.stdout.strip()
    assert token.count(".") == 2, result.stdout
    return token


def verified(token: str, config_path: Path) -> JwtIdentity:
    """What Tessera's own verifier makes of ``token`` under ``config_path``'s jwt_config."""
    policy = build_jwt_policy(load_config(config_path).jwt)
    return verify(token, policy, now=time.time())


def hs256_claims(token: str) -> dict[str, Any]:
    return dict(jwt.decode(token, OctKey.import_key(SECRET), algorithms=["HS256"]).claims)


@pytest.fixture
def hs256_config(tmp_path: Path) -> Path:
    return write_config(tmp_path / "homeserver.yaml", jwt_config=HS256)


def test_minted_token_is_accepted_by_tessera_for_the_given_subject(hs256_config: Path) -> None:
    before = int(time.time())

    token = mint(hs256_config.parent, "-c", str(hs256_config), "--sub", "alice")

    assert verified(token, hs256_config).subject == "alice"
    claims = hs256_claims(token)
    assert claims["sub"] == "alice"
    assert before <= claims["iat"] <= time.time() + 1
    assert claims["exp"] - claims["iat"] == 3600  # the default lifetime: 1h


def test_claims_are_parsed_as_json_or_kept_as_strings(hs256_config: Path) -> None:
    token = mint(
        hs256_config.parent,
        *("-c", str(hs256_config), "--sub", "bob", "--exp", "10m"),
        *("--claim", "admin=true", "--claim", "level=3", "--claim", 'groups=["a","b"]'),
        *("--claim", "name=Bob Builder", "--claim", "note={not json"),
    )

    claims = hs256_claims(token)
    assert claims["admin"] is True
    assert claims["level"] == 3
    assert claims["groups"] == ["a", "b"]
    assert claims["name"] == "Bob Builder"
    assert claims["note"] == "{not json"
    assert claims["exp"] - claims["iat"] == 600
    assert verified(token, hs256_config).subject == "bob"


def test_exp_none_omits_exp_and_homeserver_yaml_here_is_the_default_config(
    hs256_config: Path,
) -> None:
    token = mint(hs256_config.parent, "--sub", "carol", "--exp", "none")

    claims = hs256_claims(token)
    assert "exp" not in claims
    assert "iat" in claims
    assert verified(token, hs256_config).subject == "carol"


def test_minted_token_carries_the_configured_issuer_and_audience(tmp_path: Path) -> None:
    jwt_config = {**HS256, "issuer": "https://idp.example", "audiences": ["matrix", "other"]}
    config = write_config(tmp_path / "homeserver.yaml", jwt_config=jwt_config)

    token = mint(tmp_path, "-c", str(config), "--sub", "erin")

    claims = hs256_claims(token)
    assert claims["iss"] == "https://idp.example"
    assert claims["aud"] in ("matrix", ["matrix"])
    assert verified(token, config).subject == "erin"


# jwt_keys silences joserfc's "EdDSA is deprecated" at import; pytest resets filters per test.
@pytest.mark.filterwarnings("ignore:EdDSA is deprecated")
@pytest.mark.parametrize(
    ("algorithm", "pair"),
    [
        ("RS256", RSA),
        ("ES256", ec_pair(ec.SECP256R1())),
        ("EdDSA", ed25519_pair()),
    ],
)
def test_asymmetric_token_minted_with_the_private_key_verifies_with_the_public_one(
    tmp_path: Path, algorithm: str, pair: KeyPair
) -> None:
    config = write_config(
        tmp_path / "homeserver.yaml",
        jwt_config={"enabled": True, "secret": pair.public_pem, "algorithm": algorithm},
    )
    key_file = tmp_path / "private.pem"
    key_file.write_text(pair.private_pem)

    token = mint(tmp_path, "-c", str(config), "--sub", "frank", "--key", str(key_file))

    identity = verified(token, config)
    assert identity.subject == "frank"
    assert identity.claims["exp"] - identity.claims["iat"] == 3600


def test_asymmetric_algorithm_without_key_fails_with_exit_code_2(tmp_path: Path) -> None:
    config = write_config(
        tmp_path / "homeserver.yaml",
        jwt_config={"enabled": True, "secret": RSA.public_pem, "algorithm": "RS256"},
    )

    result = tessera("jwt", "mint", "-c", str(config), "--sub", "gina", cwd=tmp_path)

    assert result.returncode == 2
    assert result.stdout == ""
    assert "--key" in result.stderr
    assert "RS256" in result.stderr
    assert "Traceback" not in result.stderr
