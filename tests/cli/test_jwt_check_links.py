"""``tessera jwt check`` reads the database: which user a (provider, subject) is linked to,
and whether the login is refused because the user is not linked to the token's provider.

Real processes on a migrated SQLite file, with docs/jwt.md §9's two providers (HS256 here).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.cli.runner import tessera, write_config
from tests.cli.test_jwt_check import NOW, line, outcome
from tests.support.keys import sign

STAFF_SECRET = "staff-secret-of-at-least-thirty-two-bytes"
PARTNER_SECRET = "partner-app-secret-of-at-least-32-bytes!"
PROVIDERS = [
    {
        "id": "staff",
        "secret": STAFF_SECRET,
        "algorithm": "HS256",
        "issuer": "https://sso.corp.example",
    },
    {
        "id": "partner-app",
        "secret": PARTNER_SECRET,
        "algorithm": "HS256",
        "issuer": "https://partner.example",
        "allow_registration": False,
    },
]


def staff(sub: str) -> str:
    return sign({"iss": "https://sso.corp.example", "sub": sub, "exp": NOW + 600}, STAFF_SECRET)


def partner(sub: str) -> str:
    return sign({"iss": "https://partner.example", "sub": sub, "exp": NOW + 600}, PARTNER_SECRET)


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """A migrated database where @ceo is linked to staff by 'ceo'."""
    write_config(tmp_path / "homeserver.yaml", jwt_providers=PROVIDERS)
    for command in (("user", "create", "ceo"), ("user", "link", "ceo", "staff", "ceo")):
        result = tessera(*command, cwd=tmp_path)
        assert result.returncode == 0, result.stderr
    return tmp_path


def check(site: Path, token: str, *extra: str) -> subprocess.CompletedProcess[str]:
    return tessera("jwt", "check", token, "--now", str(NOW), *extra, cwd=site)


def test_a_partner_token_for_a_staff_user_is_refused_for_the_link(site: Path) -> None:
    result = check(site, partner("ceo"))

    assert result.returncode == 1, result.stdout + result.stderr
    assert outcome(result, "signature") == "PASS"
    assert line(result, "link").endswith(
        "User @ceo:localhost is not linked to JWT provider partner-app"
    )
    assert (
        'RESULT: refused: 403 M_FORBIDDEN "User @ceo:localhost is not linked to JWT provider '
        'partner-app"' in result.stdout
    )


def test_the_staff_token_shows_the_link_it_follows(site: Path) -> None:
    result = check(site, staff("ceo"))

    assert result.returncode == 0, result.stdout + result.stderr
    assert line(result, "link").endswith(
        "staff 'ceo' is linked to @ceo:localhost: it logs in as them"
    )
    assert "RESULT: accepted: logs in as @ceo:localhost\n" in result.stdout


def test_a_linked_subject_logs_in_as_its_user_whatever_it_maps_to(site: Path) -> None:
    assert tessera("user", "link", "ceo", "partner-app", "p-9", cwd=site).returncode == 0

    result = check(site, partner("p-9"))

    assert result.returncode == 0, result.stdout + result.stderr
    assert "RESULT: accepted: logs in as @ceo:localhost\n" in result.stdout


def test_a_new_subject_and_a_deactivated_user_are_told_apart(site: Path) -> None:
    new = check(site, staff("newbie"))
    assert tessera("user", "deactivate", "ceo", cwd=site).returncode == 0
    deactivated = check(site, staff("ceo"))

    assert new.returncode == 0, new.stdout
    assert "@newbie:localhost does not exist; a first login creates it" in line(new, "link")
    assert deactivated.returncode == 1, deactivated.stdout
    assert outcome(deactivated, "user") == "FAIL"
    assert 'RESULT: refused: 403 M_USER_DEACTIVATED "This account has been deactivated"' in (
        deactivated.stdout
    )


def test_no_database_skips_the_look_and_says_so(site: Path) -> None:
    result = check(site, partner("ceo"), "--no-database")

    assert result.returncode == 0, result.stdout
    assert outcome(result, "database") == "NOTE"
    assert "(if the database agrees: see NOTE)" in result.stdout
