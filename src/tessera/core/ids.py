"""User IDs and the localpart grammar (spec: Appendices, "User Identifiers").

Registration is stricter than lookup: an existing user is found by a
case-insensitive match, but a new localpart must already be in the
historical-compatible lowercase grammar Synapse enforces for new users.
"""

from __future__ import annotations

import re

from tessera.core.errors import ErrCode, MatrixError

#: The spec's limit on a full user ID, in bytes (UTF-8).
MAX_USER_ID_LENGTH = 255

_VALID_LOCALPART = re.compile(r"[a-z0-9._=\-/+]*")
_ALL_DIGITS = re.compile(r"[0-9]+")


def user_id_for(localpart: str, server_name: str) -> str:
    """``@localpart:server_name``."""
    return f"@{localpart}:{server_name}"


def localpart_of(user_id: str) -> str:
    """The localpart of a well-formed user ID (everything between ``@`` and the first ``:``)."""
    return user_id[1:].split(":", 1)[0]


def server_name_of(user_id: str) -> str:
    """The server name of a well-formed user ID."""
    return user_id.split(":", 1)[1]


def check_new_localpart(localpart: str, server_name: str, *, allow_numeric: bool = False) -> None:
    """Refuse a localpart that a new user may not have.

    Checks run in the order Synapse's registration applies them, so the same
    bad subject gets the same message from both servers.

    Raises:
        MatrixError: 400 ``M_INVALID_USERNAME`` naming the first rule broken.
    """
    check_localpart_characters(localpart)
    if not localpart:
        raise _invalid("User ID cannot be empty")
    if localpart[0] == "_":
        raise _invalid("User ID may not begin with _")
    if len(user_id_for(localpart, server_name).encode()) > MAX_USER_ID_LENGTH:
        raise _invalid(f"User ID may not be longer than {MAX_USER_ID_LENGTH} characters")
    if _is_numeric(localpart) and not allow_numeric:
        raise _invalid("Numeric user IDs are reserved for guest users.")


def check_localpart_characters(localpart: str) -> None:
    """Refuse characters outside the localpart grammar (400 ``M_INVALID_USERNAME``)."""
    if not _VALID_LOCALPART.fullmatch(localpart):
        raise _invalid("User ID can only contain characters a-z, 0-9, or '=_-./+'")


def check_subject_can_match(subject: str) -> None:
    """Refuse a login subject that no stored localpart can match, case aside.

    The rule every way of naming an existing user shares (JWT login, the UIA
    JWT stage, ``tessera jwt check``). Stored localparts are in the grammar,
    which is ASCII, so only ASCII letters are folded: ``str.lower()`` turns the
    KELVIN SIGN (U+212A) into ``k``, and ``"\\u212aermit"`` would reach @kermit.
    The subject is refused before it reaches SQL (a NUL is an error in
    PostgreSQL).

    Raises:
        MatrixError: 400 ``M_INVALID_USERNAME``.
    """
    check_localpart_characters(subject.lower() if subject.isascii() else subject)


def parse_user_id(user_id: str) -> str:
    """``user_id`` if it has the ``@localpart:server`` shape, else 400 ``M_INVALID_PARAM``."""
    _localpart, colon, server = user_id[1:].partition(":")
    if not user_id.startswith("@") or not colon or not server or not storable(user_id):
        raise MatrixError(ErrCode.INVALID_PARAM, "Invalid user id")
    return user_id


#: The longest subject a (provider, subject) link records: the pair is a primary
#: key, and a PostgreSQL index entry holds at most about 2,700 bytes.
MAX_EXTERNAL_ID_BYTES = 1024
#: The longest provider name a link may carry (configured ids are at most 64).
MAX_AUTH_PROVIDER_LENGTH = 255


def recordable_external_id(auth_provider: str, external_id: str) -> bool:
    """Whether a (provider, subject) link can be stored and looked up on both engines."""
    return (
        storable(auth_provider)
        and storable(external_id)
        and 0 < len(auth_provider) <= MAX_AUTH_PROVIDER_LENGTH
        and len(external_id.encode("utf-8")) <= MAX_EXTERNAL_ID_BYTES
    )


def storable(text: str) -> bool:
    """Whether ``text`` can be stored or looked up: PostgreSQL text holds no NUL.

    Nor can either engine take a lone surrogate (JSON's ``"\\ud800"``, which
    Python's parser lets through in JWT claims): it has no UTF-8 encoding.
    """
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _is_numeric(localpart: str) -> bool:
    # Synapse (1.163) reserves all-digit localparts; "+1" or "1_000" are names.
    return _ALL_DIGITS.fullmatch(localpart) is not None


def _invalid(message: str) -> MatrixError:
    return MatrixError(ErrCode.INVALID_USERNAME, message)
