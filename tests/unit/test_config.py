"""``homeserver.yaml`` validation: Synapse's keys, errors that name the dotted key."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest
import yaml
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from tessera.config import ConfigError, JwtConfig, load_config, parse_config
from tessera.config.generate import generate_config
from tessera.policy import build_jwt_policy
from tests.support.keys import KeyPair, ec_pair, ed25519_pair, rsa_pair

BASE_DIR = Path("/srv/tessera")

#: A homeserver.yaml as `synapse --generate-config` and a typical deployment write it.
SYNAPSE_HOMESERVER_YAML = """\
server_name: "example.com"
pid_file: /data/homeserver.pid
public_baseurl: https://matrix.example.com/
listeners:
  - port: 8008
    tls: false
    type: http
    x_forwarded: true
    bind_addresses: ['::1', '127.0.0.1']
    resources:
      - names: [client, federation]
        compress: false
  - port: 9000
    type: metrics
    bind_addresses: ['127.0.0.1']
database:
  name: psycopg2
  txn_limit: 10000
  args:
    user: synapse_user
    password: "db-password"
    database: synapse
    host: db.internal
    port: 5433
    cp_min: 3
    cp_max: 7
log_config: "/data/example.com.log.config"
media_store_path: /data/media_store
registration_shared_secret: "registration-secret"
report_stats: false
macaroon_secret_key: "macaroon-secret"
form_secret: "form-secret"
signing_key_path: "/data/example.com.signing.key"
trusted_key_servers:
  - server_name: "matrix.org"
suppress_key_server_warning: true
enable_registration: false
jwt_config:
  enabled: true
  secret: "my-secret-token"
  algorithm: "HS256"
  subject_claim: "preferred_username"
  display_name_claim: "name"
  issuer: "https://idp.example.com"
  audiences: ["matrix", "element"]
