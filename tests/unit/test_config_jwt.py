"""``jwt_config``'s opt-in keys: read, defaulted, and refused naming the dotted key."""

from __future__ import annotations

import datetime
import json
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from tessera.config import ConfigError, JwtConfig, parse_config
from tessera.core.jwt_login import verify
from tessera.policy import build_jwt_policy
from tests.support.keys import ec_pair, jwk, oct_jwk, rsa_pair, sign

SECRET = "a-config-test-secret-of-at-least-32-bytes"
RSA = rsa_pair()
P256 = ec_pair(ec.SECP256R1())
ENABLED = {"enabled": True, "secret": SECRET, "algorithm": "HS256"}
NOW = 1_700_000_000


def parse(jwt_config: dict[str, Any], base_dir: Path = Path("/srv/tessera")) -> Any:
    return parse_config({"server_name": "example.com", "jwt_config": jwt_config}, base_dir)


def jwt_of(**keys: Any) -> JwtConfig:
    config: JwtConfig = parse({**ENABLED, **keys}).jwt
    return config


def error_of(jwt_config: dict[str, Any], base_dir: Path = Path("/srv/tessera")) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        config = parse(jwt_config, base_dir)
        build_jwt_policy(config.jwt)
    return caught.value


def without(key: str, **extra: Any) -> dict[str, Any]:
    return {**{k: v for k, v in ENABLED.items() if k != key}, **extra}


# --- defaults: a Synapse jwt_config means what it means in Synapse ---------------------------


def test_new_keys_default_to_synapses_behaviour() -> None:
    jwt = parse(ENABLED).jwt

    assert jwt.algorithms is None
    assert jwt.algorithm_list == ("HS256",)
    assert jwt.secret_path is None
    assert jwt.leeway == 120
    assert jwt.require_exp is False
    assert jwt.max_lifetime is None
    assert jwt.allow_registration is True
    assert jwt.required_claims == {}


def test_new_keys_are_read() -> None:
    jwt = jwt_of(
        leeway=30,
        require_exp=True,
        max_lifetime="1h",
        allow_registration=False,
        required_claims={"group": "chat-users", "roles": ["a", "b"], "level": 3, "ok": True},
    )

    assert (jwt.leeway, jwt.require_exp, jwt.max_lifetime) == (30, True, 3_600_000)
    assert jwt.allow_registration is False
    assert jwt.required_claims == {
        "group": ("chat-users",),
        "roles": ("a", "b"),
        "level": (3,),
        "ok": (True,),
    }


# --- algorithm / algorithms --------------------------------------------------------------------


def test_algorithms_list_replaces_algorithm() -> None:
    jwt = parse(without("algorithm", algorithms=["HS256", "HS512"])).jwt

    assert jwt.algorithm is None
    assert jwt.algorithm_list == ("HS256", "HS512")


@pytest.mark.parametrize(
    ("jwt_config", "key", "words"),
    [
        ({**ENABLED, "algorithms": ["HS256"]}, "jwt_config.algorithms", "not both"),
        (without("algorithm"), "jwt_config.algorithm", "required"),
        (without("algorithm", algorithms=[]), "jwt_config.algorithms", "at least one"),
        (without("algorithm", algorithms="HS256"), "jwt_config.algorithms", "must be a list"),
        (without("algorithm", algorithms=["HS256", 5]), "jwt_config.algorithms[1]", "string"),
        (without("algorithm", algorithms=["HS256", "none"]), "jwt_config.algorithms[1]", "HS256"),
        (without("algorithm", algorithms=["HS256", "RS256"]), "jwt_config.secret", "RS256"),
    ],
    ids=["both", "neither", "empty", "not-a-list", "not-a-string", "unsupported", "unfit-key"],
)
def test_algorithms_errors_name_the_key(jwt_config: dict[str, Any], key: str, words: str) -> None:
    error = error_of(jwt_config)

    assert error.key == key
    assert words in str(error)


def test_asymmetric_pem_with_an_hmac_algorithm_is_refused_at_load() -> None:
    config = without("algorithm", secret=RSA.public_pem, algorithms=["RS256", "HS256"])

    error = error_of(config)

    assert error.key == "jwt_config.secret"
    assert "HS256" in str(error)


