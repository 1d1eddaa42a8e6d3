"""The JWT verifier against issue #2's "JWT login rules" table, with a pinned clock.

Every rejection asserts both the client-facing ``message`` (Synapse's exact
text) and the ``reason`` label logs and metrics rely on.
"""

from __future__ import annotations

from typing import Any

import pytest
from joserfc.jwk import ECKey

from tessera.core.jwt_keys import load_verification_key
from tessera.core.jwt_login import MAX_TOKEN_LENGTH, JwtPolicy, JwtRejected, verify
from tests.support.keys import compact, hmac_sign, sign
from tests.unit.conftest import Keyring

# joserfc flags the polymorphic "EdDSA" name (RFC 9864 prefers Ed25519/Ed448); Synapse
# configs use it, so it is tested on purpose.
pytestmark = pytest.mark.filterwarnings("ignore:EdDSA is deprecated:joserfc.errors.SecurityWarning")

NOW = 1_700_000_000
LEEWAY = 120
# Over 64 bytes, so HS512 gets a full-strength key and joserfc stays quiet.
SECRET = "tessera-unit-tests-" + "0123456789abcdef" * 3
ISSUER = "https://issuer.example"
AUDIENCES = ("tessera", "https://tessera.example")

FAILED = "JWT validation failed: "
BAD_SIGNATURE = FAILED + "Signature verification failed"
EXPIRED = FAILED + "expired_token: The token is expired"
NOT_YET_VALID = FAILED + "invalid_token: The token is not valid yet"
ISSUED_IN_FUTURE = FAILED + "invalid_token: The token is not valid as it was issued in the future"
UNSUPPORTED_ALG = FAILED + 'unsupported_algorithm: Unsupported "alg" value in header'
NOT_A_JWS = FAILED + "decode_error: Invalid JSON Web Signature"
BAD_HEADER = FAILED + "decode_error: Invalid header"
NO_ALG = FAILED + "missing_algorithm: Missing 'alg' value in header"
BAD_PAYLOAD_SEGMENT = FAILED + "decode_error: Invalid payload"
PAYLOAD_NOT_OBJECT = FAILED + "invalid_payload: Invalid payload value"
PAYLOAD_NOT_UTF8 = FAILED + "invalid_payload: Claims JSON must be UTF-8 without a byte-order mark"
NOT_A_STRING = FAILED + "decode_error: Token must be a string"
NOT_ASCII = FAILED + "decode_error: Token is not ASCII"
TOO_LARGE = FAILED + "exceeded_size: Token is too large"


def invalid_claim(name: str) -> str:
    return f"{FAILED}invalid_claim: Invalid claim '{name}'"


def missing_claim(name: str) -> str:
    return f"{FAILED}missing_claim: Missing '{name}' claim"


def hs_policy(algorithm: str = "HS256", **overrides: Any) -> JwtPolicy:
    return JwtPolicy(load_verification_key(SECRET, algorithm), algorithm, **overrides)


def alice(**claims: Any) -> dict[str, Any]:
    return {"sub": "alice", **claims}


def rejection(token: object, policy: JwtPolicy) -> JwtRejected:
    with pytest.raises(JwtRejected) as caught:
        verify(token, policy, NOW)
    return caught.value


def assert_rejected(token: object, policy: JwtPolicy, reason: str, message: str) -> None:
    rejected = rejection(token, policy)
    assert (rejected.reason, rejected.message) == (reason, message)
    assert str(rejected) == message


# --- the token field ---------------------------------------------------------


def test_missing_token_is_forbidden_with_synapse_text() -> None:
    assert_rejected(None, hs_policy(), "missing_token", "Token field for JWT is missing")


@pytest.mark.parametrize("token", [42, 1.5, True, [], ["a.b.c"], {}, {"token": "a.b.c"}, b"a.b.c"])
def test_non_string_token_is_rejected_not_crashed(token: object) -> None:
    assert_rejected(token, hs_policy(), "malformed", NOT_A_STRING)


def test_token_over_the_size_limit_is_rejected_unparsed() -> None:
    assert_rejected("a" * (MAX_TOKEN_LENGTH + 1), hs_policy(), "malformed", TOO_LARGE)
    assert_rejected("a." * 1_000_000, hs_policy(), "malformed", TOO_LARGE)


