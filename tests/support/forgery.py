"""Configured servers ("worlds") and what an attacker can make without their keys.

A ``World`` is one ``jwt_config`` (HMAC, RSA, EC, EdDSA, or a JWK Set mixing
all four), its policy built by ``tessera.policy.build_jwt_policy`` exactly
as the server builds it, the private key that genuinely signs for it, and
everything an attacker may know: the public key in every encoding it is
published in, tokens it saw, and keys of its own.

``World.sign`` signs any header and payload *bytes* (duplicate keys, odd
headers) with the real key, and remembers what it signed, so
``World.is_genuine`` can tell a replayed token from a forged one.
``forged_tokens`` lists one forged token per attack, for the HTTP tests;
``HOSTILE_SUBJECTS`` are ``sub`` values, and ``watched_socket`` is where forged
``jku``/``x5u`` headers point, so a test can tell that nothing fetched a key.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
import json
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.x509.oid import NameOID

from tessera.config import JwtConfig
from tessera.core.jwt_login import JwtIdentity, JwtPolicy, JwtRejected, verify
from tessera.policy import build_jwt_policy
from tests.support.keys import b64url

#: The instant every forgery test verifies at.
NOW = 1_700_000_000
HMAC_SECRET = "tessera-forgery-worlds-" + "0123456789abcdef" * 3
#: Secrets an attacker might guess; none is the configured one.
GUESSED_SECRETS = (b"", b"secret", b"my-secret-token", b"HS256", b"null", b"tessera")
NONE_ALGS = ("none", "None", "nOnE", "NONE", "", " none", "none ", "none\x00")
#: Subjects that look like paths or IDs, or hide in whitespace, direction marks and look-alikes.
HOSTILE_SUBJECTS = (
    "@",
    ":",
    "/",
    "..",
    "../..",
    "a/../b",
    "@admin:test.local",
    "admin:evil.example",
    " alice",
    "alice ",
    "ali ce",
    "\t",
    "alice\n",
    "",
    "\u202eecila",  # RIGHT-TO-LEFT OVERRIDE
    "alice\u200f",  # RIGHT-TO-LEFT MARK
    "\u0430lice",  # Cyrillic a
    "\u212aermit",  # KELVIN SIGN, whose lower case is an ASCII k
    "\uff41lice",  # fullwidth a
    "ali\u200bce",  # zero-width space
    "alice\x00admin",
    "\x00",
    "ALICE",
    "İ",
)
_HASHES: dict[str, Callable[[], Any]] = {
    "256": hashes.SHA256,
    "384": hashes.SHA384,
    "512": hashes.SHA512,
}
_HMAC_DIGESTS = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey


def raw_signature(algorithm: str, key: bytes | PrivateKey, signing_input: bytes) -> bytes:
    """The JWS signature of ``signing_input`` (no header checks: any bytes are signed)."""
    if algorithm.startswith("HS"):
        assert isinstance(key, bytes)
        return hmac.new(key, signing_input, _HMAC_DIGESTS[algorithm]).digest()
    if isinstance(key, rsa.RSAPrivateKey):
        digest = _HASHES[algorithm[2:]]()
        if algorithm.startswith("PS"):
            pss = padding.PSS(padding.MGF1(digest), digest.digest_size)
            return key.sign(signing_input, pss, digest)
        return key.sign(signing_input, padding.PKCS1v15(), digest)
    if isinstance(key, ec.EllipticCurvePrivateKey):
        der = key.sign(signing_input, ec.ECDSA(_HASHES[algorithm[2:]]()))
        r, s = decode_dss_signature(der)
        size = (key.curve.key_size + 7) // 8
        return r.to_bytes(size, "big") + s.to_bytes(size, "big")
    assert isinstance(key, ed25519.Ed25519PrivateKey)
    return key.sign(signing_input)


def signed(
    algorithm: str, key: bytes | PrivateKey, header: bytes | dict[str, Any], payload: bytes
) -> str:
    """A compact JWS over exactly these header and payload bytes."""
    header_bytes = header if isinstance(header, bytes) else json.dumps(header).encode()
    signing_input = f"{b64url(header_bytes)}.{b64url(payload)}"
    signature = raw_signature(algorithm, key, signing_input.encode("ascii"))
    return f"{signing_input}.{b64url(signature)}"


def decoded(token: str) -> tuple[bytes, ...] | None:
    """A token's segments, decoded leniently (ignoring unused trailing bits), or None."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        return tuple(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)) for p in parts)
    except ValueError:
        return None