def test_disabled_block_may_still_not_set_both() -> None:
    assert error_of({"algorithm": "HS256", "algorithms": ["HS256"]}).key == "jwt_config.algorithms"


# --- secret as a JWK or a JWK Set -----------------------------------------------------------


def test_jwk_set_written_as_yaml_is_the_same_as_its_json_text() -> None:
    keys = {"keys": [jwk(RSA, "RSA", kid="r"), jwk(P256, "EC", kid="e")]}
    as_yaml = jwt_of(algorithm=None, algorithms=["RS256", "ES256"], secret=keys)
    as_json = jwt_of(algorithm=None, algorithms=["RS256", "ES256"], secret=json.dumps(keys))

    token = sign({"sub": "alice"}, P256.private_pem, "ES256", kid="e")
    for jwt in (as_yaml, as_json):
        assert verify(token, build_jwt_policy(jwt), NOW).subject == "alice"


def test_single_jwk_as_a_yaml_mapping_is_a_key() -> None:
    jwt = jwt_of(secret=oct_jwk(SECRET))

    assert verify(sign({"sub": "alice"}, SECRET), build_jwt_policy(jwt), NOW).subject == "alice"


def test_key_of_a_set_unfit_for_the_algorithms_is_named_by_position() -> None:
    keys = {"keys": [jwk(RSA, "RSA", kid="r"), jwk(P256, "EC", kid="e")]}

    error = error_of({**ENABLED, "algorithm": "RS256", "secret": keys})

    assert error.key == "jwt_config.secret.keys[1]"
    assert "EC P-256" in str(error)


@pytest.mark.parametrize(
    ("secret", "words"),
    [
        ({"kty": "RSA"}, "JWK"),
        ({"keys": []}, "keys"),
        ({"something": "else"}, "neither"),
        ("{not json}", "not valid JSON"),
    ],
    ids=["incomplete-jwk", "empty-set", "not-a-jwk", "broken-json"],
)
def test_unusable_jwk_secret_names_the_secret(secret: Any, words: str) -> None:
    error = error_of({**ENABLED, "algorithm": "RS256", "secret": secret})

    assert error.key.startswith("jwt_config.secret")
    assert words in str(error)


def test_yaml_jwk_with_non_json_values_is_refused() -> None:
    error = error_of({**ENABLED, "secret": {"kty": "oct", "k": datetime.date(2024, 1, 1)}})

    assert error.key == "jwt_config.secret"


@pytest.mark.parametrize("secret", [1234, ["a"], True])
def test_secret_of_another_type_is_an_error(secret: object) -> None:
    error = error_of({**ENABLED, "secret": secret})

    assert error.key == "jwt_config.secret"
    assert str(error).startswith("jwt_config.secret: must be a string")


def secret_file(path: Path, text: str) -> None:
    """A secret file as an operator should keep it: readable by its owner only."""
    path.write_text(text)
    path.chmod(0o600)


# --- secret_path --------------------------------------------------------------------------------


def test_secret_path_is_read_relative_to_the_config_and_stripped(tmp_path: Path) -> None:
    (tmp_path / "secrets").mkdir()
    secret_file(tmp_path / "secrets" / "jwt", f"  {SECRET}\n")

    jwt = parse(without("secret", secret_path="secrets/jwt"), tmp_path).jwt

    assert jwt.secret == SECRET
    assert jwt.secret_path == tmp_path / "secrets" / "jwt"
    assert verify(sign({"sub": "alice"}, SECRET), build_jwt_policy(jwt), NOW).subject == "alice"


def test_secret_path_may_hold_a_jwk_set(tmp_path: Path) -> None:
    keys = {"keys": [jwk(RSA, "RSA", kid="r")]}
    secret_file(tmp_path / "jwks.json", json.dumps(keys, indent=2))
    config = without("secret", secret_path=str(tmp_path / "jwks.json"), algorithm="RS256")

    jwt = parse(config, tmp_path).jwt

    token = sign({"sub": "alice"}, RSA.private_pem, "RS256", kid="r")
    assert verify(token, build_jwt_policy(jwt), NOW).subject == "alice"


