"""From a verified token's claims to the account it speaks for: localpart, profile, admin.

Pure. Synapse turns the subject claim into a localpart as it is; Tessera can
render a Jinja2 template over the claims instead (``localpart_template``,
sandboxed, undefined claims are errors) and normalise the result:

- ``strict``: as is (Synapse): anything outside the grammar is refused later;
- ``lowercase``: ASCII letters lower-cased first, so ``Alice`` and ``alice`` are one user;
- ``map``: the spec's mapping from other character sets, as Synapse's SSO
  logins apply it: ASCII lower-cased, every other byte outside the grammar
  written ``=xx``, and a leading ``_`` written ``=5f``.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tessera.core.ids import storable
from tessera.core.jwt_claims import ClaimValue, holds_one_of
from tessera.core.jwt_rejection import JwtRejected, failed

if TYPE_CHECKING:
    from jinja2 import Template

#: Bytes the ``map`` normalisation keeps; ``=`` is its escape, so it is escaped too.
_MAP_KEEPS = frozenset((string.ascii_lowercase + string.digits + "_-./+").encode())
_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)
#: Longest profile value taken from a claim (Synapse's profile limits are of this order).
MAX_PROFILE_VALUE = 1024


@dataclass(frozen=True, slots=True)
class AdminRule:
    """The claim at ``claim`` (a dotted path) holding one of ``values`` makes a server admin."""

    claim: str
    values: tuple[ClaimValue, ...]


@dataclass(frozen=True, slots=True)
class ClaimMapping:
    """How one provider's claims become a localpart, profile fields and the admin flag."""

    template: Template | None = None
    normalisation: str = "strict"
    allow_numeric: bool = False
    #: profile field (``display_name``, ``avatar_url``, ``email``) → claim name
    profile_claims: Mapping[str, str] = field(default_factory=dict)
    #: fields refreshed at every login; the others are filled at the first one only
    sync_every_login: frozenset[str] = frozenset()
    admin: AdminRule | None = None


def compile_template(source: str) -> Template:
    """A sandboxed template for ``localpart_template``; the claims are ``user``.

    Raises:
        ValueError: the template does not parse (the message says where).
    """
    from jinja2 import StrictUndefined, TemplateSyntaxError
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    environment = ImmutableSandboxedEnvironment(undefined=StrictUndefined, autoescape=False)
    try:
        return environment.from_string(source)
    except TemplateSyntaxError as exc:
        raise ValueError(f"line {exc.lineno}: {exc.message}") from None


def localpart(subject: str, claims: Mapping[str, Any], mapping: ClaimMapping) -> str:
    """The localpart a token with ``claims`` (and subject claim ``subject``) logs in as.

    Raises:
        JwtRejected: the template cannot be rendered from these claims, or renders empty.
    """
    name = subject if mapping.template is None else _render(mapping.template, claims)
    if mapping.normalisation == "lowercase":
        # ASCII only: Unicode folding turns look-alikes into names (the Kelvin sign
        # U+212A lowers to "k"), which would log "\u212aermit" in as @kermit.
        return name.translate(_ASCII_LOWER)
    if mapping.normalisation == "map":
        return map_to_localpart(name)
    return name


def map_to_localpart(name: str) -> str:
    """The spec's mapping of any username onto the localpart grammar (see the module doc)."""
    # surrogatepass: JSON can carry a lone surrogate ("\ud800"); it maps like any other bytes.
    raw = name.encode("utf-8", "surrogatepass").lower()
    mapped = "".join(chr(byte) if byte in _MAP_KEEPS else f"={byte:02x}" for byte in raw)
    return "=5f" + mapped[1:] if mapped.startswith("_") else mapped


def profile(claims: Mapping[str, Any], mapping: ClaimMapping) -> dict[str, str]:
    """Profile field → value, for each configured claim holding a usable string."""
    values: dict[str, str] = {}
    for name, claim in mapping.profile_claims.items():
        value = claim_at(claims, claim)
        if isinstance(value, str) and value.strip() and len(value) <= MAX_PROFILE_VALUE:
            if not storable(value) or (name == "email" and "@" not in value):
                continue  # not storable, or not an address: ignored, never a failed login
            values[name] = value.strip().lower() if name == "email" else value
    return values


def is_admin(claims: Mapping[str, Any], rule: AdminRule) -> bool:
    """Whether the claim at ``rule.claim`` holds (or, as a list, contains) an admin value."""
    return holds_one_of(claim_at(claims, rule.claim), rule.values)


def claim_at(claims: Mapping[str, Any], path: str) -> Any:
    """The value at a dotted path (``realm_access.roles``); None when any step is missing.

    A claim whose own name contains dots is found first, as written.
    """
    if path in claims:
        return claims[path]
    value: Any = claims
    for step in path.split("."):
        if not isinstance(value, Mapping) or step not in value:
            return None
        value = value[step]
    return value


def _render(template: Template, claims: Mapping[str, Any]) -> str:
    from jinja2 import TemplateError
    from jinja2.exceptions import SecurityError

    try:
        rendered = template.render(user=claims)
    except (TemplateError, SecurityError, TypeError, ValueError, ArithmeticError):
        raise _unmappable() from None
    rendered = rendered.strip()
    if not rendered:
        raise _unmappable()
    return rendered


def _unmappable() -> JwtRejected:
    return failed(
        "unmappable_subject",
        "invalid_claim: The token's claims do not give a user ID (localpart_template)",
    )