def test_token_at_the_size_limit_is_parsed_not_refused_for_size() -> None:
    assert_rejected("a" * MAX_TOKEN_LENGTH, hs_policy(), "malformed", NOT_A_JWS)


def test_large_but_plausible_token_still_logs_in() -> None:
    token = sign(alice(groups=["g" * 50] * 180), SECRET)
    assert 10_000 < len(token) <= MAX_TOKEN_LENGTH
    assert verify(token, hs_policy(), NOW).subject == "alice"


# --- signature ---------------------------------------------------------------


def test_token_signed_with_another_secret_has_bad_signature() -> None:
    token = sign(alice(), "another-secret-of-reasonable-length-0123456789")
    assert_rejected(token, hs_policy(), "bad_signature", BAD_SIGNATURE)


@pytest.mark.parametrize(
    "signature", ["", "AAAA", "x" * 43], ids=["empty", "short", "wrong-43-chars"]
)
def test_token_with_a_made_up_signature_has_bad_signature(signature: str) -> None:
    header, payload, _ = sign(alice(), SECRET).split(".")
    token = f"{header}.{payload}.{signature}"
    assert_rejected(token, hs_policy(), "bad_signature", BAD_SIGNATURE)


def test_changing_the_payload_of_a_signed_token_breaks_the_signature() -> None:
    header, _, signature = sign(alice(), SECRET).split(".")
    _, forged_payload, _ = sign({"sub": "admin"}, SECRET).split(".")
    token = f"{header}.{forged_payload}.{signature}"
    assert_rejected(token, hs_policy(), "bad_signature", BAD_SIGNATURE)


# --- claims: the rows of the table -------------------------------------------

REJECTED_CLAIMS = [
    # exp / nbf / iat against the 120 s leeway
    pytest.param(alice(exp=NOW - LEEWAY - 1), {}, "expired", EXPIRED, id="exp-121s-ago"),
    pytest.param(alice(exp=NOW - 86_400), {}, "expired", EXPIRED, id="exp-a-day-ago"),
    pytest.param(alice(exp=NOW - 120.5), {}, "expired", EXPIRED, id="exp-float-past-edge"),
    pytest.param(alice(exp=0), {}, "expired", EXPIRED, id="exp-epoch"),
    pytest.param(alice(exp=-1), {}, "expired", EXPIRED, id="exp-negative"),
    pytest.param(
        alice(nbf=NOW + LEEWAY + 1), {}, "not_yet_valid", NOT_YET_VALID, id="nbf-121s-ahead"
    ),
    pytest.param(
        alice(iat=NOW + LEEWAY + 1),
        {},
        "issued_in_future",
        ISSUED_IN_FUTURE,
        id="iat-121s-ahead",
    ),
    # iss, when an issuer is configured
    pytest.param(
        alice(iss="https://evil.example"),
        {"issuer": ISSUER},
        "invalid_iss",
        invalid_claim("iss"),
        id="iss-wrong",
    ),
    pytest.param(
        alice(iss=ISSUER.upper()),
        {"issuer": ISSUER},
        "invalid_iss",
        invalid_claim("iss"),
        id="iss-differs-in-case",
    ),
    pytest.param(
        alice(iss=[ISSUER]),
        {"issuer": ISSUER},
        "invalid_iss",
        invalid_claim("iss"),
        id="iss-as-list",
    ),
    pytest.param(
        alice(iss=""), {"issuer": ISSUER}, "invalid_iss", invalid_claim("iss"), id="iss-empty"
    ),
    pytest.param(
        alice(iss=None), {"issuer": ISSUER}, "invalid_iss", invalid_claim("iss"), id="iss-null"
    ),
    pytest.param(
        alice(), {"issuer": ISSUER}, "missing_iss", missing_claim("iss"), id="iss-missing"
    ),
    # aud, when audiences are configured
    pytest.param(
        alice(aud="stranger"),
        {"audiences": AUDIENCES},
        "invalid_aud",
        invalid_claim("aud"),
        id="aud-string-not-listed",
    ),
    pytest.param(
        alice(aud=["stranger", "other"]),
        {"audiences": AUDIENCES},
        "invalid_aud",
        invalid_claim("aud"),
        id="aud-list-none-listed",
    ),
    pytest.param(
        alice(aud="TESSERA"),
        {"audiences": AUDIENCES},
        "invalid_aud",
        invalid_claim("aud"),
        id="aud-differs-in-case",
    ),
    pytest.param(
        alice(aud={"tessera": True}),
        {"audiences": AUDIENCES},
        "invalid_aud",
        invalid_claim("aud"),
        id="aud-object",
    ),
    pytest.param(
        alice(aud=[["tessera"]]),
        {"audiences": AUDIENCES},
        "invalid_aud",
        invalid_claim("aud"),
        id="aud-nested-list",
    ),
    pytest.param(
        alice(aud=""),
        {"audiences": AUDIENCES},
        "invalid_aud",
        invalid_claim("aud"),
        id="aud-empty-string",
    ),
    pytest.param(
        alice(aud=[]),
        {"audiences": AUDIENCES},
        "invalid_aud",
        invalid_claim("aud"),
        id="aud-empty-list",
    ),
    pytest.param(
        alice(aud=None),
        {"audiences": AUDIENCES},
        "invalid_aud",
        invalid_claim("aud"),
        id="aud-null",
    ),
    pytest.param(
        alice(),
        {"audiences": AUDIENCES},
        "missing_aud",
        missing_claim("aud"),
        id="aud-missing",
    ),
    pytest.param(
        alice(aud="tessera"),
        {"audiences": ()},
        "invalid_aud",
        invalid_claim("aud"),
        id="aud-with-empty-audiences-configured",
    ),
    pytest.param(
        alice(), {"audiences": ()}, "missing_aud", missing_claim("aud"), id="aud-missing-empty"
    ),
    # aud present while no audiences are configured: Synapse's "old behaviour"
    pytest.param(alice(aud="tessera"), {}, "invalid_aud", invalid_claim("aud"), id="aud-unasked"),
    pytest.param(alice(aud=["x"]), {}, "invalid_aud", invalid_claim("aud"), id="aud-list-unasked"),
    pytest.param(alice(aud=""), {}, "invalid_aud", invalid_claim("aud"), id="aud-empty-unasked"),
    pytest.param(alice(aud=[]), {}, "invalid_aud", invalid_claim("aud"), id="aud-[]-unasked"),
    pytest.param(alice(aud=0), {}, "invalid_aud", invalid_claim("aud"), id="aud-zero-unasked"),
    pytest.param(alice(aud=False), {}, "invalid_aud", invalid_claim("aud"), id="aud-false-unasked"),
]


