"""Password hashing compatible with Synapse: bcrypt over NFKC(password) + pepper."""

import unicodedata

import bcrypt

from tessera.services.passwords import Passwords


def _synapse_style_hash(password: str, pepper: str = "") -> str:
    normalised = unicodedata.normalize("NFKC", password)
    return bcrypt.hashpw((normalised + pepper).encode(), bcrypt.gensalt(4)).decode()


async def test_a_synapse_hash_of_a_composed_password_accepts_the_decomposed_form() -> None:
    stored = _synapse_style_hash("caf\u00e9")  # é as one code point
    assert await Passwords(rounds=4).check("cafe\u0301", stored)  # e + combining accent


async def test_the_pepper_is_appended_before_hashing() -> None:
    stored = _synapse_style_hash("secret", pepper="PEPPER")
    assert await Passwords(pepper="PEPPER", rounds=4).check("secret", stored)
    assert not await Passwords(rounds=4).check("secret", stored)


async def test_hash_then_check_round_trips_and_rejects_others() -> None:
    passwords = Passwords(rounds=4)
    stored = await passwords.hash("correct horse")
    assert stored.startswith("$2b$04$")
    assert await passwords.check("correct horse", stored)
    assert not await passwords.check("battery staple", stored)
    assert not await passwords.check("correct horse", None)


async def test_a_password_past_bcrypts_72_bytes_hashes_and_checks_on_its_first_72() -> None:
    # bcrypt 5 raises on longer input (an admin setting one was a 500); older bcrypt, and so
    # Synapse's stored hashes, used the first 72 bytes.
    passwords = Passwords(rounds=4)
    long_password = "p" * 72 + "tail"
    stored = await passwords.hash(long_password)
    assert await passwords.check(long_password, stored)
    assert await passwords.check("p" * 72 + "other tail", stored)
    assert not await passwords.check("p" * 71, stored)


async def test_a_synapse_hash_of_a_long_password_verifies() -> None:
    long_password = "\u00e9" * 50  # 100 bytes of UTF-8
    truncated = long_password.encode()[:72]
    stored = bcrypt.hashpw(truncated, bcrypt.gensalt(4)).decode()  # what bcrypt < 5 stored
    assert await Passwords(rounds=4).check(long_password, stored)
