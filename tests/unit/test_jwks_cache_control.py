"""``Cache-Control`` → how long a fetched JWKS may be used (``services.jwks.max_age``)."""

from __future__ import annotations

import pytest

from tessera.services.jwks import max_age


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        (None, None),
        ("public", None),
        ("max-age=300", 300.0),
        ("public, max-age=3600, must-revalidate", 3600.0),
        ('max-age="60"', 60.0),
        ("MAX-AGE=10", 10.0),
        ("s-maxage=5, max-age=20", 20.0),
        ("no-store", 0.0),
        ("no-cache, max-age=600", 0.0),
        ("max-age=abc", None),
        ("x-max-age=50", None),
    ],
)
def test_max_age(header: str | None, seconds: float | None) -> None:
    assert max_age(header) == seconds