@pytest.mark.parametrize(("claims", "policy", "reason", "message"), REJECTED_CLAIMS)
def test_token_breaking_a_claim_rule_is_forbidden(
    claims: dict[str, Any], policy: dict[str, Any], reason: str, message: str
) -> None:
    assert_rejected(sign(claims, SECRET), hs_policy(**policy), reason, message)


ACCEPTED_CLAIMS = [
    pytest.param(alice(), {}, id="no-registered-claims"),
    pytest.param(alice(exp=NOW - LEEWAY), {}, id="exp-exactly-at-leeway-edge"),
    pytest.param(alice(exp=NOW - 119.5), {}, id="exp-float-inside-leeway"),
    pytest.param(alice(exp=NOW + 3600), {}, id="exp-in-an-hour"),
    pytest.param(alice(nbf=NOW + LEEWAY), {}, id="nbf-exactly-at-leeway-edge"),
    pytest.param(alice(nbf=NOW - 3600), {}, id="nbf-an-hour-ago"),
    pytest.param(alice(iat=NOW + LEEWAY), {}, id="iat-exactly-at-leeway-edge"),
    pytest.param(alice(iat=NOW), {}, id="iat-now"),
    pytest.param(alice(iat=0), {}, id="iat-long-ago"),
    pytest.param(
        alice(exp=NOW - LEEWAY, nbf=NOW + LEEWAY, iat=NOW + LEEWAY), {}, id="all-at-edges"
    ),
    pytest.param(alice(iss=ISSUER), {"issuer": ISSUER}, id="iss-matches"),
    pytest.param(alice(iss="anyone"), {}, id="iss-ignored-without-issuer"),
    pytest.param(alice(iss=5), {}, id="iss-of-any-type-ignored-without-issuer"),
    pytest.param(alice(aud="tessera"), {"audiences": AUDIENCES}, id="aud-string-listed"),
    pytest.param(
        alice(aud="https://tessera.example"), {"audiences": AUDIENCES}, id="aud-second-listed"
    ),
    pytest.param(
        alice(aud=["stranger", "tessera"]), {"audiences": AUDIENCES}, id="aud-list-any-listed"
    ),
    pytest.param(alice(aud=None), {}, id="aud-null-without-audiences"),
    pytest.param(
        alice(iss=ISSUER, aud=["tessera"], exp=NOW + 60, nbf=NOW - 60, iat=NOW - 60),
        {"issuer": ISSUER, "audiences": AUDIENCES},
        id="everything-configured-and-right",
    ),
]


