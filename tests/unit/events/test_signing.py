"""Signing keys, Synapse's key file format and signed JSON (spec: Appendices,
"Signing JSON" and "Cryptographic Test Vectors")."""

from __future__ import annotations

import base64

import pytest

from tessera.core.events.signing import (
    SigningKey,
    SigningKeyError,
    decode_base64,
    encode_base64,
    format_signing_key,
    generate_signing_key,
    read_signing_keys,
    sign_json,
    verify_signed_json,
)

#: The spec's test vector seed, server name and key ID.
SEED = decode_base64("YJDBA9Xnr2sVqXD9Vj7XVUnmFZcZrlw8Md7kMW+3XA1")
SPEC_KEY = SigningKey.from_seed("1", SEED)


def test_spec_vector_signs_the_empty_object() -> None:
    assert sign_json({}, "domain", SPEC_KEY) == {
        "signatures": {
            "domain": {
                "ed25519:1": (
                    "K8280/U9SSy9IVtjBuVeLr+HpOB4BQFWbg+UZaADMtT"
                    "dGYI7Geitb76LTrr5QV/7Xg4ahLwYGYZzuHGZKM5ZAQ"
                ),
            }
        }
    }


def test_spec_vector_signs_an_object_with_data() -> None:
    assert sign_json({"one": 1, "two": "Two"}, "domain", SPEC_KEY) == {
        "one": 1,
        "signatures": {
            "domain": {
                "ed25519:1": (
                    "KqmLSbO39/Bzb0QIYE82zqLwsA+PDzYIpIRA2sRQ4sL"
                    "53+sN6/fpNSoqE7BP7vBZhG6kYdD13EIMJpvhJI+6Bw"
                ),
            }
        },
        "two": "Two",
    }


def test_signature_ignores_unsigned_and_keeps_other_signatures() -> None:
    value = {"one": 1, "unsigned": {"age_ts": 5}, "signatures": {"other": {"ed25519:x": "sig"}}}
    signed = sign_json(value, "domain", SPEC_KEY)
    assert signed["unsigned"] == {"age_ts": 5}
    assert signed["signatures"]["other"] == {"ed25519:x": "sig"}
    assert (
        signed["signatures"]["domain"]
        == sign_json({"one": 1}, "domain", SPEC_KEY)["signatures"]["domain"]
    )
    assert "domain" not in value["signatures"]  # the input is not modified


def test_verify_accepts_a_good_signature_and_refuses_tampering() -> None:
    public = SPEC_KEY.public_key_base64()
    signed = sign_json({"one": 1}, "domain", SPEC_KEY)
    assert verify_signed_json(signed, "domain", "ed25519:1", public)
    assert verify_signed_json({**signed, "unsigned": {"x": 1}}, "domain", "ed25519:1", public)
    assert not verify_signed_json({**signed, "one": 2}, "domain", "ed25519:1", public)
    assert not verify_signed_json(signed, "elsewhere", "ed25519:1", public)
    assert not verify_signed_json(signed, "domain", "ed25519:2", public)
    stranger = generate_signing_key("1").public_key_base64()
    assert not verify_signed_json(signed, "domain", "ed25519:1", stranger)
    garbled = {**signed, "signatures": {"domain": {"ed25519:1": "!!!"}}}
    assert not verify_signed_json(garbled, "domain", "ed25519:1", public)


def test_synapse_key_file_round_trips() -> None:
    key = generate_signing_key()
    line = format_signing_key(key)
    algorithm, version, seed = line.split()
    assert line.endswith("\n") and algorithm == "ed25519" and version.startswith("a_")
    assert "=" not in seed and base64.b64decode(seed + "=") == key.seed()
    (read_back,) = read_signing_keys(line)
    assert read_back == key  # same key ID
    assert read_back.seed() == key.seed()


def test_a_synapse_written_key_file_is_read() -> None:
    # The line Synapse's generate-keys would write for the spec's seed, version a_AbCd.
    (key,) = read_signing_keys("ed25519 a_AbCd YJDBA9Xnr2sVqXD9Vj7XVUnmFZcZrlw8Md7kMW+3XA1\n")
    assert key.key_id == "ed25519:a_AbCd"
    assert key.seed() == SEED
    assert key.public_key_base64() == SPEC_KEY.public_key_base64()


def test_several_keys_padding_and_blank_lines_are_accepted() -> None:
    padded = encode_base64(SEED) + "="
    keys = read_signing_keys(f"\ned25519 one {padded}\n\ned25519 two {encode_base64(SEED)}\n")
    assert [k.key_id for k in keys] == ["ed25519:one", "ed25519:two"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "no signing key"),
        ("ed25519 a_x\n", "line 1: expected"),
        ("ed448 a_x YJDBA9Xnr2sVqXD9Vj7XVUnmFZcZrlw8Md7kMW+3XA1\n", "unsupported algorithm"),
        ("ed25519 a_x not*base64\n", "not base64"),
        ("ed25519 a_x AAAA\n", "32 bytes"),
        ("\ned25519 bad:v YJDBA9Xnr2sVqXD9Vj7XVUnmFZcZrlw8Md7kMW+3XA1\n", "line 2: key version"),
    ],
)
def test_bad_key_files_are_refused_with_the_line(text: str, message: str) -> None:
    with pytest.raises(SigningKeyError, match=message) as caught:
        read_signing_keys(text)
    assert "YJDBA9" not in str(caught.value)  # never echo a seed


def test_the_key_is_not_in_its_repr() -> None:
    key = generate_signing_key("a_test")
    assert encode_base64(key.seed()) not in repr(key)
    assert "a_test" in repr(key)


def test_base64_decoding_accepts_urlsafe_and_padded_forms() -> None:
    data = bytes(range(250, 256))
    assert decode_base64(encode_base64(data, urlsafe=True)) == data
    assert decode_base64(base64.b64encode(data).decode()) == data
    with pytest.raises(ValueError):
        decode_base64("a")