def test_secret_and_secret_path_together_are_refused(tmp_path: Path) -> None:
    secret_file(tmp_path / "jwt", SECRET)

    error = error_of({**ENABLED, "secret_path": "jwt"}, tmp_path)

    assert error.key == "jwt_config.secret_path"
    assert "not both" in str(error)


@pytest.mark.parametrize(("content", "words"), [(None, "cannot read"), ("\n", "empty")])
def test_unreadable_or_empty_secret_file_is_an_error(
    tmp_path: Path, content: str | None, words: str
) -> None:
    if content is not None:
        secret_file(tmp_path / "jwt", content)

    error = error_of(without("secret", secret_path="jwt"), tmp_path)

    assert error.key == "jwt_config.secret_path"
    assert words in str(error)


def test_key_errors_from_a_secret_file_name_secret_path(tmp_path: Path) -> None:
    secret_file(tmp_path / "jwt.pem", RSA.public_pem)

    error = error_of(without("secret", secret_path="jwt.pem"), tmp_path)

    assert error.key == "jwt_config.secret_path"
    assert "HS256" in str(error)
    assert "BEGIN" not in str(error)


def test_disabled_block_does_not_read_its_secret_file(tmp_path: Path) -> None:
    jwt = parse({"enabled": False, "secret_path": "missing"}, tmp_path).jwt

    assert jwt.secret is None
    assert jwt.enabled is False


def test_enabled_block_without_secret_names_both_ways_to_give_it() -> None:
    error = error_of(without("secret"))

    assert error.key == "jwt_config.secret"
    assert "secret_path" in str(error)


# --- clock rules --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "value", "words"),
    [
        ("leeway", -1, "non-negative"),
        ("leeway", "2m", "must be an integer"),
        ("leeway", 1.5, "must be an integer"),
        ("require_exp", "yes", "must be a boolean"),
        ("max_lifetime", 0, "longer than 0"),
        ("max_lifetime", "an hour", "duration"),
        ("max_lifetime", -5, "duration"),
        ("allow_registration", "false", "must be a boolean"),
    ],
)
def test_clock_and_provisioning_errors_name_the_key(key: str, value: object, words: str) -> None:
    error = error_of({**ENABLED, key: value})

    assert error.key == f"jwt_config.{key}"
    assert words in str(error)


@pytest.mark.parametrize(
    ("value", "milliseconds"),
    [("1h", 3_600_000), ("90s", 90_000), ("1d", 86_400_000), (300_000, 300_000)],
)
def test_max_lifetime_is_a_synapse_duration(value: object, milliseconds: int) -> None:
    assert jwt_of(max_lifetime=value).max_lifetime == milliseconds


def test_bare_small_max_lifetime_warns_that_it_is_milliseconds() -> None:
    config = parse({**ENABLED, "max_lifetime": 3600})

    assert config.jwt.max_lifetime == 3600
    [warning] = [w for w in config.warnings if "max_lifetime" in w]
    assert "milliseconds" in warning


def test_zero_leeway_is_allowed() -> None:
    assert jwt_of(leeway=0).leeway == 0


# --- required_claims ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("required", "key"),
    [
        ({"group": 1.5}, "jwt_config.required_claims.group"),
        ({"group": None}, "jwt_config.required_claims.group"),
        ({"group": {"a": 1}}, "jwt_config.required_claims.group"),
        ({"group": []}, "jwt_config.required_claims.group"),
        ({"group": ["ok", 2.5]}, "jwt_config.required_claims.group[1]"),
        ({"group": ["ok", ["nested"]]}, "jwt_config.required_claims.group[1]"),
        ({5: "x"}, "jwt_config.required_claims.5"),
        (["group"], "jwt_config.required_claims"),
    ],
    ids=["float", "null", "mapping", "empty", "float-in-list", "nested", "int-name", "list"],
)
def test_required_claims_errors_name_the_claim(required: object, key: str) -> None:
    assert error_of({**ENABLED, "required_claims": required}).key == key


def test_unknown_key_in_jwt_config_is_still_refused() -> None:
    assert error_of({**ENABLED, "requierd_claims": {}}).key == "jwt_config.requierd_claims"