@pytest.mark.parametrize(("claims", "policy"), ACCEPTED_CLAIMS)
def test_token_within_the_rules_logs_in(claims: dict[str, Any], policy: dict[str, Any]) -> None:
    identity = verify(sign(claims, SECRET), hs_policy(**policy), NOW)
    assert identity.subject == "alice"
    assert identity.claims == claims


@pytest.mark.parametrize("claim", ["exp", "nbf", "iat"])
@pytest.mark.parametrize(
    "value",
    [str(NOW), "soon", True, False, None, [NOW], {"t": NOW}],
    ids=["numeric-string", "string", "true", "false", "null", "list", "object"],
)
def test_non_numeric_time_claim_is_an_invalid_claim(claim: str, value: object) -> None:
    token = sign(alice(**{claim: value}), SECRET)
    assert_rejected(token, hs_policy(), f"invalid_{claim}", invalid_claim(claim))


@pytest.mark.parametrize("claim", ["exp", "nbf", "iat"])
@pytest.mark.parametrize("literal", [b"NaN", b"Infinity", b"-Infinity", b"1e400"])
def test_non_finite_time_claim_is_an_invalid_claim(claim: str, literal: bytes) -> None:
    # Python's json module accepts these non-standard literals, so a signer can send them;
    # NaN would otherwise compare as "always valid".
    payload = b'{"sub": "alice", "' + claim.encode() + b'": ' + literal + b"}"
    token = hmac_sign(payload, SECRET.encode())
    assert_rejected(token, hs_policy(), f"invalid_{claim}", invalid_claim(claim))


HUGE = 10**400  # a JSON integer; too large for a float

HUGE_TIMES = [
    pytest.param({"exp": HUGE}, None, id="exp-far-future-is-valid"),
    pytest.param({"nbf": -HUGE}, None, id="nbf-far-past-is-valid"),
    pytest.param({"iat": -HUGE}, None, id="iat-far-past-is-valid"),
    pytest.param({"exp": -HUGE}, ("expired", EXPIRED), id="exp-far-past-is-expired"),
    pytest.param(
        {"nbf": HUGE}, ("not_yet_valid", NOT_YET_VALID), id="nbf-far-future-is-not-yet-valid"
    ),
    pytest.param(
        {"iat": HUGE},
        ("issued_in_future", ISSUED_IN_FUTURE),
        id="iat-far-future-is-issued-in-future",
    ),
]


@pytest.mark.parametrize(("times", "outcome"), HUGE_TIMES)
def test_huge_integer_time_is_compared_like_any_number(
    times: dict[str, int], outcome: tuple[str, str] | None
) -> None:
    # JSON integers are unbounded; Synapse (Authlib) compares them as ints. Whatever the
    # outcome, a token must never crash the verifier (issue #2: "never a 500 for any token").
    token = sign(alice(**times), SECRET)
    if outcome is None:
        assert verify(token, hs_policy(), NOW).subject == "alice"
    else:
        assert_rejected(token, hs_policy(), *outcome)


def test_integer_with_too_many_digits_for_python_is_malformed_not_crashed() -> None:
    payload = b'{"sub": "alice", "exp": ' + b"9" * 5000 + b"}"
    assert_rejected(
        hmac_sign(payload, SECRET.encode()), hs_policy(), "malformed", PAYLOAD_NOT_OBJECT
    )


# --- the order of the checks (Synapse's: essentials, values, times, unasked aud) ---

