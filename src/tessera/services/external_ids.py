"""Managing users' (JWT provider, subject) links: the admin API's ``external_ids`` and
``tessera user link``. Logins record and follow them (``services/login/links.py``).

As in Synapse, a link may name a provider that is not configured (yet): an
operator can link users before enabling a provider.
"""

from __future__ import annotations

from collections.abc import Sequence

from tessera.core.errors import ErrCode, InvalidParam, MatrixError
from tessera.core.ids import MAX_AUTH_PROVIDER_LENGTH, MAX_EXTERNAL_ID_BYTES, recordable_external_id
from tessera.storage.ports import Transaction

#: Synapse's answer when a (provider, subject) pair belongs to another user.
IN_USE = "External id is already in use."

ExternalId = tuple[str, str]


class ExternalIdInUse(MatrixError):
    """409: the pair is linked to another user (Synapse's status and text)."""

    def __init__(self) -> None:
        super().__init__(ErrCode.UNKNOWN, IN_USE, status=409)


def check_external_id(auth_provider: str, external_id: str) -> ExternalId:
    """The pair, or 400 when it could never be stored (NUL, too long, empty provider)."""
    if not recordable_external_id(auth_provider, external_id):
        raise InvalidParam(
            f"auth_provider must be 1-{MAX_AUTH_PROVIDER_LENGTH} characters and external_id "
            f"at most {MAX_EXTERNAL_ID_BYTES} bytes, without NUL characters"
        )
    return auth_provider, external_id


async def link(txn: Transaction, user_id: str, auth_provider: str, external_id: str) -> None:
    """Link the pair to ``user_id`` (a no-op when it is already theirs).

    Raises:
        ExternalIdInUse: the pair is linked to another user.
    """
    if await txn.external_ids.add(auth_provider, external_id, user_id):
        return
    if await txn.external_ids.user_for(auth_provider, external_id) != user_id:
        raise ExternalIdInUse()


async def replace_links(txn: Transaction, user_id: str, pairs: Sequence[ExternalId]) -> None:
    """Make ``pairs`` the user's links, exactly (Synapse's PUT replaces the whole list).

    Raises:
        ExternalIdInUse: a pair is linked to another user; ``txn`` must be rolled back.
    """
    await txn.external_ids.remove_all(user_id)
    for auth_provider, external_id in pairs:
        await link(txn, user_id, auth_provider, external_id)
