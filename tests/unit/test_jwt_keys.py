"""``load_verification_key``: every family loads, and every confusion is refused at startup."""

from __future__ import annotations

import datetime
import warnings
from collections.abc import Callable

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID
from joserfc.jwk import ECKey, OctKey, OKPKey, RSAKey

from tessera.core.jwt_keys import (
    SUPPORTED_ALGORITHMS,
    KeyConfigError,
    is_weak_hmac_secret,
    load_verification_key,
)
from tessera.core.jwt_login import JwtPolicy, JwtRejected, verify
from tests.support.keys import hmac_sign
from tests.unit.conftest import Keyring

pytestmark = pytest.mark.filterwarnings("ignore:EdDSA is deprecated:joserfc.errors.SecurityWarning")

NOW = 1_700_000_000
PUBLIC_KEY_FAMILIES = [
    pytest.param("RS256", "rsa", RSAKey, None, id="RS256"),
    pytest.param("RS384", "rsa", RSAKey, None, id="RS384"),
    pytest.param("RS512", "rsa", RSAKey, None, id="RS512"),
    pytest.param("PS256", "rsa", RSAKey, None, id="PS256"),
    pytest.param("PS384", "rsa", RSAKey, None, id="PS384"),
    pytest.param("PS512", "rsa", RSAKey, None, id="PS512"),
    pytest.param("ES256", "p256", ECKey, "P-256", id="ES256"),
    pytest.param("ES384", "p384", ECKey, "P-384", id="ES384"),
    pytest.param("ES512", "p521", ECKey, "P-521", id="ES512"),
    pytest.param("ES256K", "secp256k1", ECKey, "secp256k1", id="ES256K"),
    pytest.param("EdDSA", "ed25519", OKPKey, "Ed25519", id="EdDSA-Ed25519"),
    pytest.param("EdDSA", "ed448", OKPKey, "Ed448", id="EdDSA-Ed448"),
    pytest.param("Ed25519", "ed25519", OKPKey, "Ed25519", id="Ed25519"),
    pytest.param("Ed448", "ed448", OKPKey, "Ed448", id="Ed448"),
]


def refusal(secret: str, algorithm: str) -> str:
    with pytest.raises(KeyConfigError) as caught:
        load_verification_key(secret, algorithm)
    return str(caught.value)


# --- what loads -------------------------------------------------------------------


@pytest.mark.parametrize("algorithm", ["HS256", "HS384", "HS512"])
def test_hmac_algorithm_loads_a_shared_secret(algorithm: str) -> None:
    key = load_verification_key("a-shared-secret-of-thirty-two-bytes!", algorithm)
    assert isinstance(key, OctKey)


def test_seed_pages_short_secret_loads_without_a_library_warning() -> None:
    # check-config reports weak secrets; the loader must not spray warnings on stderr.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        key = load_verification_key("my-secret-token", "HS256")
    assert isinstance(key, OctKey)


@pytest.mark.parametrize(("algorithm", "pair", "key_type", "curve"), PUBLIC_KEY_FAMILIES)
def test_public_key_algorithm_loads_a_public_pem(
    keyring: Keyring, algorithm: str, pair: str, key_type: type, curve: str | None
) -> None:
    key = load_verification_key(getattr(keyring, pair).public_pem, algorithm)
    assert isinstance(key, key_type)
    assert not key.is_private
    if curve is not None:
        assert key.curve_name == curve


@pytest.mark.parametrize(("algorithm", "pair", "key_type", "curve"), PUBLIC_KEY_FAMILIES)
def test_public_key_algorithm_loads_a_private_pem(
    keyring: Keyring, algorithm: str, pair: str, key_type: type, curve: str | None
) -> None:
    key = load_verification_key(getattr(keyring, pair).private_pem, algorithm)
    assert isinstance(key, key_type)
    if curve is not None:
        assert key.curve_name == curve


def test_pkcs1_rsa_public_pem_loads_for_rs256() -> None:
    pem = (
        rsa.generate_private_key(public_exponent=65537, key_size=2048)
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.PKCS1)
        .decode()
    )
    assert isinstance(load_verification_key(pem, "RS256"), RSAKey)


def test_pem_with_yaml_block_whitespace_loads(keyring: Keyring) -> None:
    # A `secret: |` block in homeserver.yaml brings newlines around the armour.
    pem = "\n" + keyring.rsa.public_pem + "\n\n"
    assert isinstance(load_verification_key(pem, "RS256"), RSAKey)


# --- what is refused at load --------------------------------------------------------