ORDER = [
    pytest.param(
        alice(iss="https://evil.example"),
        {"issuer": ISSUER, "audiences": AUDIENCES},
        "missing_aud",
        missing_claim("aud"),
        id="missing-aud-before-wrong-iss",
    ),
    pytest.param(
        alice(),
        {"issuer": ISSUER, "audiences": AUDIENCES},
        "missing_iss",
        missing_claim("iss"),
        id="missing-iss-before-missing-aud",
    ),
    pytest.param(
        alice(iss="https://evil.example", aud="stranger"),
        {"issuer": ISSUER, "audiences": AUDIENCES},
        "invalid_iss",
        invalid_claim("iss"),
        id="wrong-iss-before-wrong-aud",
    ),
    pytest.param(
        alice(aud="stranger", exp=NOW - 3600),
        {"audiences": AUDIENCES},
        "invalid_aud",
        invalid_claim("aud"),
        id="wrong-aud-before-expiry",
    ),
    pytest.param(
        alice(exp=NOW - 3600, nbf=NOW + 3600, iat=NOW + 3600),
        {},
        "expired",
        EXPIRED,
        id="expiry-before-nbf-and-iat",
    ),
    pytest.param(
        alice(nbf=NOW + 3600, iat=NOW + 3600),
        {},
        "not_yet_valid",
        NOT_YET_VALID,
        id="nbf-before-iat",
    ),
    pytest.param(
        alice(aud="tessera", exp=NOW - 3600),
        {},
        "expired",
        EXPIRED,
        id="expiry-before-unasked-aud",
    ),
    pytest.param(
        {"aud": "tessera"},
        {},
        "invalid_aud",
        invalid_claim("aud"),
        id="unasked-aud-before-missing-subject",
    ),
    pytest.param(
        {"exp": NOW - 3600},
        {},
        "expired",
        EXPIRED,
        id="claims-before-missing-subject",
    ),
]


@pytest.mark.parametrize(("claims", "policy", "reason", "message"), ORDER)
def test_first_broken_rule_decides_the_error(
    claims: dict[str, Any], policy: dict[str, Any], reason: str, message: str
) -> None:
    assert_rejected(sign(claims, SECRET), hs_policy(**policy), reason, message)


def test_signature_is_checked_before_any_claim() -> None:
    token = sign({"exp": 0, "aud": "x"}, "another-secret-of-reasonable-length-0123456789")
    assert_rejected(token, hs_policy(), "bad_signature", BAD_SIGNATURE)


def test_algorithm_is_checked_before_the_signature() -> None:
    token = sign(alice(), "another-secret-of-reasonable-length-0123456789", "HS384")
    assert_rejected(token, hs_policy(), "unsupported_algorithm", UNSUPPORTED_ALG)


# --- header alg ----------------------------------------------------------------

FOREIGN_ALGS = [
    pytest.param(compact({"alg": "none"}, alice(), b""), id="none"),
    pytest.param(compact({"alg": "None"}, alice(), b""), id="None"),
    pytest.param(compact({"alg": "nOnE"}, alice(), b""), id="nOnE"),
    pytest.param(compact({"alg": "NONE"}, alice(), b""), id="NONE"),
    pytest.param(hmac_sign(alice(), SECRET.encode(), "HS256", alg="none"), id="none-but-signed"),
    pytest.param(hmac_sign(alice(), SECRET.encode(), "HS256", alg="hs256"), id="lowercase-hs256"),
    pytest.param(hmac_sign(alice(), SECRET.encode(), "HS256", alg="HS256 "), id="trailing-space"),
    pytest.param(hmac_sign(alice(), SECRET.encode(), "HS384"), id="HS384-right-secret"),
    pytest.param(hmac_sign(alice(), SECRET.encode(), "HS512"), id="HS512-right-secret"),
    pytest.param(hmac_sign(alice(), SECRET.encode(), "HS256", alg="RS256"), id="RS256"),
    pytest.param(hmac_sign(alice(), SECRET.encode(), "HS256", alg="EdDSA"), id="EdDSA"),
    pytest.param(hmac_sign(alice(), SECRET.encode(), "HS256", alg=None), id="null"),
    pytest.param(hmac_sign(alice(), SECRET.encode(), "HS256", alg=256), id="number"),
    pytest.param(hmac_sign(alice(), SECRET.encode(), "HS256", alg=["HS256"]), id="list"),
]


@pytest.mark.parametrize("token", FOREIGN_ALGS)
def test_header_alg_other_than_configured_is_unsupported(token: str) -> None:
    assert_rejected(token, hs_policy(), "unsupported_algorithm", UNSUPPORTED_ALG)


