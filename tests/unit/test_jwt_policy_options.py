"""Tessera's opt-in ``jwt_config`` rules, on the pure verifier with a pinned clock.

``algorithms``, keys as JWKs and JWK Sets chosen by ``kid``, ``leeway``,
``require_exp``, ``max_lifetime`` and ``required_claims``; every key is real
(tests/support/keys.py) and every JWK is made by joserfc.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tessera.core.jwt_keys import KeyConfigError
from tessera.core.jwt_keyset import VerificationKeys, jwk_document, load_verification_keys
from tessera.core.jwt_login import JwtPolicy, JwtRejected, verify
from tests.support.keys import KeyPair, compact, hmac_sign, jwk, oct_jwk, rsa_pair, sign
from tests.unit.conftest import Keyring

pytestmark = pytest.mark.filterwarnings("ignore:EdDSA is deprecated:joserfc.errors.SecurityWarning")

NOW = 1_700_000_000
SECRET = "tessera-option-tests-" + "0123456789abcdef" * 3
FAILED = "JWT validation failed: "
BAD_SIGNATURE = FAILED + "Signature verification failed"
UNSUPPORTED_ALG = FAILED + 'unsupported_algorithm: Unsupported "alg" value in header'
UNKNOWN_KID = FAILED + "unknown_kid: Unknown 'kid' value in header"
EXPIRED = FAILED + "expired_token: The token is expired"


def invalid_claim(name: str) -> str:
    return f"{FAILED}invalid_claim: Invalid claim '{name}'"


def missing_claim(name: str) -> str:
    return f"{FAILED}missing_claim: Missing '{name}' claim"


def policy(secret: str | dict[str, Any], algorithms: tuple[str, ...], **rules: Any) -> JwtPolicy:
    text = secret if isinstance(secret, str) else json.dumps(secret)
    return JwtPolicy(load_verification_keys(text, algorithms), algorithms, **rules)


def hs_policy(**rules: Any) -> JwtPolicy:
    return policy(SECRET, ("HS256",), **rules)


def alice(**claims: Any) -> dict[str, Any]:
    return {"sub": "alice", **claims}


def rejection(token: str, checked_by: JwtPolicy) -> JwtRejected:
    with pytest.raises(JwtRejected) as caught:
        verify(token, checked_by, NOW)
    return caught.value


def assert_rejected(token: str, checked_by: JwtPolicy, message: str, reason: str) -> None:
    rejected = rejection(token, checked_by)
    assert (rejected.message, rejected.reason) == (message, reason)


def key_error(secret: str | dict[str, Any], algorithms: tuple[str, ...]) -> KeyConfigError:
    text = secret if isinstance(secret, str) else json.dumps(secret)
    with pytest.raises(KeyConfigError) as caught:
        load_verification_keys(text, algorithms)
    return caught.value


# --- algorithms: a list, each alg checked against the key type -------------------------------


@pytest.mark.parametrize("algorithm", ["HS256", "HS384", "HS512"])
def test_every_listed_hmac_algorithm_logs_in(algorithm: str) -> None:
    checked_by = policy(SECRET, ("HS256", "HS384", "HS512"))
    assert verify(sign(alice(), SECRET, algorithm), checked_by, NOW).subject == "alice"


def test_algorithm_missing_from_the_list_is_unsupported() -> None:
    token = sign(alice(), SECRET, "HS512")
    assert_rejected(
        token, policy(SECRET, ("HS256", "HS384")), UNSUPPORTED_ALG, "unsupported_algorithm"
    )


@pytest.mark.parametrize("algorithm", ["RS256", "PS256", "RS512"])
def test_one_rsa_pem_serves_every_rsa_algorithm_listed(keyring: Keyring, algorithm: str) -> None:
    checked_by = policy(keyring.rsa.public_pem, ("RS256", "PS256", "RS512"))
    token = sign(alice(), keyring.rsa.private_pem, algorithm)
    assert verify(token, checked_by, NOW).subject == "alice"


@pytest.mark.parametrize(
    ("pem", "algorithms"),
    [
        pytest.param("rsa", ("RS256", "HS256"), id="rsa-pem-with-hs256"),
        pytest.param("rsa", ("RS256", "ES256"), id="rsa-pem-with-es256"),
        pytest.param("p256", ("ES256", "ES384"), id="p256-pem-with-es384"),
        pytest.param("hmac", ("HS256", "RS256"), id="hmac-secret-with-rs256"),
    ],
)
def test_plain_secret_must_fit_every_listed_algorithm(
    keyring: Keyring, pem: str, algorithms: tuple[str, ...]
) -> None:
    secret = SECRET if pem == "hmac" else getattr(keyring, pem).public_pem
    assert str(key_error(secret, algorithms))


def test_hmac_key_never_verifies_an_rs_token_in_a_mixed_set(keyring: Keyring) -> None:
    keys = {"keys": [oct_jwk(SECRET, kid="h"), jwk(keyring.rsa, "RSA", kid="r")]}
    checked_by = policy(keys, ("HS256", "RS256"))
    # RS256 signed by the RSA key: fine. The oct key is never tried for it.
    rs_token = sign(alice(), keyring.rsa.private_pem, "RS256")
    assert verify(rs_token, checked_by, NOW).subject == "alice"
    hs_token = sign(alice(), SECRET, "HS256", kid="h")
    assert verify(hs_token, checked_by, NOW).subject == "alice"


def test_public_key_used_as_hmac_secret_is_refused_in_a_mixed_set(keyring: Keyring) -> None:
    # The RS/HS confusion: an attacker HMAC-signs with the public key everyone has.
    keys = {"keys": [oct_jwk(SECRET, kid="h"), jwk(keyring.rsa, "RSA", kid="r")]}
    checked_by = policy(keys, ("HS256", "RS256"))
    public = keyring.rsa.public_pem.encode()
    named = hmac_sign(alice(), public, "HS256", kid="r")
    assert_rejected(
        named,
        checked_by,
        FAILED + 'invalid_key: The key named by "kid" cannot verify "alg" HS256',
        "key_mismatch",
    )
    unnamed = hmac_sign(alice(), public, "HS256")
    assert_rejected(unnamed, checked_by, BAD_SIGNATURE, "bad_signature")


def test_none_algorithm_is_refused_even_with_a_list(keyring: Keyring) -> None:
    checked_by = policy(keyring.rsa.public_pem, ("RS256", "PS256"))
    token = compact({"alg": "none"}, alice(), b"")
    assert_rejected(token, checked_by, UNSUPPORTED_ALG, "unsupported_algorithm")


# --- JWKs: one key ---------------------------------------------------------------------------

JWK_FAMILIES = [
    pytest.param("rsa", "RSA", "RS256", id="RSA-RS256"),
    pytest.param("rsa", "RSA", "PS384", id="RSA-PS384"),
    pytest.param("p256", "EC", "ES256", id="EC-P256-ES256"),
    pytest.param("p384", "EC", "ES384", id="EC-P384-ES384"),
    pytest.param("p521", "EC", "ES512", id="EC-P521-ES512"),
    pytest.param("ed25519", "OKP", "EdDSA", id="OKP-Ed25519-EdDSA"),
    pytest.param("ed448", "OKP", "Ed448", id="OKP-Ed448-Ed448"),
]


@pytest.mark.parametrize(("pair", "kty", "algorithm"), JWK_FAMILIES)
def test_public_jwk_verifies_its_private_keys_tokens(
    keyring: Keyring, pair: str, kty: str, algorithm: str
) -> None:
    key_pair: KeyPair = getattr(keyring, pair)
    checked_by = policy(jwk(key_pair, kty), (algorithm,))
    token = sign(alice(), key_pair.private_pem, algorithm)
    assert verify(token, checked_by, NOW).subject == "alice"
    stranger = getattr(keyring, f"{pair}_stranger", None)
    if stranger is not None:
        forged = sign(alice(), stranger.private_pem, algorithm)
        assert_rejected(forged, checked_by, BAD_SIGNATURE, "bad_signature")


@pytest.mark.parametrize(("pair", "kty", "algorithm"), JWK_FAMILIES)
def test_private_jwk_is_accepted_but_only_its_public_half_is_kept(
    keyring: Keyring, pair: str, kty: str, algorithm: str
) -> None:
    key_pair: KeyPair = getattr(keyring, pair)
    keys = load_verification_keys(json.dumps(jwk(key_pair, kty, private=True)), (algorithm,))
    [loaded] = keys.keys
    assert not loaded.key.is_private
    token = sign(alice(), key_pair.private_pem, algorithm)
    assert verify(token, JwtPolicy(keys, (algorithm,)), NOW).subject == "alice"


def test_private_jwk_marked_for_signing_still_verifies(keyring: Keyring) -> None:
    private = jwk(keyring.rsa, "RSA", private=True, key_ops=["sign"], use="sig")
    checked_by = policy(private, ("RS256",))
    assert verify(sign(alice(), keyring.rsa.private_pem, "RS256"), checked_by, NOW)


def test_oct_jwk_is_an_hmac_key() -> None:
    checked_by = policy(oct_jwk(SECRET), ("HS256", "HS512"))
    assert verify(sign(alice(), SECRET, "HS512"), checked_by, NOW).subject == "alice"
    forged = sign(alice(), SECRET + "x", "HS256")
    assert_rejected(forged, checked_by, BAD_SIGNATURE, "bad_signature")


@pytest.mark.parametrize(
    ("make", "algorithms"),
    [
        pytest.param(lambda k: oct_jwk(SECRET), ("RS256",), id="oct-for-rs256"),
        pytest.param(lambda k: jwk(k.rsa, "RSA"), ("HS256",), id="rsa-for-hs256"),
        pytest.param(lambda k: jwk(k.p256, "EC"), ("ES384",), id="p256-for-es384"),
        pytest.param(lambda k: jwk(k.ed25519, "OKP"), ("Ed448",), id="ed25519-for-ed448"),
        pytest.param(lambda k: jwk(k.rsa, "RSA", alg="RS256"), ("PS256",), id="pinned-alg"),
        pytest.param(lambda k: jwk(k.rsa, "RSA", use="enc"), ("RS256",), id="encryption-key"),
        pytest.param(lambda k: {"kty": "RSA", "n": "AQAB"}, ("RS256",), id="incomplete"),
        pytest.param(lambda k: {"kty": "XYZ"}, ("RS256",), id="unknown-kty"),
        pytest.param(lambda k: jwk(k.rsa, "RSA", kid=7), ("RS256",), id="numeric-kid"),
    ],
)
def test_jwk_unfit_for_the_algorithms_is_refused_at_startup(
    keyring: Keyring, make: Any, algorithms: tuple[str, ...]
) -> None:
    error = key_error(make(keyring), algorithms)
    assert error.where == ""
    assert str(error)


def test_jwk_pinned_to_an_alg_is_kept_from_other_algorithms(keyring: Keyring) -> None:
    keys = {"keys": [jwk(keyring.rsa, "RSA", alg="RS256"), jwk(keyring.rsa_stranger, "RSA")]}
    checked_by = policy(keys, ("RS256", "PS256"))
    # The first key may not verify PS256, so its PS256 signature finds no key.
    ps_token = sign(alice(), keyring.rsa.private_pem, "PS256")
    assert_rejected(ps_token, checked_by, BAD_SIGNATURE, "bad_signature")
    assert verify(sign(alice(), keyring.rsa.private_pem, "RS256"), checked_by, NOW)


# --- JWK Sets: the kid picks the key ----------------------------------------------------------


@pytest.fixture
def two_key_set(keyring: Keyring) -> JwtPolicy:
    keys = {
        "keys": [jwk(keyring.rsa, "RSA", kid="2024"), jwk(keyring.rsa_stranger, "RSA", kid="2025")]
    }
    return policy(keys, ("RS256",))


def test_kid_picks_its_key_from_the_set(keyring: Keyring, two_key_set: JwtPolicy) -> None:
    old = sign(alice(), keyring.rsa.private_pem, "RS256", kid="2024")
    new = sign(alice(), keyring.rsa_stranger.private_pem, "RS256", kid="2025")
    assert verify(old, two_key_set, NOW).subject == "alice"
    assert verify(new, two_key_set, NOW).subject == "alice"


def test_kid_naming_another_key_than_the_signer_has_bad_signature(
    keyring: Keyring, two_key_set: JwtPolicy
) -> None:
    token = sign(alice(), keyring.rsa.private_pem, "RS256", kid="2025")
    assert_rejected(token, two_key_set, BAD_SIGNATURE, "bad_signature")


@pytest.mark.parametrize(
    "kid", ["2023", "", "2024 ", "x" * 300], ids=["other", "empty", "space", "long"]
)
def test_unknown_kid_is_forbidden_not_a_server_error(
    keyring: Keyring, two_key_set: JwtPolicy, kid: str
) -> None:
    token = sign(alice(), keyring.rsa.private_pem, "RS256", kid=kid)
    assert_rejected(token, two_key_set, UNKNOWN_KID, "unknown_kid")


@pytest.mark.parametrize("kid", [7, None, ["2024"], {"kid": "2024"}], ids=str)
def test_kid_that_is_not_a_string_is_malformed(
    keyring: Keyring, two_key_set: JwtPolicy, kid: object
) -> None:
    header = {"alg": "RS256", "kid": kid}
    token = compact(header, alice(), b"x")
    message = FAILED + "invalid_header_value: 'kid' in header must be a str"
    assert_rejected(token, two_key_set, message, "malformed")


@pytest.mark.parametrize("signer", ["rsa", "rsa_stranger"])
def test_token_without_kid_tries_each_key_of_the_set(
    keyring: Keyring, two_key_set: JwtPolicy, signer: str
) -> None:
    token = sign(alice(), getattr(keyring, signer).private_pem, "RS256")
    assert verify(token, two_key_set, NOW).subject == "alice"


def test_token_without_kid_signed_by_a_stranger_has_bad_signature(two_key_set: JwtPolicy) -> None:
    token = sign(alice(), rsa_pair().private_pem, "RS256")
    assert_rejected(token, two_key_set, BAD_SIGNATURE, "bad_signature")


def test_key_without_kid_in_a_set_is_tried_for_any_kid(keyring: Keyring) -> None:
    keys = {"keys": [jwk(keyring.rsa, "RSA", kid="named"), jwk(keyring.rsa_stranger, "RSA")]}
    checked_by = policy(keys, ("RS256",))
    token = sign(alice(), keyring.rsa_stranger.private_pem, "RS256", kid="whatever")
    assert verify(token, checked_by, NOW).subject == "alice"


def test_pem_secret_ignores_the_kid_as_before(keyring: Keyring) -> None:
    checked_by = policy(keyring.rsa.public_pem, ("RS256",))
    token = sign(alice(), keyring.rsa.private_pem, "RS256", kid="anything")
    assert verify(token, checked_by, NOW).subject == "alice"


def test_mixed_families_in_one_set_each_verify_their_algorithm(keyring: Keyring) -> None:
    keys = {
        "keys": [
            jwk(keyring.rsa, "RSA", kid="rsa"),
            jwk(keyring.p256, "EC", kid="ec"),
            jwk(keyring.ed25519, "OKP", kid="ed"),
        ]
    }
    checked_by = policy(keys, ("RS256", "ES256", "EdDSA"))
    for pair, algorithm, kid in [
        (keyring.rsa, "RS256", "rsa"),
        (keyring.p256, "ES256", "ec"),
        (keyring.ed25519, "EdDSA", "ed"),
    ]:
        token = sign(alice(), pair.private_pem, algorithm, kid=kid)
        assert verify(token, checked_by, NOW).subject == "alice", algorithm
    mismatch = sign(alice(), keyring.p256.private_pem, "ES256", kid="rsa")
    assert rejection(mismatch, checked_by).reason == "key_mismatch"


def test_encryption_keys_in_a_set_are_skipped(keyring: Keyring) -> None:
    keys = {
        "keys": [
            jwk(keyring.rsa_stranger, "RSA", kid="enc", use="enc"),
            jwk(keyring.rsa, "RSA", kid="sig"),
        ]
    }
    loaded = load_verification_keys(json.dumps(keys), ("RS256",))
    assert [key.kid for key in loaded.keys] == ["sig"]
    token = sign(alice(), keyring.rsa_stranger.private_pem, "RS256", kid="enc")
    assert_rejected(token, JwtPolicy(loaded, ("RS256",)), UNKNOWN_KID, "unknown_kid")


def test_set_error_names_the_key_at_fault(keyring: Keyring) -> None:
    keys = {"keys": [jwk(keyring.rsa, "RSA", kid="a"), oct_jwk(SECRET, kid="b")]}
    error = key_error(keys, ("RS256",))
    assert error.where == ".keys[1]"
    assert "HMAC" in str(error)


def test_every_listed_algorithm_needs_a_key_in_the_set(keyring: Keyring) -> None:
    keys = {"keys": [jwk(keyring.rsa, "RSA", kid="a")]}
    assert "ES256" in str(key_error(keys, ("RS256", "ES256")))


@pytest.mark.parametrize(
    "document", [{"keys": []}, {"keys": "abc"}, {"keys": [1]}], ids=["empty", "string", "number"]
)
def test_malformed_set_is_refused(document: dict[str, Any]) -> None:
    assert str(key_error(document, ("RS256",)))


@pytest.mark.parametrize("secret", ["{not json}", '{"a": 1}', "{}"])
def test_secret_in_braces_must_be_a_jwk_or_a_set(secret: str) -> None:
    with pytest.raises(KeyConfigError) as caught:
        jwk_document(secret)
    assert SECRET not in str(caught.value)


@pytest.mark.parametrize("secret", ["my-secret-token", "{starts-but-not-ends", "-----BEGIN X"])
def test_secret_outside_braces_is_not_a_jwk(secret: str) -> None:
    assert jwk_document(secret) is None


def test_a_policy_with_a_single_key_still_works_as_before() -> None:
    keys = load_verification_keys(SECRET, ("HS256",))
    assert isinstance(keys, VerificationKeys)
    [only] = keys.keys
    assert verify(sign(alice(), SECRET), JwtPolicy(only.key, "HS256"), NOW).subject == "alice"


# --- leeway ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("leeway", "exp", "accepted"),
    [
        (0, NOW, True),
        (0, NOW - 1, False),
        (300, NOW - 300, True),
        (300, NOW - 301, False),
    ],
)
def test_leeway_moves_the_expiry_edge(leeway: int, exp: int, accepted: bool) -> None:
    token = sign(alice(exp=exp), SECRET)
    if accepted:
        assert verify(token, hs_policy(leeway=leeway), NOW).subject == "alice"
    else:
        assert_rejected(token, hs_policy(leeway=leeway), EXPIRED, "expired")


def test_leeway_applies_to_nbf_and_iat_too() -> None:
    token = sign(alice(nbf=NOW + 10, iat=NOW + 10), SECRET)
    assert verify(token, hs_policy(leeway=10), NOW)
    assert rejection(token, hs_policy(leeway=9)).reason == "not_yet_valid"


# --- require_exp -----------------------------------------------------------------------------


def test_require_exp_refuses_a_token_without_exp() -> None:
    token = sign(alice(), SECRET)
    assert_rejected(token, hs_policy(require_exp=True), missing_claim("exp"), "missing_exp")
    assert verify(token, hs_policy(), NOW).subject == "alice"


def test_require_exp_accepts_a_token_with_exp() -> None:
    assert verify(sign(alice(exp=NOW + 60), SECRET), hs_policy(require_exp=True), NOW)


@pytest.mark.parametrize("exp", [None, "soon", True])
def test_require_exp_with_a_non_numeric_exp_is_an_invalid_claim(exp: object) -> None:
    token = sign(alice(exp=exp), SECRET)
    assert_rejected(token, hs_policy(require_exp=True), invalid_claim("exp"), "invalid_exp")


# --- max_lifetime ----------------------------------------------------------------------------

TOO_LONG = (
    invalid_claim("exp") + ": the token is valid for longer than max_lifetime (3600 s after 'iat')"
)


@pytest.mark.parametrize(
    ("claims", "message", "reason"),
    [
        pytest.param(alice(iat=NOW, exp=NOW + 3601), TOO_LONG, "too_long_lived", id="one-s-over"),
        pytest.param(alice(iat=NOW - 86_400, exp=NOW + 60), TOO_LONG, "too_long_lived", id="day"),
        pytest.param(alice(iat=NOW, exp=10**400), TOO_LONG, "too_long_lived", id="huge-int"),
        pytest.param(alice(iat=0.5, exp=10**400), TOO_LONG, "too_long_lived", id="int-minus-float"),
        pytest.param(alice(iat=NOW), missing_claim("exp"), "missing_exp", id="no-exp"),
        pytest.param(alice(exp=NOW + 60), missing_claim("iat"), "missing_iat", id="no-iat"),
        pytest.param(
            alice(iat="now", exp=NOW + 60), invalid_claim("iat"), "invalid_iat", id="str-iat"
        ),
    ],
)
def test_max_lifetime_refuses_long_lived_or_undated_tokens(
    claims: dict[str, Any], message: str, reason: str
) -> None:
    token = sign(claims, SECRET)
    assert_rejected(token, hs_policy(max_lifetime_ms=3_600_000), message, reason)


@pytest.mark.parametrize(
    "claims",
    [alice(iat=NOW, exp=NOW + 3600), alice(iat=NOW, exp=NOW + 0.5), alice(iat=NOW - 60, exp=NOW)],
    ids=["exactly-the-limit", "fraction", "a-minute"],
)
def test_max_lifetime_accepts_tokens_within_it(claims: dict[str, Any]) -> None:
    assert verify(sign(claims, SECRET), hs_policy(max_lifetime_ms=3_600_000), NOW)


def test_synapse_rules_come_before_max_lifetime() -> None:
    token = sign(alice(iat=NOW - 86_400, exp=NOW - 3600), SECRET)
    assert_rejected(token, hs_policy(max_lifetime_ms=3_600_000), EXPIRED, "expired")


# --- required_claims -------------------------------------------------------------------------

GROUP_RULE = {"group": ("chat-users",)}


@pytest.mark.parametrize(
    "group",
    ["chat-users", ["staff", "chat-users"], ["chat-users"]],
    ids=["string", "list-with-it", "list-of-it"],
)
def test_required_claim_with_an_allowed_value_logs_in(group: object) -> None:
    token = sign(alice(group=group), SECRET)
    assert verify(token, hs_policy(required_claims=GROUP_RULE), NOW).subject == "alice"


@pytest.mark.parametrize(
    "group",
    ["staff", "Chat-Users", ["staff"], [], None, {"chat-users": True}, [["chat-users"]], ""],
    ids=["other", "case", "list-without", "empty-list", "null", "object", "nested", "empty"],
)
def test_required_claim_without_an_allowed_value_is_an_invalid_claim(group: object) -> None:
    token = sign(alice(group=group), SECRET)
    assert_rejected(
        token,
        hs_policy(required_claims=GROUP_RULE),
        invalid_claim("group"),
        "invalid_required_claim",
    )


def test_missing_required_claim_is_a_missing_claim() -> None:
    token = sign(alice(groups=["chat-users"]), SECRET)
    assert_rejected(
        token,
        hs_policy(required_claims=GROUP_RULE),
        missing_claim("group"),
        "missing_required_claim",
    )


def test_any_of_several_allowed_values_passes() -> None:
    rule = {"role": ("admin", "member")}
    assert verify(sign(alice(role="member"), SECRET), hs_policy(required_claims=rule), NOW)
    assert rejection(sign(alice(role="guest"), SECRET), hs_policy(required_claims=rule))


@pytest.mark.parametrize(
    ("allowed", "given", "accepted"),
    [
        (1, 1, True),
        (1, "1", False),
        (1, True, False),
        (True, True, True),
        (True, 1, False),
        ("true", True, False),
        (1, 1.0, False),
    ],
)
def test_required_values_compare_with_their_json_type(
    allowed: str | int | bool, given: object, accepted: bool
) -> None:
    token = sign(alice(level=given), SECRET)
    checked_by = hs_policy(required_claims={"level": (allowed,)})
    if accepted:
        assert verify(token, checked_by, NOW)
    else:
        assert rejection(token, checked_by).reason == "invalid_required_claim"


def test_every_required_claim_must_pass() -> None:
    rules = {"group": ("chat-users",), "email_verified": (True,)}
    good = sign(alice(group="chat-users", email_verified=True), SECRET)
    assert verify(good, hs_policy(required_claims=rules), NOW)
    unverified = sign(alice(group="chat-users", email_verified=False), SECRET)
    assert_rejected(
        unverified,
        hs_policy(required_claims=rules),
        invalid_claim("email_verified"),
        "invalid_required_claim",
    )


def test_synapse_rules_come_before_required_claims() -> None:
    token = sign(alice(exp=NOW - 3600), SECRET)
    assert_rejected(token, hs_policy(required_claims=GROUP_RULE), EXPIRED, "expired")


def test_required_claims_are_checked_after_the_signature() -> None:
    token = sign(alice(group="staff"), "another-secret-of-reasonable-length-0123456789")
    assert_rejected(token, hs_policy(required_claims=GROUP_RULE), BAD_SIGNATURE, "bad_signature")
