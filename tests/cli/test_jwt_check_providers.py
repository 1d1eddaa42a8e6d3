"""``tessera jwt check`` with ``jwt_providers``, ``jwks_uri`` and claim mapping: the provider
chosen, the keys fetched as the server would, the user the claims map to.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.cli.runner import tessera, write_config
from tests.support.idp import jwks_endpoint
from tests.support.keys import jwk, rsa_pair, sign

NOW = 1_700_000_000
SECRET = "a-cli-check-secret-that-is-long-enough"
RSA = rsa_pair()
CORP = {
    "id": "corp",
    "secret": RSA.public_pem,
    "algorithm": "RS256",
    "issuer": "https://corp",
    "localpart_template": "{{ user.preferred_username }}",
    "localpart_normalisation": "lowercase",
    "admin_claim": {"claim": "roles", "value": "admin"},
}
PARTNER = {"id": "partner", "secret": SECRET, "algorithm": "HS256", "issuer": "https://partner"}


def check(cfg: Path, token: str) -> subprocess.CompletedProcess[str]:
    return tessera("jwt", "check", token, "-c", str(cfg), "--now", str(NOW), cwd=cfg.parent)


def line(result: subprocess.CompletedProcess[str], name: str) -> str:
    found = [text for text in result.stdout.splitlines() if text[6:].split("  ")[0].strip() == name]
    assert len(found) == 1, result.stdout
    return found[0]


def test_the_provider_is_chosen_by_issuer_and_the_claims_mapped(tmp_path: Path) -> None:
    cfg = write_config(tmp_path / "homeserver.yaml", jwt_providers=[CORP, PARTNER])
    token = sign(
        {"iss": "https://corp", "sub": "f81d", "preferred_username": "Ann", "roles": ["admin"]},
        RSA.private_pem,
        "RS256",
    )

    result = check(cfg, token)

    assert result.returncode == 0, result.stdout + result.stderr
    assert line(result, "provider").startswith("PASS")
    assert "corp (routed by iss/kid to: corp)" in line(result, "provider")
    assert "localpart_template → 'ann' (lowercase) → @ann:localhost" in line(result, "subject")
    assert "@ann:localhost is a server admin" in line(result, "admin")
    assert "RESULT: accepted: logs in as @ann:localhost" in result.stdout


def test_a_token_of_no_provider_is_refused_naming_iss(tmp_path: Path) -> None:
    cfg = write_config(tmp_path / "homeserver.yaml", jwt_providers=[CORP, PARTNER])

    result = check(cfg, sign({"iss": "https://evil", "sub": "x"}, SECRET))

    assert result.returncode == 1
    assert line(result, "provider").startswith("FAIL")
    assert "RESULT: refused: 403 M_FORBIDDEN" in result.stdout
    assert "Invalid claim 'iss'" in result.stdout


def test_keys_are_fetched_from_jwks_uri_as_the_server_would(tmp_path: Path) -> None:
    with jwks_endpoint([jwk(RSA, "RSA", kid="k1")]) as idp:
        jwt_config = {"enabled": True, "algorithm": "RS256", "jwks_uri": idp.url}
        cfg = write_config(tmp_path / "homeserver.yaml", jwt_config=jwt_config)

        result = check(cfg, sign({"sub": "alice"}, RSA.private_pem, "RS256", kid="k1"))

        assert result.returncode == 0, result.stdout + result.stderr
        assert "RSA key 'k1'" in line(result, "signature")
        assert idp.hits == 1


def test_minimal_error_detail_shows_the_reason_here_and_not_to_clients(tmp_path: Path) -> None:
    jwt_config = {
        "enabled": True,
        "secret": SECRET,
        "algorithm": "HS256",
        "error_detail": "minimal",
    }
    cfg = write_config(tmp_path / "homeserver.yaml", jwt_config=jwt_config)

    result = check(cfg, sign({"sub": "alice", "exp": NOW - 3600}, SECRET))

    assert result.returncode == 1
    assert "The token is expired" in line(result, "exp")
    assert 'RESULT: refused: 403 M_FORBIDDEN "Invalid JWT"' in result.stdout