def test_header_without_alg_is_malformed() -> None:
    token = compact({"typ": "JWT"}, alice(), b"x")
    assert_rejected(token, hs_policy(), "malformed", NO_ALG)


@pytest.mark.parametrize("alg", ["none", "None", "nOnE", "HS256"])
def test_unsigned_or_hmac_token_is_refused_by_an_rs256_policy(keyring: Keyring, alg: str) -> None:
    policy = JwtPolicy(load_verification_key(keyring.rsa.public_pem, "RS256"), "RS256")
    token = compact({"alg": alg}, alice(), b"")
    assert_rejected(token, policy, "unsupported_algorithm", UNSUPPORTED_ALG)


# --- malformed tokens ------------------------------------------------------------

_GOOD = sign(alice(), SECRET)
_H, _P, _S = _GOOD.split(".")

MALFORMED = [
    pytest.param("", NOT_A_JWS, id="empty"),
    pytest.param("not-a-jwt", NOT_A_JWS, id="one-segment"),
    pytest.param(f"{_H}.{_P}", NOT_A_JWS, id="two-segments"),
    pytest.param(f"{_GOOD}.{_S}", NOT_A_JWS, id="four-segments"),
    pytest.param("..", BAD_HEADER, id="three-empty-segments"),
    pytest.param(f"!!!.{_P}.{_S}", BAD_HEADER, id="header-not-base64url"),
    pytest.param(f"{_H}=.{_P}.{_S}", BAD_HEADER, id="header-with-padding"),
    pytest.param(f" {_GOOD}", BAD_HEADER, id="leading-space"),
    pytest.param(compact(b"not json", alice(), b"x"), BAD_HEADER, id="header-not-json"),
    pytest.param(compact(b'["HS256"]', alice(), b"x"), NO_ALG, id="header-a-json-array"),
    pytest.param(f"{_H}.!!!.{_S}", BAD_PAYLOAD_SEGMENT, id="payload-not-base64url"),
    pytest.param(f"{_H}.{_P}=.{_S}", BAD_PAYLOAD_SEGMENT, id="payload-with-padding"),
    pytest.param(f"{_GOOD}é", NOT_ASCII, id="non-ascii"),
    pytest.param(
        hmac_sign(alice(), SECRET.encode(), "HS256", crit=["exp"]),
        FAILED + "missing_crit_header: Missing critical 'exp' value in header",
        id="unknown-critical-header",
    ),
]


@pytest.mark.parametrize(("token", "message"), MALFORMED)
def test_malformed_token_is_forbidden_as_malformed(token: str, message: str) -> None:
    assert_rejected(token, hs_policy(), "malformed", message)


@pytest.mark.parametrize(
    "payload",
    [b"not json", b"[]", b'["alice"]', b'"alice"', b"42", b"null", b"true", b""],
    ids=["not-json", "empty-array", "array", "string", "number", "null", "true", "empty"],
)
def test_signed_payload_that_is_not_a_json_object_is_malformed(payload: bytes) -> None:
    token = hmac_sign(payload, SECRET.encode())
    assert_rejected(token, hs_policy(), "malformed", PAYLOAD_NOT_OBJECT)


def test_signed_payload_that_is_not_utf8_is_an_invalid_payload() -> None:
    # The token itself is ASCII; only the decoded payload is not UTF-8.
    token = hmac_sign(b'{"sub": "\xff"}', SECRET.encode())
    assert_rejected(token, hs_policy(), "malformed", PAYLOAD_NOT_UTF8)


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "utf-16-be", "utf-32-le"])
def test_signed_payload_in_another_encoding_or_with_a_bom_is_refused(encoding: str) -> None:
    # json.loads(bytes) would read each of these as {"sub": "alice"} (RFC 7519 §7.2: UTF-8 only).
    token = hmac_sign('{"sub": "alice"}'.encode(encoding), SECRET.encode())
    assert_rejected(token, hs_policy(), "malformed", PAYLOAD_NOT_UTF8)


def test_deeply_nested_signed_payload_is_malformed_not_crashed() -> None:
    payload = b'{"sub": "alice", "x": ' + b"[" * 5000 + b"]" * 5000 + b"}"
    token = hmac_sign(payload, SECRET.encode())
    assert len(token) <= MAX_TOKEN_LENGTH
    assert_rejected(token, hs_policy(), "malformed", PAYLOAD_NOT_OBJECT)