"""

SYNAPSE_ONLY_KEYS = {
    "pid_file",
    "log_config",
    "media_store_path",
    "registration_shared_secret",
    "report_stats",
    "macaroon_secret_key",
    "form_secret",
    "trusted_key_servers",
    "suppress_key_server_warning",
}


def parse(**top_level: Any) -> Any:
    """``parse_config`` of a minimal valid document plus ``top_level``."""
    return parse_config({"server_name": "example.com", **top_level}, BASE_DIR)


def error_of(**top_level: Any) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        parse(**top_level)
    return caught.value


def policy_error(secret: str, algorithm: str) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        build_jwt_policy(JwtConfig(enabled=True, secret=secret, algorithm=algorithm))
    return caught.value


# --- a Synapse homeserver.yaml --------------------------------------------------------------


def test_synapse_homeserver_yaml_loads_with_its_unimplemented_keys_listed(tmp_path: Path) -> None:
    path = tmp_path / "homeserver.yaml"
    path.write_text(SYNAPSE_HOMESERVER_YAML)

    config = load_config(path)

    assert set(config.ignored_keys) == SYNAPSE_ONLY_KEYS
    assert len(config.ignored_keys) == len(SYNAPSE_ONLY_KEYS)


def test_synapse_homeserver_yaml_keeps_the_values_tessera_implements(tmp_path: Path) -> None:
    path = tmp_path / "homeserver.yaml"
    path.write_text(SYNAPSE_HOMESERVER_YAML)

    config = load_config(path)

    assert config.server_name == "example.com"
    assert config.public_baseurl == "https://matrix.example.com/"
    assert config.enable_registration is False
    [listener] = config.listeners
    assert listener.port == 8008
    assert listener.bind_addresses == ("::1", "127.0.0.1")
    assert listener.x_forwarded is True
    assert listener.resources == ("client", "federation")
    db = config.database
    assert (db.engine, db.user, db.password, db.database) == (
        "postgres",
        "synapse_user",
        "db-password",
        "synapse",
    )
    assert (db.host, db.port, db.cp_min, db.cp_max) == ("db.internal", 5433, 3, 7)
    jwt = config.jwt
    assert (jwt.enabled, jwt.secret, jwt.algorithm) == (True, "my-secret-token", "HS256")
    assert jwt.subject_claim == "preferred_username"
    assert jwt.display_name_claim == "name"
    assert jwt.issuer == "https://idp.example.com"
    assert jwt.audiences == ("matrix", "element")
    assert config.signing_key_path == Path("/data/example.com.signing.key")


# --- signing_key_path -------------------------------------------------------------------------


def test_signing_key_path_defaults_to_the_server_name_beside_the_config() -> None:
    assert parse().signing_key_path == BASE_DIR / "example.com.signing.key"


def test_relative_signing_key_path_is_relative_to_the_config_file() -> None:
    assert parse(signing_key_path="keys/hs.key").signing_key_path == BASE_DIR / "keys/hs.key"
    assert parse(signing_key_path="/etc/hs.key").signing_key_path == Path("/etc/hs.key")


def test_signing_key_path_must_be_a_non_empty_string() -> None:
    assert "signing_key_path" in str(error_of(signing_key_path=""))
    assert "signing_key_path" in str(error_of(signing_key_path=5))


def test_config_repr_hides_the_jwt_secret_and_database_password(tmp_path: Path) -> None:
    path = tmp_path / "homeserver.yaml"
    path.write_text(SYNAPSE_HOMESERVER_YAML)

    shown = repr(load_config(path))

    assert "my-secret-token" not in shown
    assert "db-password" not in shown


METRICS_LISTENERS = [
    {"port": 8008, "type": "http", "resources": [{"names": ["client"]}]},
    {"port": 9000, "type": "metrics", "bind_addresses": ["127.0.0.1"]},
]


def test_metrics_listener_without_enable_metrics_is_skipped_with_a_warning() -> None:
    config = parse(listeners=METRICS_LISTENERS)

    assert [listener.port for listener in config.listeners] == [8008]
    [warning] = config.warnings
    assert "enable_metrics" in warning


def test_metrics_listener_is_kept_with_enable_metrics() -> None:
    config = parse(listeners=METRICS_LISTENERS, enable_metrics=True)

    assert [(listener.port, listener.type) for listener in config.listeners] == [
        (8008, "http"),
        (9000, "metrics"),
    ]
    assert config.warnings == ()


def test_listener_without_client_resource_is_skipped_with_a_warning() -> None:
    config = parse(listeners=[{"port": 8448, "resources": [{"names": ["federation"]}]}])

    assert config.listeners == ()
    assert any(w.startswith("listeners[0]") for w in config.warnings)


def test_config_without_unimplemented_keys_has_nothing_ignored() -> None:
    config = parse(listeners=[{"port": 8008}])

    assert config.ignored_keys == ()
    assert config.warnings == ()


# --- unknown keys ---------------------------------------------------------------------------


def test_top_level_typo_is_an_error_suggesting_the_right_key() -> None:
    error = error_of(jwt_confg={"enabled": True})

    assert error.key == "jwt_confg"
    assert str(error).startswith("jwt_confg:")
    assert "did you mean 'jwt_config'" in str(error)


def test_top_level_key_unknown_to_synapse_too_is_an_error() -> None:
    error = error_of(frobnicate_everything=True)

    assert error.key == "frobnicate_everything"
    assert "unknown key" in str(error)


@pytest.mark.parametrize(
    ("top_level", "dotted_key"),
    [
        ({"jwt_config": {"enabled": False, "secrett": "x"}}, "jwt_config.secrett"),
        ({"listeners": [{"port": 8008, "foo": 1}]}, "listeners[0].foo"),
        (
            {"listeners": [{"port": 8008}, {"port": 8009, "bind_adresses": []}]},
            "listeners[1].bind_adresses",
        ),
        (
            {"listeners": [{"port": 8008, "resources": [{"names": ["client"], "comprss": True}]}]},
            "listeners[0].resources[0].comprss",
        ),
        ({"database": {"name": "sqlite3", "argz": {}}}, "database.argz"),
        ({"database": {"name": "sqlite3", "args": {"databse": "x.db"}}}, "database.args.databse"),
        ({"database": {"name": "psycopg2", "args": {"hots": "db"}}}, "database.args.hots"),
    ],
)
def test_unknown_key_inside_an_implemented_section_names_the_dotted_key(
    top_level: dict[str, Any], dotted_key: str
) -> None:
    error = error_of(**top_level)

    assert error.key == dotted_key
    assert str(error) == f"{dotted_key}: unknown key"


def test_unknown_listener_resource_names_its_position() -> None:
    error = error_of(listeners=[{"port": 8008, "resources": [{"names": ["client", "clinet"]}]}])

    assert error.key == "listeners[0].resources[0].names[1]"
    assert "clinet" in str(error)


# --- types and required values --------------------------------------------------------------


@pytest.mark.parametrize(
    ("top_level", "message"),
    [
        ({"jwt_config": {"enabled": "true"}}, "jwt_config.enabled: must be a boolean"),
        ({"jwt_config": {"enabled": 1}}, "jwt_config.enabled: must be a boolean"),
        ({"jwt_config": {"enabled": False, "secret": 1234}}, "jwt_config.secret: must be a string"),
        ({"jwt_config": {"subject_claim": ["sub"]}}, "jwt_config.subject_claim: must be a string"),
        ({"jwt_config": ["enabled"]}, "jwt_config: must be a mapping"),
        ({"listeners": [{"port": "8008"}]}, "listeners[0].port: must be an integer"),
        ({"listeners": [{"port": True}]}, "listeners[0].port: must be an integer"),
        (
            {"listeners": [{"port": 8008, "x_forwarded": "yes"}]},
            "listeners[0].x_forwarded: must be a boolean",
        ),
        (
            {"listeners": [{"port": 8008, "bind_addresses": "127.0.0.1"}]},
            "listeners[0].bind_addresses: must be a list",
        ),
        (
            {"listeners": [{"port": 8008, "bind_addresses": ["::1", 7]}]},
            "listeners[0].bind_addresses[1]: must be a string",
        ),
        ({"listeners": {"port": 8008}}, "listeners: must be a list"),
        (
            {"database": {"name": "psycopg2", "args": {"port": "5432x"}}},
            "database.args.port: must be an integer",
        ),
        (
            {"database": {"name": "psycopg2", "args": {"cp_max": "ten"}}},
            "database.args.cp_max: must be an integer",
        ),
        ({"enable_registration": "no"}, "enable_registration: must be a boolean"),
        ({"public_baseurl": 42}, "public_baseurl: must be a string"),
    ],
)
def test_wrong_type_is_an_error_naming_the_key(top_level: dict[str, Any], message: str) -> None:
    assert str(error_of(**top_level)).startswith(message)


def test_missing_server_name_is_an_error_naming_it() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config({"listeners": [{"port": 8008}]}, BASE_DIR)

    assert caught.value.key == "server_name"
    assert "required" in str(caught.value)


def test_empty_server_name_is_an_error_naming_it() -> None:
    assert error_of(server_name="  ").key == "server_name"


def test_listener_without_port_is_an_error_naming_it() -> None:
    assert error_of(listeners=[{"type": "http"}]).key == "listeners[0].port"


@pytest.mark.parametrize("missing", ["secret", "algorithm"])
def test_enabled_jwt_without_secret_or_algorithm_names_the_missing_key(missing: str) -> None:
    jwt_config = {"enabled": True, "secret": "my-secret-token", "algorithm": "HS256"}
    del jwt_config[missing]

    error = error_of(jwt_config=jwt_config)

    assert error.key == f"jwt_config.{missing}"
    assert "required" in str(error)


def test_disabled_jwt_needs_no_secret() -> None:
    config = parse(jwt_config={"enabled": False})

    assert config.jwt.enabled is False


@pytest.mark.parametrize("jwt_config", [None, {}])
def test_missing_or_empty_jwt_config_disables_jwt_login(jwt_config: Any) -> None:
    assert parse(jwt_config=jwt_config).jwt.enabled is False


def test_jwt_config_defaults_match_synapse() -> None:
    jwt = parse(jwt_config={"enabled": True, "secret": "s", "algorithm": "HS256"}).jwt

    assert jwt.subject_claim == "sub"
    assert jwt.display_name_claim is None
    assert jwt.issuer is None
    assert jwt.audiences is None


@pytest.mark.parametrize(
    ("audiences", "expected"),
    [("matrix", ("matrix",)), (["matrix", "element"], ("matrix", "element"))],
)
def test_audiences_may_be_a_string_or_a_list(audiences: Any, expected: tuple[str, ...]) -> None:
    jwt_config = {"enabled": True, "secret": "s", "algorithm": "HS256", "audiences": audiences}

    assert parse(jwt_config=jwt_config).jwt.audiences == expected


def test_non_string_audience_names_its_position() -> None:
    jwt_config = {"enabled": True, "secret": "s", "algorithm": "HS256", "audiences": ["a", 2]}

    assert error_of(jwt_config=jwt_config).key == "jwt_config.audiences[1]"


# --- database -------------------------------------------------------------------------------


def test_psycopg2_args_are_read_with_synapse_names() -> None:
    args = {
        "user": "synapse_user",
        "password": "pw",
        "database": "synapse",
        "host": "db.internal",
        "port": 5433,
        "cp_min": 2,
        "cp_max": 20,
    }

    db = parse(database={"name": "psycopg2", "args": args}).database

    assert db.engine == "postgres"
    assert (db.user, db.password, db.database, db.host, db.port) == (
        "synapse_user",
        "pw",
        "synapse",
        "db.internal",
        5433,
    )
    assert (db.cp_min, db.cp_max) == (2, 20)


def test_psycopg2_accepts_libpq_dbname_for_the_database() -> None:
    db = parse(database={"name": "psycopg2", "args": {"dbname": "synapse"}}).database

    assert db.database == "synapse"


@pytest.mark.parametrize(
    ("args", "dotted_key"),
    [({"cp_min": 0}, "database.args.cp_min"), ({"cp_min": 5, "cp_max": 2}, "database.args.cp_max")],
)
def test_impossible_pool_sizes_name_the_offending_key(
    args: dict[str, int], dotted_key: str
) -> None:
    error = error_of(database={"name": "psycopg2", "args": args})

    assert error.key == dotted_key


def test_postgres_port_out_of_range_is_an_error() -> None:
    error = error_of(database={"name": "psycopg2", "args": {"port": 70000}})

    assert error.key == "database.args.port"


def test_sqlite_path_is_relative_to_the_config_files_directory(tmp_path: Path) -> None:
    config_dir = tmp_path / "etc"
    config_dir.mkdir()
    path = config_dir / "homeserver.yaml"
    path.write_text(
        textwrap.dedent(
            """\
            server_name: localhost
            database:
              name: sqlite3
              args:
                database: data/homeserver.db
            """
        )
    )

    config = load_config(path)

    assert config.database.engine == "sqlite"
    assert config.database.sqlite_path == config_dir.resolve() / "data" / "homeserver.db"


def test_sqlite_is_the_default_database_next_to_the_config_file(tmp_path: Path) -> None:
    path = tmp_path / "homeserver.yaml"
    path.write_text("server_name: localhost\n")

    config = load_config(path)

    assert config.database.engine == "sqlite"
    assert config.database.sqlite_path == tmp_path.resolve() / "homeserver.db"


def test_absolute_sqlite_path_is_kept() -> None:
    db = parse(database={"name": "sqlite3", "args": {"database": "/var/lib/tessera/hs.db"}})

    assert db.database.sqlite_path == Path("/var/lib/tessera/hs.db")


@pytest.mark.parametrize("name", ["mysql", "postgres", "sqlite"])
def test_unsupported_database_name_is_an_error_naming_it(name: str) -> None:
    error = error_of(database={"name": name})

    assert error.key == "database.name"
    assert repr(name) in str(error)


# --- listeners ------------------------------------------------------------------------------


def test_tls_listener_is_refused_with_a_pointer_to_a_reverse_proxy() -> None:
    error = error_of(listeners=[{"port": 8448, "tls": True}])

    assert error.key == "listeners[0].tls"
    assert "reverse proxy" in str(error)


def test_listener_without_bind_addresses_listens_on_every_interface_like_synapse() -> None:
    [listener] = parse(listeners=[{"port": 8008}]).listeners

    assert set(listener.bind_addresses) == {"::", "0.0.0.0"}  # noqa: S104


def test_legacy_bind_address_key_is_honoured() -> None:
    [listener] = parse(listeners=[{"port": 8008, "bind_address": "127.0.0.1"}]).listeners

    assert listener.bind_addresses == ("127.0.0.1",)


def test_legacy_bind_address_is_added_to_bind_addresses_like_synapse() -> None:
    # Synapse's parse_listener_def appends `bind_address` to `bind_addresses`.
    [listener] = parse(
        listeners=[{"port": 8008, "bind_addresses": ["::1"], "bind_address": "127.0.0.1"}]
    ).listeners

    assert set(listener.bind_addresses) == {"::1", "127.0.0.1"}


@pytest.mark.parametrize("port", [-1, 65536, 100000])
def test_listener_port_out_of_range_is_an_error(port: int) -> None:
    error = error_of(listeners=[{"port": port}])

    assert error.key == "listeners[0].port"
    assert "65535" in str(error)


@pytest.mark.parametrize("port", [0, 65535])
def test_listener_port_edges_are_accepted(port: int) -> None:
    [listener] = parse(listeners=[{"port": port}]).listeners

    assert listener.port == port


def test_non_positive_body_limit_is_an_error() -> None:
    assert error_of(max_request_body_size=0).key == "max_request_body_size"


# --- reading the file -----------------------------------------------------------------------


def test_missing_config_file_is_a_config_error_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.yaml"

    with pytest.raises(ConfigError, match=r"nope\.yaml"):
        load_config(path)


def test_invalid_yaml_is_a_config_error_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("server_name: [unclosed\n")

    with pytest.raises(ConfigError, match=r"broken\.yaml"):
        load_config(path)


def test_generated_config_is_valid_and_has_a_strong_random_secret() -> None:
    first = parse_config(yaml.safe_load(generate_config()), BASE_DIR)
    second = parse_config(yaml.safe_load(generate_config()), BASE_DIR)

    assert first.jwt.enabled is True
    assert first.jwt.algorithm == "HS256"
    assert first.jwt.secret != second.jwt.secret
    assert len((first.jwt.secret or "").encode()) >= 32
    build_jwt_policy(first.jwt)


# --- build_jwt_policy: the key must fit the algorithm, at startup ---------------------------


def _openssh_public_key() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
        .decode()
    )


RSA = rsa_pair()
P256 = ec_pair(ec.SECP256R1())
P384 = ec_pair(ec.SECP384R1())
ED25519 = ed25519_pair()
GARBAGE_PEM = "-----BEGIN PUBLIC KEY-----\nbm90IGEga2V5\n-----END PUBLIC KEY-----\n"


@pytest.mark.parametrize(
    ("algorithm", "secret"),
    [
        pytest.param("RS256", "my-secret-token", id="RS256-with-hmac-string"),
        pytest.param("PS256", "my-secret-token", id="PS256-with-hmac-string"),
        pytest.param("ES256", "my-secret-token", id="ES256-with-hmac-string"),
        pytest.param("EdDSA", "my-secret-token", id="EdDSA-with-hmac-string"),
        pytest.param("RS256", GARBAGE_PEM, id="RS256-with-garbage-pem"),
        pytest.param("ES256", GARBAGE_PEM, id="ES256-with-garbage-pem"),
        pytest.param("RS256", P256.public_pem, id="RS256-with-ec-key"),
        pytest.param("ES256", RSA.public_pem, id="ES256-with-rsa-key"),
        pytest.param("ES256", P384.public_pem, id="ES256-with-p384-key"),
        pytest.param("EdDSA", RSA.public_pem, id="EdDSA-with-rsa-key"),
        pytest.param("HS256", "", id="HS256-with-empty-secret"),
    ],
)
def test_secret_unusable_with_the_algorithm_is_an_error_naming_the_secret(
    algorithm: str, secret: str
) -> None:
    error = policy_error(secret, algorithm)

    assert error.key == "jwt_config.secret"
    assert str(error).startswith("jwt_config.secret: ")


@pytest.mark.parametrize(
    "public_key",
    [
        pytest.param(RSA.public_pem, id="rsa-pem"),
        pytest.param(P256.public_pem, id="ec-pem"),
        pytest.param(ED25519.public_pem, id="ed25519-pem"),
        pytest.param(_openssh_public_key(), id="openssh-rsa"),
    ],
)
@pytest.mark.parametrize("algorithm", ["HS256", "HS512"])
def test_public_key_as_hmac_secret_is_refused(public_key: str, algorithm: str) -> None:
    # The RS/HS confusion: a public key is no secret, anyone could sign with it.
    error = policy_error(public_key, algorithm)

    assert error.key == "jwt_config.secret"
    assert algorithm in str(error)


def test_private_pem_key_as_hmac_secret_is_refused() -> None:
    # An operator who pastes a PEM key under HS256 meant an asymmetric algorithm;
    # accepting it would only fail later, at every login.
    error = policy_error(RSA.private_pem, "HS256")

    assert error.key == "jwt_config.secret"


@pytest.mark.parametrize("algorithm", ["none", "hs256", "HS257", "RSA-OAEP", "", "ES256X"])
def test_unsupported_algorithm_is_an_error_naming_the_algorithm(algorithm: str) -> None:
    error = policy_error("my-secret-token", algorithm)

    assert error.key == "jwt_config.algorithm"
    assert "HS256" in str(error)  # lists what is supported


@pytest.mark.parametrize(
    ("algorithm", "pair"),
    [
        ("RS256", RSA),
        ("PS512", RSA),
        ("ES256", P256),
        ("ES384", P384),
        ("EdDSA", ED25519),
    ],
)
def test_public_pem_matching_the_algorithm_builds_a_policy(algorithm: str, pair: KeyPair) -> None:
    policy = build_jwt_policy(JwtConfig(enabled=True, secret=pair.public_pem, algorithm=algorithm))

    assert policy.algorithm == algorithm
    assert policy.leeway == 120


@pytest.mark.parametrize("rounds", [0, 3, 32])
def test_bcrypt_rounds_outside_bcrypts_bounds_are_refused(rounds: int) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config({"server_name": "example.com", "bcrypt_rounds": rounds}, Path("."))

    assert caught.value.key == "bcrypt_rounds"
    assert "between 4 and 31" in str(caught.value)


def test_a_null_listener_path_is_the_same_as_none() -> None:
    listener = {"port": 8008, "type": "http", "path": None, "resources": [{"names": ["client"]}]}

    config = parse_config({"server_name": "example.com", "listeners": [listener]}, Path("."))

    assert config.listeners[0].port == 8008


@pytest.mark.parametrize(("value", "ms"), [("5m", 300_000), (250, 250), ("1s", 1_000)])
def test_access_token_cache_ttl_is_a_duration(value: Any, ms: int) -> None:
    config = parse_config(
        {"server_name": "example.com", "access_token_cache_ttl": value}, Path(".")
    )

    assert config.access_token_cache_ttl == ms


def test_access_token_cache_ttl_of_zero_is_refused() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config({"server_name": "example.com", "access_token_cache_ttl": 0}, Path("."))

    assert caught.value.key == "access_token_cache_ttl"


def test_connection_and_file_limits_are_read() -> None:
    config = parse(
        soft_file_limit=4096, max_http_connections=300, max_http_connections_per_address=7
    )

    assert config.soft_file_limit == 4096
    assert config.max_http_connections == 300
    assert config.max_http_connections_per_address == 7


@pytest.mark.parametrize(
    ("top_level", "key"),
    [
        ({"soft_file_limit": -1}, "soft_file_limit"),
        ({"max_http_connections": 0}, "max_http_connections"),
        ({"max_http_connections_per_address": 0}, "max_http_connections_per_address"),
    ],
)
def test_connection_and_file_limits_out_of_range_are_errors_naming_the_key(
    top_level: dict[str, Any], key: str
) -> None:
    assert error_of(**top_level).key == key


@pytest.mark.parametrize(("given", "read"), [(7, 7), (0, None)])
def test_libpq_connect_timeout_is_read_and_zero_keeps_the_default(
    given: int, read: int | None
) -> None:
    database = {"name": "psycopg2", "args": {"dbname": "d", "connect_timeout": given}}

    assert parse(database=database).database.connect_timeout == read


def test_rc_message_and_rc_joins_are_read_with_synapses_defaults() -> None:
    config = parse(
        rc_message={"per_second": 1.5, "burst_count": 4},
        rc_joins={"local": {"burst_count": 3}},
    )
    assert (config.rc_message.per_second, config.rc_message.burst_count) == (1.5, 4)
    assert (config.rc_joins.local.per_second, config.rc_joins.local.burst_count) == (0.1, 3)
    assert config.rc_joins.remote.burst_count == 10
    defaults = parse()
    assert (defaults.rc_message.per_second, defaults.rc_message.burst_count) == (0.2, 10)
    error = error_of(rc_joins={"local": {"burst_count": 0}})
    assert "rc_joins.local.burst_count" in str(error)


def test_auto_join_rooms_are_read_with_synapses_defaults() -> None:
    config = parse(
        auto_join_rooms=["#lobby:example.com", "!abc:example.com"],
        autocreate_auto_join_room_preset="trusted_private_chat",
        auto_join_mxid_localpart="bot",
        auto_join_rooms_for_guests=False,
    )
    assert config.auto_join_rooms == ("#lobby:example.com", "!abc:example.com")
    assert config.autocreate_auto_join_room_preset == "trusted_private_chat"
    assert config.auto_join_mxid_localpart == "bot"
    assert "auto_join_rooms_for_guests" in config.ignored_keys
    defaults = parse()
    assert defaults.auto_join_rooms == ()
    assert defaults.autocreate_auto_join_rooms is True
    assert defaults.autocreate_auto_join_room_preset == "public_chat"
    assert defaults.auto_join_mxid_localpart is None


@pytest.mark.parametrize("room", ["lobby", "#lobby", "!", "#a b:example.com", 7])
def test_an_auto_join_room_that_is_no_alias_or_room_id_is_refused(room: object) -> None:
    error = error_of(auto_join_rooms=["#ok:example.com", room])
    assert error.key == "auto_join_rooms[1]"


def test_a_private_auto_join_preset_needs_the_user_who_invites() -> None:
    error = error_of(
        auto_join_rooms=["#a:example.com"], autocreate_auto_join_room_preset="private_chat"
    )
    assert error.key == "auto_join_mxid_localpart"
    assert "invitations" in str(error)
    unknown = error_of(autocreate_auto_join_room_preset="public")
    assert unknown.key == "autocreate_auto_join_room_preset"
    # Without autocreate no room is made, so no inviter is needed (Synapse's rule).
    allowed = parse(
        autocreate_auto_join_rooms=False, autocreate_auto_join_room_preset="private_chat"
    )
    assert allowed.auto_join_mxid_localpart is None
