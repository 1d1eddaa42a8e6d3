"""Which user a JWT identity reaches: the users linked to its provider, not every user.

A (provider, subject) pair is linked to one user (``user_external_ids``, as
Synapse links SSO identities). A provider logs in as:

1. the user its (provider, subject) is linked to, whatever the subject maps to
   (so an operator can move a subject to another user);
2. else the user the subject maps to (matched case-insensitively) when that
   user is linked to the same provider by another subject (``Kermit`` for
   ``kermit``, or a template's subject), or when the provider may claim
   existing users (``allow_existing_users``);
3. else, when nobody has that user ID, a new user (``allow_registration``).

Any other existing user is refused: before, every provider reached every
user, and a partner IdP could sign itself in as a staff admin (issue 12.1).
A login records the link it used; re-authentication (UIA) only checks.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from tessera.core.errors import Forbidden
from tessera.core.ids import (
    MAX_EXTERNAL_ID_BYTES,
    check_new_localpart,
    check_subject_can_match,
    localpart_of,
    recordable_external_id,
)
from tessera.core.ids import user_id_for as make_user_id
from tessera.core.models import User
from tessera.services.login.password import pick_user
from tessera.services.login.types import Identity
from tessera.storage.ports import Transaction

#: How an identity reached its user (what ``tessera jwt check`` reports).
LINKED, SAME_PROVIDER, CLAIMED, NEW, UNLINKED = "linked", "provider", "claimed", "new", "unlinked"

logger = logging.getLogger(__name__)


class NotLinked(Forbidden):
    """An existing user the identity's provider may not reach (403 ``M_FORBIDDEN``)."""

    def __init__(self, user_id: str, auth_provider: str) -> None:
        super().__init__(f"User {user_id} is not linked to JWT provider {auth_provider}")
        self.reason = "not_linked"


@dataclass(frozen=True, slots=True)
class Reach:
    """The user an identity logs in as, and whether a login links it."""

    #: The existing user; None when the login would create ``user_id``.
    user: User | None
    user_id: str
    #: One of ``LINKED``, ``SAME_PROVIDER``, ``CLAIMED``, ``NEW``, ``UNLINKED``.
    how: str

    @property
    def records_link(self) -> bool:
        """Whether a login through this reach records (provider, subject) → user."""
        return self.how in (SAME_PROVIDER, CLAIMED, NEW)


async def reach(txn: Transaction, identity: Identity, server_name: str) -> Reach:
    """The user ``identity`` (a subject, maybe from a JWT provider) logs in as; writes nothing.

    Raises:
        NotLinked: the subject names an existing user its provider may not reach.
        MatrixError: the subject cannot be a user ID (400 ``M_INVALID_USERNAME``).
    """
    provider, subject = identity.auth_provider, identity.external_id
    recordable = (
        provider is not None and subject is not None and recordable_external_id(provider, subject)
    )
    if recordable:
        assert provider is not None and subject is not None
        user = await txn.users.linked_to(provider, subject)
        if user is not None:
            return Reach(user, user.user_id, LINKED)
    # A ':' would split into another user's ID; this refuses it rather than
    # guess (Synapse guesses).
    name = identity.subject
    check_subject_can_match(name)
    if provider is not None and not recordable:
        # The subject is what links the user to the provider: it must fit the table.
        error = Forbidden(
            f"Invalid JWT: the subject claim is over {MAX_EXTERNAL_ID_BYTES} bytes"
            " or holds a character that cannot be stored"
        )
        error.reason = "invalid_subject"
        raise error
    user_id = make_user_id(name, server_name)
    user = pick_user(list(await txn.users.find_case_insensitive(user_id)), user_id)
    if user is None:
        return Reach(None, user_id, NEW)
    return await _existing(txn, identity, user)


async def user_for_login(
    txn: Transaction, identity: Identity, server_name: str, now: int
) -> tuple[User, bool]:
    """The user a login with ``identity`` is for, created if need be; and whether it was.

    Records the (provider, subject) link the login used, in ``txn``.

    Raises:
        NotLinked, MatrixError: as ``reach``, and 403 when the user does not
            exist and the provider may not register it.
    """
    reached = await reach(txn, identity, server_name)
    user, created = reached.user, False
    if user is None:
        if not identity.may_register:
            raise Forbidden(f"User {reached.user_id} is not registered on this server")
        check_new_localpart(identity.subject, server_name, allow_numeric=identity.allow_numeric)
        display_name = identity.display_name or localpart_of(reached.user_id)
        created = await txn.users.create(reached.user_id, display_name, now)
        if created:  # the row as inserted: no need to read it back
            user = User(
                user_id=reached.user_id,
                display_name=display_name,
                avatar_url=None,
                is_admin=False,
                deactivated=False,
                created_ts=now,
            )
        else:  # a concurrent first login won the insert: an existing user's rules apply
            user = pick_user(
                list(await txn.users.find_case_insensitive(reached.user_id)), reached.user_id
            )
            assert user is not None
            reached = await _existing(txn, identity, user)
    if reached.records_link and identity.auth_provider and identity.external_id is not None:
        await txn.external_ids.add(identity.auth_provider, identity.external_id, user.user_id)
    return user, created


async def _existing(txn: Transaction, identity: Identity, user: User) -> Reach:
    provider = identity.auth_provider
    if provider is None:  # not from a JWT provider (tests, future login types)
        return Reach(user, user.user_id, UNLINKED)
    if await txn.external_ids.is_linked(user.user_id, provider):
        return Reach(user, user.user_id, SAME_PROVIDER)
    if identity.claim_existing:
        return Reach(user, user.user_id, CLAIMED)
    # The user ID is safe to log; the subject is the provider's business.
    logger.info("JWT login refused: %s is not linked to provider %s", user.user_id, provider)
    raise NotLinked(user.user_id, provider)