def test_duplicate_claim_names_resolve_to_the_last_like_synapse() -> None:
    token = hmac_sign(b'{"sub": "alice", "sub": "mallory"}', SECRET.encode())
    assert verify(token, hs_policy(), NOW).subject == "mallory"


# --- subject -----------------------------------------------------------------------


@pytest.mark.parametrize("claims", [{}, {"sub": None}, {"user": "alice"}], ids=str)
def test_absent_or_null_subject_is_invalid_jwt(claims: dict[str, Any]) -> None:
    assert_rejected(sign(claims, SECRET), hs_policy(), "missing_subject", "Invalid JWT")


@pytest.mark.parametrize(
    "subject",
    [{"name": "alice"}, ["alice"], [], 1.5, True, False],
    ids=["object", "list", "empty-list", "float", "true", "false"],
)
def test_structured_subject_is_invalid_jwt(subject: object) -> None:
    assert_rejected(sign({"sub": subject}, SECRET), hs_policy(), "invalid_subject", "Invalid JWT")


@pytest.mark.parametrize(("subject", "localpart"), [(42, "42"), (0, "0"), (-7, "-7")])
def test_integer_subject_becomes_its_decimal_string(subject: int, localpart: str) -> None:
    assert verify(sign({"sub": subject}, SECRET), hs_policy(), NOW).subject == localpart


@pytest.mark.parametrize("subject", ["alice", "Kermit", "", "with:colon", "ünïcödé"])
def test_string_subject_is_passed_through_for_the_localpart_rules(subject: str) -> None:
    # The verifier vouches for the token, not the name; check_new_localpart judges the name.
    assert verify(sign({"sub": subject}, SECRET), hs_policy(), NOW).subject == subject


def test_custom_subject_claim_is_used_instead_of_sub() -> None:
    token = sign({"sub": "alice", "preferred_username": "bob"}, SECRET)
    assert verify(token, hs_policy(subject_claim="preferred_username"), NOW).subject == "bob"


def test_custom_subject_claim_absent_is_invalid_jwt_even_with_sub() -> None:
    token = sign({"sub": "alice"}, SECRET)
    policy = hs_policy(subject_claim="preferred_username")
    assert_rejected(token, policy, "missing_subject", "Invalid JWT")


# --- display name --------------------------------------------------------------------


def test_display_name_is_ignored_when_no_claim_is_configured() -> None:
    token = sign(alice(name="Alice Liddell"), SECRET)
    assert verify(token, hs_policy(), NOW).display_name is None


def test_configured_display_name_claim_is_returned() -> None:
    token = sign(alice(name="Alice Liddell"), SECRET)
    assert verify(token, hs_policy(display_name_claim="name"), NOW).display_name == "Alice Liddell"


@pytest.mark.parametrize(
    "claims",
    [alice(), alice(name=None), alice(name=""), alice(name=42), alice(name={"first": "A"})],
    ids=["absent", "null", "empty", "number", "object"],
)
def test_absent_or_unusable_display_name_falls_back_to_none(claims: dict[str, Any]) -> None:
    identity = verify(sign(claims, SECRET), hs_policy(display_name_claim="name"), NOW)
    assert identity.subject == "alice"
    assert identity.display_name is None


# --- every algorithm family -----------------------------------------------------------


@pytest.mark.parametrize("algorithm", ["HS256", "HS384", "HS512"])
def test_hmac_algorithm_accepts_its_own_signature(algorithm: str) -> None:
    identity = verify(sign(alice(), SECRET, algorithm), hs_policy(algorithm), NOW)
    assert identity.subject == "alice"


@pytest.mark.parametrize("algorithm", ["HS256", "HS384", "HS512"])
def test_hmac_algorithm_refuses_another_secret(algorithm: str) -> None:
    token = sign(alice(), "another-secret-of-reasonable-length-0123456789" * 2, algorithm)
    assert_rejected(token, hs_policy(algorithm), "bad_signature", BAD_SIGNATURE)