@dataclass(eq=False)
class World:
    """A configured server, its real signing key, and what an attacker knows of it."""

    name: str
    config: JwtConfig
    algorithm: str
    key: bytes | PrivateKey
    kid: str | None
    #: The public key as PEM, DER, OpenSSH, raw point and JWK JSON bytes.
    public_material: tuple[bytes, ...]
    public_jwk: dict[str, Any] | None
    #: The attacker's own key of the same family (an HMAC secret for HS256).
    stranger: bytes | PrivateKey
    stranger_jwk: dict[str, Any] | None
    stranger_x5c: tuple[str, ...]
    policy: JwtPolicy = field(init=False)
    _signed: set[tuple[bytes, ...]] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.policy = build_jwt_policy(self.config)

    def genuine_header(self, **extra: Any) -> dict[str, Any]:
        header: dict[str, Any] = {"alg": self.algorithm, "typ": "JWT"}
        if self.kid is not None:
            header["kid"] = self.kid
        return {**header, **extra}

    def sign(
        self, payload: bytes | dict[str, Any], header: bytes | dict[str, Any] | None = None
    ) -> str:
        """Sign with the real key, as the identity provider would; remembered as genuine."""
        payload_bytes = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        token = signed(self.algorithm, self.key, header or self.genuine_header(), payload_bytes)
        parts = decoded(token)
        assert parts is not None
        self._signed.add(parts)
        return token

    def is_genuine(self, token: str) -> bool:
        """Whether the token's decoded segments are exactly ones ``sign`` produced."""
        return decoded(token) in self._signed

    def stranger_sign(self, header: bytes | dict[str, Any], payload: bytes) -> str:
        """Signed by the attacker's own key under the world's algorithm."""
        return signed(self.algorithm, self.stranger, header, payload)


def _public_encodings(private: PrivateKey) -> tuple[bytes, ...]:
    public = private.public_key()
    spki = public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    found = [
        spki,
        spki.rstrip(b"\n"),
        spki.replace(b"\n", b"\r\n"),
        public.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        ),
        public.public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH),
    ]
    if isinstance(public, rsa.RSAPublicKey):
        found.append(
            public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.PKCS1)
        )
    elif isinstance(public, ec.EllipticCurvePublicKey):
        found.append(
            public.public_bytes(
                serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
            )
        )
    else:
        found.append(
            public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        )
    return tuple(found)


def _jwk_of(private: PrivateKey, **members: Any) -> dict[str, Any]:
    from joserfc.jwk import ECKey, OKPKey, RSAKey

    pem = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    kind: Any = (
        RSAKey
        if isinstance(private, rsa.RSAPrivateKey)
        else ECKey
        if isinstance(private, ec.EllipticCurvePrivateKey)
        else OKPKey
    )
    return {**kind.import_key(pem).as_dict(private=False), **members}


def _jwk_texts(jwk: dict[str, Any]) -> tuple[bytes, ...]:
    """A JWK as the JSON bytes a JWKS endpoint might serve it (several spellings)."""
    return (
        json.dumps(jwk).encode(),
        json.dumps(jwk, separators=(",", ":")).encode(),
        json.dumps(jwk, sort_keys=True, separators=(",", ":")).encode(),
        json.dumps({"keys": [jwk]}).encode(),
    )


def _self_signed_x5c(private: PrivateKey) -> tuple[str, ...]:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "server-key")])
    start = datetime.datetime(2023, 1, 1, tzinfo=datetime.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(private.public_key())
        .serial_number(1)
        .not_valid_before(start)
        .not_valid_after(start + datetime.timedelta(days=3650))
    )
    digest = None if isinstance(private, ed25519.Ed25519PrivateKey) else hashes.SHA256()
    cert = builder.sign(private, digest)
    return (base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode(),)


