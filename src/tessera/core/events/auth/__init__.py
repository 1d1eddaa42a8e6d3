"""The authorization rules of room versions 10, 11 and 12, as pure functions.

``check_auth`` (``rules``) decides whether an event is allowed given the
events its ``auth_events`` name; ``auth_types_for_event`` (``selection``)
says which state those are; ``membership`` and ``power_change`` hold the two
long rule groups; ``redactions`` says whether a redaction may be applied; the
power level arithmetic is in ``core.events.power_levels``.
"""

from tessera.core.events.auth.errors import AuthError
from tessera.core.events.auth.membership import join_rule_of, membership_of
from tessera.core.events.auth.redactions import may_redact, redaction_applies
from tessera.core.events.auth.rules import check_auth
from tessera.core.events.auth.selection import auth_types_for_event
from tessera.core.events.power_levels import StateKey, creators, user_power_level

__all__ = [
    "AuthError",
    "StateKey",
    "auth_types_for_event",
    "check_auth",
    "creators",
    "join_rule_of",
    "may_redact",
    "membership_of",
    "redaction_applies",
    "user_power_level",
]