ASYMMETRIC = [
    pytest.param("RS256", "rsa", "rsa_stranger", id="RS256"),
    pytest.param("RS384", "rsa", "rsa_stranger", id="RS384"),
    pytest.param("RS512", "rsa", "rsa_stranger", id="RS512"),
    pytest.param("PS256", "rsa", "rsa_stranger", id="PS256"),
    pytest.param("PS384", "rsa", "rsa_stranger", id="PS384"),
    pytest.param("PS512", "rsa", "rsa_stranger", id="PS512"),
    pytest.param("ES256", "p256", "p256_stranger", id="ES256"),
    pytest.param("ES384", "p384", "p384_stranger", id="ES384"),
    pytest.param("ES512", "p521", "p521_stranger", id="ES512"),
    pytest.param("EdDSA", "ed25519", "ed25519_stranger", id="EdDSA-Ed25519"),
    pytest.param("EdDSA", "ed448", "ed448_stranger", id="EdDSA-Ed448"),
    pytest.param("Ed25519", "ed25519", "ed25519_stranger", id="Ed25519"),
    pytest.param("Ed448", "ed448", "ed448_stranger", id="Ed448"),
]


def _asymmetric_policy(keyring: Keyring, algorithm: str, pair: str) -> JwtPolicy:
    public_pem = getattr(keyring, pair).public_pem
    return JwtPolicy(load_verification_key(public_pem, algorithm), algorithm)


@pytest.mark.parametrize(("algorithm", "pair", "stranger"), ASYMMETRIC)
def test_public_key_algorithm_accepts_its_private_keys_signature(
    keyring: Keyring, algorithm: str, pair: str, stranger: str
) -> None:
    token = sign(alice(exp=NOW + 60), getattr(keyring, pair).private_pem, algorithm)
    identity = verify(token, _asymmetric_policy(keyring, algorithm, pair), NOW)
    assert identity.subject == "alice"
    assert identity.claims == alice(exp=NOW + 60)


@pytest.mark.parametrize(("algorithm", "pair", "stranger"), ASYMMETRIC)
def test_public_key_algorithm_refuses_a_strangers_signature(
    keyring: Keyring, algorithm: str, pair: str, stranger: str
) -> None:
    token = sign(alice(), getattr(keyring, stranger).private_pem, algorithm)
    policy = _asymmetric_policy(keyring, algorithm, pair)
    assert_rejected(token, policy, "bad_signature", BAD_SIGNATURE)


@pytest.mark.parametrize(("algorithm", "pair", "stranger"), ASYMMETRIC)
def test_public_key_algorithm_applies_the_claim_rules(
    keyring: Keyring, algorithm: str, pair: str, stranger: str
) -> None:
    token = sign(alice(exp=NOW - LEEWAY - 1), getattr(keyring, pair).private_pem, algorithm)
    assert_rejected(token, _asymmetric_policy(keyring, algorithm, pair), "expired", EXPIRED)


def test_policy_built_from_a_private_pem_verifies_its_signatures(keyring: Keyring) -> None:
    policy = JwtPolicy(load_verification_key(keyring.rsa.private_pem, "RS256"), "RS256")
    assert verify(sign(alice(), keyring.rsa.private_pem, "RS256"), policy, NOW).subject == "alice"


@pytest.mark.parametrize(
    ("configured", "signed_with"),
    [("RS256", "PS256"), ("PS256", "RS256"), ("RS256", "RS512"), ("ES256", "ES384")],
)
def test_same_family_but_other_algorithm_is_unsupported(
    keyring: Keyring, configured: str, signed_with: str
) -> None:
    pair = "p256" if configured.startswith("ES") else "rsa"
    signer = "p384" if signed_with == "ES384" else pair
    token = sign(alice(), getattr(keyring, signer).private_pem, signed_with)
    policy = _asymmetric_policy(keyring, configured, pair)
    assert_rejected(token, policy, "unsupported_algorithm", UNSUPPORTED_ALG)


# --- algorithm confusion (the RS/HS case is in test_jwt_keys.py) ----------------------


def test_key_embedded_in_the_header_is_ignored(keyring: Keyring) -> None:
    # jwk / jku / kid never choose the key: only the configured one verifies.
    attacker = keyring.p256_stranger
    attacker_jwk = ECKey.import_key(attacker.public_pem).as_dict(private=False)
    token = sign(
        alice(),
        attacker.private_pem,
        "ES256",
        jwk=attacker_jwk,
        jku="https://evil.example/jwks.json",
        kid="server-key",
    )
    policy = _asymmetric_policy(keyring, "ES256", "p256")
    assert_rejected(token, policy, "bad_signature", BAD_SIGNATURE)
