"""``AuthError``: an event the authorization rules reject, and why."""

from __future__ import annotations


class AuthError(Exception):
    """The authorization rules reject an event.

    Attributes:
        reason: Human-readable and safe to show the sender (a 403 message).
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