def _ssh_public_key(private: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey) -> str:
    return (
        private.public_key()
        .public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
        .decode()
    )


def _certificate_pem() -> str:
    private = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "issuer.example")])
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(private.public_key())
        .serial_number(1)
        .not_valid_before(datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC))
        .not_valid_after(datetime.datetime(2040, 1, 1, tzinfo=datetime.UTC))
        .sign(private, hashes.SHA256())
    )
    return certificate.public_bytes(serialization.Encoding.PEM).decode()


@pytest.mark.parametrize("algorithm", ["HS256", "HS384", "HS512"])
@pytest.mark.parametrize("pair", ["rsa", "p256", "p384", "ed25519", "ed448"])
def test_public_pem_as_hmac_secret_is_refused(keyring: Keyring, pair: str, algorithm: str) -> None:
    message = refusal(getattr(keyring, pair).public_pem, algorithm)
    assert "asymmetric key" in message
    assert f"{algorithm} needs a shared secret" in message


@pytest.mark.parametrize(
    "make_secret",
    [
        pytest.param(lambda: _ssh_public_key(rsa.generate_private_key(65537, 2048)), id="ssh-rsa"),
        pytest.param(lambda: _ssh_public_key(ec.generate_private_key(ec.SECP256R1())), id="ssh-ec"),
        pytest.param(_certificate_pem, id="x509-certificate"),
    ],
)
def test_other_public_key_encodings_as_hmac_secret_are_refused(
    make_secret: Callable[[], str],
) -> None:
    assert "needs a shared secret" in refusal(make_secret(), "HS256")


@pytest.mark.parametrize("pair", ["rsa", "p256", "ed25519"])
def test_private_pem_as_hmac_secret_is_refused(keyring: Keyring, pair: str) -> None:
    # An operator who pastes a PEM under an HS algorithm meant the key's own algorithm;
    # verifying HMAC with the PEM text would fail every login, so fail at startup instead.
    refusal(getattr(keyring, pair).private_pem, "HS256")


def test_unparseable_pem_armour_as_hmac_secret_is_refused(keyring: Keyring) -> None:
    # A public key with a damaged line is still public text; as an HMAC secret anyone
    # holding the key file could forge tokens.
    lines = keyring.rsa.public_pem.splitlines()
    damaged = "\n".join([lines[0], lines[1][:-4] + "!!!!", *lines[2:]]) + "\n"
    refusal(damaged, "HS256")


@pytest.mark.parametrize(
    ("pair", "algorithm", "named_curve"),
    [
        ("p256", "ES384", "P-256"),
        ("p256", "ES512", "P-256"),
        ("p256", "ES256K", "P-256"),
        ("p384", "ES256", "P-384"),
        ("p521", "ES384", "P-521"),
        ("secp256k1", "ES256", "secp256k1"),
    ],
)
def test_ec_key_on_the_wrong_curve_is_refused(
    keyring: Keyring, pair: str, algorithm: str, named_curve: str
) -> None:
    message = refusal(getattr(keyring, pair).public_pem, algorithm)
    assert message == f"is a {named_curve} key, which cannot verify {algorithm}"


@pytest.mark.parametrize(
    ("pair", "algorithm"),
    [("ed448", "Ed25519"), ("ed25519", "Ed448")],
    ids=["448-as-25519", "25519-as-448"],
)
def test_edwards_key_on_the_wrong_curve_for_a_fully_specified_alg_is_refused(
    keyring: Keyring, pair: str, algorithm: str
) -> None:
    # RFC 9864: "Ed25519" and "Ed448" name their curve; only "EdDSA" takes either.
    refusal(getattr(keyring, pair).public_pem, algorithm)


@pytest.mark.parametrize(
    ("pair", "algorithm"),
    [
        ("rsa", "ES256"),
        ("rsa", "EdDSA"),
        ("p256", "RS256"),
        ("p256", "PS256"),
        ("p256", "EdDSA"),
        ("ed25519", "RS256"),
        ("ed25519", "ES256"),
        ("ed448", "PS512"),
    ],
)
def test_key_of_another_family_is_refused(keyring: Keyring, pair: str, algorithm: str) -> None:
    assert f"is not a PEM key usable with {algorithm}" in refusal(
        getattr(keyring, pair).public_pem, algorithm
    )


@pytest.mark.parametrize("algorithm", ["RS256", "PS256", "ES256", "ES512", "EdDSA", "Ed25519"])
def test_shared_secret_for_a_public_key_algorithm_is_refused(algorithm: str) -> None:
    message = refusal("my-secret-token", algorithm)
    assert message == f"{algorithm} needs a PEM-encoded public key, not a shared secret"


