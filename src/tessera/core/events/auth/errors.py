"""``AuthError``: an event the authorization rules reject, and why."""

from __future__ import annotations


class AuthError(Exception):
    """The authorization rules reject an event.

    The reasons are Synapse's texts where Synapse has one for the same rule, so
    clients and their users see the same messages.

    Attributes:
        reason: Human-readable and safe to show the sender (a 403 message).
        malformed: The event's content is malformed rather than forbidden (power
            levels that are not integers, a member event without ``membership``):
            Synapse answers these 400, not 403.
    """

    def __init__(self, reason: str, *, malformed: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.malformed = malformed
