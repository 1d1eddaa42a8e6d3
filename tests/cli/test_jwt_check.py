"""``tessera jwt check``: each check with PASS/FAIL and why; exit 0 only for a token that logs in.

A real process, as an operator runs it: no server, no database.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from tests.cli.runner import tessera, write_config
from tests.support.keys import ec_pair, jwk, oct_jwk, rsa_pair, sign

NOW = 1_700_000_000
SECRET = "a-cli-check-secret-that-is-long-enough"
HS256 = {"enabled": True, "secret": SECRET, "algorithm": "HS256"}
FAILED = "JWT validation failed: "
RSA = rsa_pair()
RSA_NEXT = rsa_pair()
P256 = ec_pair(ec.SECP256R1())


def config(tmp_path: Path, **jwt_config: Any) -> Path:
    return write_config(tmp_path / "homeserver.yaml", jwt_config={**HS256, **jwt_config})


def check(cfg: Path, token: str, *extra: str) -> subprocess.CompletedProcess[str]:
    return tessera("jwt", "check", token, "-c", str(cfg), "--now", str(NOW), *extra, cwd=cfg.parent)


def line(result: subprocess.CompletedProcess[str], name: str) -> str:
    """The report line of check ``name`` (``PASS  exp  …``)."""
    found = [text for text in result.stdout.splitlines() if text[6:].split("  ")[0].strip() == name]
    assert len(found) == 1, result.stdout
    return found[0]


def outcome(result: subprocess.CompletedProcess[str], name: str) -> str:
    return line(result, name)[:4]


def test_good_token_passes_every_check_and_exits_0(tmp_path: Path) -> None:
    token = sign({"sub": "alice", "iat": NOW, "exp": NOW + 600}, SECRET)

    result = check(config(tmp_path), token)

    assert result.returncode == 0, result.stdout + result.stderr
    for name in ("header", "alg", "key", "signature", "payload", "iss", "aud", "exp", "nbf"):
        assert outcome(result, name) == "PASS", result.stdout
    assert outcome(result, "iat") == "PASS"
    assert outcome(result, "subject") == "PASS"
    assert "@alice:localhost" in line(result, "subject")
    assert "FAIL" not in result.stdout
    assert "RESULT: accepted: logs in as @alice:localhost" in result.stdout
    # The database's part is said, not guessed.
    assert outcome(result, "database") == "NOTE"
    assert SECRET not in result.stdout + result.stderr


def test_expired_token_fails_the_exp_check_with_the_client_text(tmp_path: Path) -> None:
    token = sign({"sub": "alice", "exp": NOW - 121}, SECRET)

    result = check(config(tmp_path), token)

    assert result.returncode == 1
    assert outcome(result, "exp") == "FAIL"
    assert "expired_token: The token is expired" in line(result, "exp")
    assert outcome(result, "signature") == "PASS"
    assert outcome(result, "subject") == "PASS"  # the other checks still run
    expected = FAILED + "expired_token: The token is expired"
    assert f"RESULT: refused: 403 M_FORBIDDEN {json.dumps(expected)}" in result.stdout


def test_now_option_pins_the_clock(tmp_path: Path) -> None:
    token = sign({"sub": "alice", "exp": NOW + 60}, SECRET)
    cfg = config(tmp_path)

    assert check(cfg, token).returncode == 0
    later = tessera("jwt", "check", token, "-c", str(cfg), "--now", str(NOW + 3600), cwd=tmp_path)
    assert later.returncode == 1
    assert outcome(later, "exp") == "FAIL"


def test_bad_signature_fails_and_marks_the_claims_untrusted(tmp_path: Path) -> None:
    token = sign({"sub": "alice", "exp": NOW - 3600}, "some-other-secret-0123456789abcdef")

    result = check(config(tmp_path), token)

    assert result.returncode == 1
    assert outcome(result, "signature") == "FAIL"
    assert "NOT trusted" in line(result, "payload")
    assert outcome(result, "exp") == "FAIL"  # reported too, to save a second round trip
    assert "Signature verification failed" in result.stdout.splitlines()[-1]


def test_malformed_token_fails_at_the_header(tmp_path: Path) -> None:
    result = check(config(tmp_path), "not-a-jwt")

    assert result.returncode == 1
    assert outcome(result, "header") == "FAIL"
    assert "decode_error" in line(result, "header")


def test_algorithm_not_allowed_fails_and_skips_the_signature(tmp_path: Path) -> None:
    token = sign({"sub": "alice"}, SECRET, "HS512")

    result = check(config(tmp_path), token)

    assert result.returncode == 1
    assert outcome(result, "alg") == "FAIL"
    assert "'HS512' is not one of HS256" in line(result, "alg")
    assert outcome(result, "key") == "SKIP"
    assert outcome(result, "signature") == "SKIP"


def test_kid_is_said_to_be_ignored_by_a_plain_secret(tmp_path: Path) -> None:
    token = sign({"sub": "alice"}, SECRET, kid="some-idp-key")

    result = check(config(tmp_path), token)

    assert result.returncode == 0, result.stdout
    assert "names no key; trying the keys without a kid: HMAC key" in line(result, "key")


def two_key_set(tmp_path: Path) -> Path:
    keys = {"keys": [jwk(RSA, "RSA", kid="2024"), jwk(P256, "EC", kid="2025")]}
    return config(tmp_path, secret=keys, algorithm=None, algorithms=["RS256", "ES256"])


def test_kid_picks_a_key_of_the_set(tmp_path: Path) -> None:
    token = sign({"sub": "alice"}, P256.private_pem, "ES256", kid="2025")

    result = check(two_key_set(tmp_path), token)

    assert result.returncode == 0, result.stdout
    assert "kid '2025' picks EC P-256 key '2025'" in line(result, "key")
    assert "verified with the EC P-256 key '2025'" in line(result, "signature")


def test_unknown_kid_fails_listing_the_configured_ones(tmp_path: Path) -> None:
    token = sign({"sub": "alice"}, RSA_NEXT.private_pem, "RS256", kid="2026")

    result = check(two_key_set(tmp_path), token)

    assert result.returncode == 1
    assert outcome(result, "key") == "FAIL"
    assert "Unknown 'kid'" in line(result, "key")
    assert "'2024', '2025'" in line(result, "key")
    assert outcome(result, "signature") == "SKIP"


def test_required_claims_are_each_reported(tmp_path: Path) -> None:
    cfg = config(tmp_path, required_claims={"group": "chat-users", "tier": ["gold", "silver"]})
    token = sign({"sub": "alice", "group": ["chat-users"]}, SECRET)

    result = check(cfg, token)

    assert result.returncode == 1
    assert outcome(result, "claim group") == "PASS"
    assert outcome(result, "claim tier") == "FAIL"
    assert "missing_claim: Missing 'tier' claim" in line(result, "claim tier")


def test_lifetime_over_max_lifetime_fails(tmp_path: Path) -> None:
    cfg = config(tmp_path, max_lifetime="5m", require_exp=True)
    token = sign({"sub": "alice", "iat": NOW, "exp": NOW + 3600}, SECRET)

    result = check(cfg, token)

    assert result.returncode == 1
    assert outcome(result, "lifetime") == "FAIL"
    assert "max_lifetime (300 s" in line(result, "lifetime")


@pytest.mark.parametrize(
    ("subject", "code", "note"),
    [
        ("alice", 0, "is created on first login"),
        ("1234", 0, "Numeric user IDs are reserved"),
        ("Kermit", 0, "only an existing one logs in"),
    ],
)
def test_what_the_database_decides_is_a_note_not_a_failure(
    tmp_path: Path, subject: str, code: int, note: str
) -> None:
    result = check(config(tmp_path), sign({"sub": subject}, SECRET))

    assert result.returncode == code, result.stdout
    assert outcome(result, "registration") == "NOTE"
    assert note in line(result, "registration")


def test_subject_no_user_id_can_match_fails(tmp_path: Path) -> None:
    result = check(config(tmp_path), sign({"sub": "al ice"}, SECRET))

    assert result.returncode == 1
    assert outcome(result, "subject") == "FAIL"
    assert "M_INVALID_USERNAME" in result.stdout.splitlines()[-1]


def test_allow_registration_false_says_the_user_must_exist(tmp_path: Path) -> None:
    cfg = config(tmp_path, allow_registration=False)

    result = check(cfg, sign({"sub": "alice"}, SECRET))

    assert result.returncode == 0
    assert "allow_registration is false: @alice:localhost must exist" in line(
        result, "registration"
    )


def test_token_can_come_from_stdin(tmp_path: Path) -> None:
    cfg = config(tmp_path)
    token = sign({"sub": "alice"}, SECRET)

    result = subprocess.run(
        [sys.executable, "-m", "tessera", "jwt", "check", "-", "-c", str(cfg), "--now", str(NOW)],
        input=token + "\n",
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert token not in result.stdout


def test_disabled_jwt_login_cannot_be_checked(tmp_path: Path) -> None:
    cfg = write_config(tmp_path / "homeserver.yaml", jwt_config={"enabled": False})

    result = check(cfg, sign({"sub": "alice"}, SECRET))

    assert result.returncode == 2
    assert "jwt_config is not enabled" in result.stderr


def test_config_error_exits_2_naming_the_key(tmp_path: Path) -> None:
    cfg = config(tmp_path, algorithms=["HS256"])

    result = check(cfg, sign({"sub": "alice"}, SECRET))

    assert result.returncode == 2
    assert "jwt_config.algorithms:" in result.stderr
    assert "Traceback" not in result.stderr


def test_minted_token_for_a_jwk_set_carries_the_kid_and_passes(tmp_path: Path) -> None:
    keys = {"keys": [oct_jwk(SECRET, kid="hmac-1"), jwk(RSA, "RSA", kid="rsa-1")]}
    cfg = config(tmp_path, secret=keys, algorithm=None, algorithms=["HS256", "RS256"])
    minted = tessera("jwt", "mint", "-c", str(cfg), "--sub", "alice", cwd=tmp_path)
    assert minted.returncode == 0, minted.stderr

    result = tessera("jwt", "check", minted.stdout.strip(), "-c", str(cfg), cwd=tmp_path)

    assert result.returncode == 0, result.stdout
    assert "kid 'hmac-1' picks HMAC key 'hmac-1'" in line(result, "key")


def test_minted_token_fills_the_required_claims(tmp_path: Path) -> None:
    cfg = config(tmp_path, required_claims={"group": ["chat-users", "staff"]})
    minted = tessera("jwt", "mint", "-c", str(cfg), "--sub", "alice", "--kid", "k", cwd=tmp_path)
    assert minted.returncode == 0, minted.stderr

    result = tessera("jwt", "check", minted.stdout.strip(), "-c", str(cfg), cwd=tmp_path)

    assert result.returncode == 0, result.stdout
    assert '"chat-users"' in line(result, "claim group")
    assert '"kid": "k"' in line(result, "header")


def test_check_config_lists_every_algorithm_and_spares_a_jwk_the_weak_secret_warning(
    tmp_path: Path,
) -> None:
    keys = {"keys": [oct_jwk("short", kid="h"), jwk(RSA, "RSA", kid="r")]}
    cfg = config(tmp_path, secret=keys, algorithm=None, algorithms=["HS256", "RS256"])

    result = tessera("check-config", "-c", str(cfg), cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    assert "JWT login: enabled (HS256, RS256)" in result.stdout
    assert "shorter than 32 bytes" not in result.stderr