def test_ssh_public_key_for_rs256_is_refused() -> None:
    ssh = _ssh_public_key(rsa.generate_private_key(65537, 2048))
    assert refusal(ssh, "RS256") == "RS256 needs a PEM-encoded public key, not a shared secret"


@pytest.mark.parametrize(
    "secret",
    [
        "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n",
        "-----BEGIN PUBLIC KEY-----",
        "-----BEGIN garbage",
    ],
    ids=["short-body", "armour-only", "no-armour-end"],
)
def test_broken_pem_for_rs256_is_refused_with_the_algorithm_named(secret: str) -> None:
    assert refusal(secret, "RS256").startswith("is not a PEM key usable with RS256 (")


def test_truncated_pem_is_refused(keyring: Keyring) -> None:
    assert "usable with RS256" in refusal(keyring.rsa.public_pem[:100], "RS256")


@pytest.mark.parametrize(
    "algorithm", ["none", "None", "NONE", "", "hs256", "HS1", "RS1", "ES256k", "eddsa", "RSA-OAEP"]
)
def test_unsupported_algorithm_name_is_refused(algorithm: str) -> None:
    message = refusal("a-shared-secret-of-thirty-two-bytes!", algorithm)
    assert message.startswith(f"unsupported algorithm {algorithm!r}; use one of ")
    assert "HS256" in message
    assert "RS256" in message


def test_supported_algorithms_are_the_hmac_rsa_ec_and_edwards_families() -> None:
    assert {
        "HS256", "HS384", "HS512",
        "RS256", "RS384", "RS512", "PS256", "PS384", "PS512",
        "ES256", "ES384", "ES512", "ES256K",
        "EdDSA", "Ed25519", "Ed448",
    } == SUPPORTED_ALGORITHMS  # fmt: skip
    assert "none" not in {name.lower() for name in SUPPORTED_ALGORITHMS}


@pytest.mark.parametrize("algorithm", ["HS256", "RS256", "ES256", "EdDSA"])
def test_empty_secret_is_refused(algorithm: str) -> None:
    assert refusal("", algorithm) == "must not be empty"


def test_key_config_error_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="must not be empty"):
        load_verification_key("", "HS256")


# --- weak secrets ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("secret", "weak"),
    [
        ("my-secret-token", True),
        ("x" * 31, True),
        ("x" * 32, False),
        ("é" * 16, False),  # 32 bytes in UTF-8, 16 characters
        ("é" * 15, True),
    ],
)
def test_hmac_secret_under_256_bits_is_weak(secret: str, weak: bool) -> None:
    assert is_weak_hmac_secret(secret) is weak


# --- algorithm confusion at verify time ------------------------------------------------

CONFUSABLE = [
    pytest.param("RS256", "rsa", id="RS256"),
    pytest.param("PS256", "rsa", id="PS256"),
    pytest.param("ES256", "p256", id="ES256"),
    pytest.param("EdDSA", "ed25519", id="EdDSA"),
]


@pytest.mark.parametrize(("algorithm", "pair"), CONFUSABLE)
def test_hs256_token_keyed_with_the_servers_public_key_is_refused(
    keyring: Keyring, algorithm: str, pair: str
) -> None:
    # The classic confusion: the attacker knows the public key and uses its PEM bytes
    # as an HMAC secret, hoping the server verifies HS256 with it.
    public_pem = getattr(keyring, pair).public_pem
    policy = JwtPolicy(load_verification_key(public_pem, algorithm), algorithm)
    token = hmac_sign({"sub": "admin"}, public_pem.encode(), "HS256")
    with pytest.raises(JwtRejected) as caught:
        verify(token, policy, NOW)
    assert caught.value.reason == "unsupported_algorithm"
    assert caught.value.message == (
        'JWT validation failed: unsupported_algorithm: Unsupported "alg" value in header'
    )


@pytest.mark.parametrize(("algorithm", "pair"), CONFUSABLE)
def test_hmac_keyed_with_the_public_key_under_the_servers_alg_is_a_bad_signature(
    keyring: Keyring, algorithm: str, pair: str
) -> None:
    public_pem = getattr(keyring, pair).public_pem
    policy = JwtPolicy(load_verification_key(public_pem, algorithm), algorithm)
    token = hmac_sign({"sub": "admin"}, public_pem.encode(), "HS256", alg=algorithm)
    with pytest.raises(JwtRejected) as caught:
        verify(token, policy, NOW)
    assert caught.value.reason == "bad_signature"
    assert caught.value.message == "JWT validation failed: Signature verification failed"