def _pem(private: PrivateKey) -> str:
    return (
        private.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def _asymmetric_world(name: str, algorithm: str, make: Callable[[], PrivateKey]) -> World:
    private, stranger = make(), make()
    jwk = _jwk_of(private)
    return World(
        name=name,
        config=JwtConfig(enabled=True, secret=_pem(private), algorithm=algorithm),
        algorithm=algorithm,
        key=private,
        kid=None,
        public_material=_public_encodings(private) + _jwk_texts(jwk),
        public_jwk=jwk,
        stranger=stranger,
        stranger_jwk=_jwk_of(stranger),
        stranger_x5c=_self_signed_x5c(stranger),
    )


def _rsa() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _p256() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


@cache
def worlds() -> dict[str, World]:
    """Every world, made once per test session (RSA keys are the slow part)."""
    hmac_world = World(
        name="HS256",
        config=JwtConfig(enabled=True, secret=HMAC_SECRET, algorithm="HS256"),
        algorithm="HS256",
        key=HMAC_SECRET.encode(),
        kid=None,
        public_material=(),
        public_jwk=None,
        stranger=b"attacker-" + HMAC_SECRET.encode(),
        stranger_jwk=None,
        stranger_x5c=(),
    )
    made = {
        "HS256": hmac_world,
        "RS256": _asymmetric_world("RS256", "RS256", _rsa),
        "ES256": _asymmetric_world("ES256", "ES256", _p256),
        "EdDSA": _asymmetric_world("EdDSA", "EdDSA", ed25519.Ed25519PrivateKey.generate),
    }
    made["JWKS"] = _mixed_set_world()
    return made


def _mixed_set_world() -> World:
    """A JWK Set holding an HMAC, an RSA, an EC and an Ed25519 key, each with a ``kid``.

    The hardest place for algorithm confusion: an HMAC key *is* configured,
    so an HS256 token is allowed; only the key choice keeps the RSA public
    key from being used as an HMAC secret. Genuine tokens are RS256, ``kid``
    ``rsa``.
    """
    private = _rsa()
    ec_key, ed_key, stranger = _p256(), ed25519.Ed25519PrivateKey.generate(), _rsa()
    rsa_jwk = _jwk_of(private, kid="rsa")
    public_keys = [rsa_jwk, _jwk_of(ec_key, kid="ec"), _jwk_of(ed_key, kid="ed")]
    oct_jwk = {"kty": "oct", "kid": "hmac", "k": b64url(HMAC_SECRET.encode())}
    document = {"keys": [oct_jwk, *public_keys]}
    material = _public_encodings(private) + _public_encodings(ec_key) + _public_encodings(ed_key)
    for jwk in public_keys:
        material += _jwk_texts(jwk)
    material += (json.dumps({"keys": public_keys}).encode(),)
    return World(
        name="JWKS",
        config=JwtConfig(
            enabled=True,
            secret=json.dumps(document),
            algorithms=("HS256", "RS256", "ES256", "EdDSA"),
        ),
        algorithm="RS256",
        key=private,
        kid="rsa",
        public_material=material,
        public_jwk=rsa_jwk,
        stranger=stranger,
        stranger_jwk=_jwk_of(stranger, kid="rsa"),
        stranger_x5c=_self_signed_x5c(stranger),
    )


# --- one forged token per attack, for the HTTP tests ------------------------------------------


def forged_tokens(world: World, key_url: str, now: float) -> list[tuple[str, str]]:
    """``(attack, token)`` pairs: every kind of forgery, none signed by the world's key.

    ``key_url`` is where ``jku``/``x5u`` point (a socket the test watches).
    ``now`` is the verifying server's clock (``time.time()`` for a live
    server): every ``exp`` is an hour after it, so only the signature can be
    what refuses a token. Built from a fixed past instant, every forgery was
    refused as expired, and a server that checked no signature passed.
    """
    exp = int(now) + 3600
    alice = world.sign({"sub": "alice", "exp": exp})
    mallory = world.sign({"sub": "mallory", "exp": exp})
    a_header, a_payload, a_signature = alice.split(".")
    _, m_payload, m_signature = mallory.split(".")
    admin = json.dumps({"sub": "admin", "exp": exp}).encode()
    forged: list[tuple[str, str]] = [
        ("payload-swap", f"{a_header}.{m_payload}.{a_signature}"),
        ("signature-swap", f"{a_header}.{a_payload}.{m_signature}"),
        ("segments-rotated", f"{a_payload}.{a_signature}.{a_header}"),
        ("signature-dropped", f"{a_header}.{a_payload}."),
        ("jwe-five-segments", f"{a_header}.{a_payload}.{a_signature}.{a_payload}.{a_signature}"),
        ("over-long", f"{a_header}.{b64url(b'{' + b' ' * 20_000 + b'}')}.{a_signature}"),
        ("bit-flip-payload", _flip_bit(alice, 1, 3)),
        ("bit-flip-signature", _flip_bit(alice, 2, 0)),
        ("bit-flip-header", _flip_bit(alice, 0, 2)),
        ("stranger-key", world.stranger_sign(world.genuine_header(), admin)),
    ]
    for alg in NONE_ALGS[:4]:
        forged.append(
            (f"alg-{alg!r}", f"{b64url(json.dumps({'alg': alg}).encode())}.{b64url(admin)}.")
        )
    for index, material in enumerate(
        world.public_material[:: max(1, len(world.public_material) // 6)]
    ):
        for alg in ("HS256", world.algorithm):
            forged.append(
                (
                    f"hmac-with-public-{index}-{alg}",
                    signed("HS256", material, {"alg": alg, **_kid(world)}, admin),
                )
            )
    for guess in GUESSED_SECRETS[:3]:
        forged.append((f"hmac-guess-{guess!r}", signed("HS256", guess, {"alg": "HS256"}, admin)))
    injected: dict[str, Any] = {
        "jku": key_url,
        "x5u": key_url,
        "kid": "../../../../dev/null",
    }
    if world.stranger_jwk is not None:
        injected["jwk"] = world.stranger_jwk
    if world.stranger_x5c:
        injected["x5c"] = list(world.stranger_x5c)
    forged.append(
        ("header-key-injection", world.stranger_sign(world.genuine_header(**injected), admin))
    )
    forged.append(
        (
            "crit-unknown",
            world.stranger_sign(world.genuine_header(crit=["x-trust"], **{"x-trust": True}), admin),
        )
    )
    forged.append(
        (
            "nested-cty-jwt",
            world.stranger_sign(world.genuine_header(cty="JWT"), alice.encode()),
        )
    )
    forged.append(
        (
            "duplicate-alg",
            world.stranger_sign(b'{"alg":"none","alg":"' + world.algorithm.encode() + b'"}', admin),
        )
    )
    return forged


@contextmanager
def watched_socket() -> Iterator[socket.socket]:
    """A listening socket for forged ``jku``/``x5u`` headers to name; no one may connect."""
    with socket.create_server(("127.0.0.1", 0)) as listener:
        listener.setblocking(False)
        yield listener


def key_url(listener: socket.socket) -> str:
    """A JWKS URL on ``listener``, for forged headers to point at."""
    host, port = listener.getsockname()
    return f"http://{host}:{port}/jwks.json"


def accepted_connections(listener: socket.socket) -> int:
    """How many connections ``listener`` has waiting (accepting and closing each)."""
    count = 0
    while True:
        try:
            conn, _ = listener.accept()
        except BlockingIOError:
            return count
        conn.close()
        count += 1


def _kid(world: World) -> dict[str, Any]:
    return {} if world.kid is None else {"kid": world.kid}


def _flip_bit(token: str, segment: int, byte: int) -> str:
    parts = token.split(".")
    raw = bytearray(base64.urlsafe_b64decode(parts[segment] + "=" * (-len(parts[segment]) % 4)))
    raw[byte] ^= 0x01
    parts[segment] = b64url(bytes(raw))
    return ".".join(parts)


# --- the oracle every forgery test asks ---------------------------------------------------------


@dataclass
class Tally:
    """What a test module tried: printed by its last test, so a run reports its counts."""

    tried: int = 0
    rejected: int = 0
    genuine_accepted: int = 0
    forged_accepted: int = 0

    def report(self, what: str) -> str:
        return (
            f"{what}: {self.tried} tokens tried, {self.rejected} rejected, "
            f"{self.genuine_accepted} genuine accepted, {self.forged_accepted} forged accepted"
        )


def attempt(world: World, token: object, tally: Tally, now: float = NOW) -> JwtIdentity | None:
    """Verify ``token``: None when rejected, the identity when it is a token ``world`` signed.

    Any exception but ``JwtRejected`` propagates (a crash is a failure), and
    a token that verifies without having been signed by ``world.sign`` fails
    the test on the spot.
    """
    tally.tried += 1
    try:
        identity = verify(token, world.policy, now)
    except JwtRejected:
        tally.rejected += 1
        return None
    if not (isinstance(token, str) and world.is_genuine(token)):
        tally.forged_accepted += 1
        raise AssertionError(f"{world.name}: a token it never signed verified: {identity!r}")
    tally.genuine_accepted += 1
    return identity
