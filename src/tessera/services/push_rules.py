"""Push rules (spec: Client-Server API, "Push Rules: API").

Every change also stores the user's whole rule set as global account data
``m.push_rules``, at the account data stream's next position: that is how
sync learns of it (as Synapse's sync does).
"""

from __future__ import annotations

from typing import Any

import orjson

from tessera.core.errors import ErrCode, InvalidParam, MatrixError, NotFound
from tessera.core.ids import storable
from tessera.core.models import Requester
from tessera.core.push.rules import KINDS, RuleError, check_actions, find, is_default, rule_body
from tessera.core.push.rules import ruleset as render
from tessera.core.sync.records import StoredRule
from tessera.services.account_data import GLOBAL, PUSH_RULES, AccountData
from tessera.services.streams import StreamChange, Wakeup, no_wakeup
from tessera.storage.ports import StreamStore, StreamTransaction

#: Rule IDs are keys of the primary key: bounded like Matrix IDs.
MAX_RULE_ID_LENGTH = 255
ATTRIBUTES = ("enabled", "actions")


def _unrecognized() -> MatrixError:
    return MatrixError(ErrCode.UNRECOGNIZED, "Unrecognized request")


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise InvalidParam(f"Unknown template: {kind}"[:300])


class PushRules:
    def __init__(self, store: StreamStore, wakeup: Wakeup = no_wakeup) -> None:
        self._store = store
        self._wakeup = wakeup

    async def ruleset(self, user_id: str) -> dict[str, Any]:
        """The user's whole rule set, ``{"global": {kind: [rule, ...]}}``."""
        async with self._store.read() as txn:
            return render(user_id, await txn.push_rules.list_for_user(user_id))

    async def rule(self, requester: Requester, kind: str, rule_id: str) -> dict[str, Any]:
        """One rule of the requester's (404 ``M_NOT_FOUND`` when there is none)."""
        if kind not in KINDS:
            raise _unrecognized()
        found = find(await self.ruleset(requester.user_id), kind, rule_id)
        if found is None:
            raise NotFound("Unknown rule")
        return found

    async def attribute(
        self, requester: Requester, kind: str, rule_id: str, name: str
    ) -> dict[str, Any]:
        """``{"enabled": …}`` or ``{"actions": …}`` of one rule."""
        return {name: (await self.rule(requester, kind, rule_id))[name]}

    async def add(
        self,
        requester: Requester,
        kind: str,
        rule_id: str,
        body: dict[str, Any],
        before: str | None = None,
        after: str | None = None,
    ) -> None:
        """Add or replace one of the requester's own rules, placed as asked.

        Raises:
            MatrixError: 400 for an unknown kind, a reserved or malformed rule
                ID, malformed conditions, pattern or actions, or a ``before`` /
                ``after`` rule the user does not have.
        """
        _check_kind(kind)
        if "/" in rule_id or "\\" in rule_id:
            raise InvalidParam("rule_id may not contain slashes")
        if rule_id.startswith("."):
            raise InvalidParam("cannot add new rule_ids that start with '.'")
        if not rule_id or not storable(rule_id) or len(rule_id) > MAX_RULE_ID_LENGTH:
            raise InvalidParam("Invalid rule_id")
        try:
            rule = rule_body(kind, body)
            actions = orjson.dumps(check_actions(body.get("actions"))).decode()
        except RuleError as exc:
            raise InvalidParam(str(exc)) from None
        user_id = requester.user_id
        async with self._store.write() as txn:
            stored = await txn.push_rules.list_for_user(user_id)
            own = [r for r in stored if r.kind == kind and r.priority is not None]
            order = [r.rule_id for r in sorted(own, key=lambda r: -(r.priority or 0))]
            order = [r for r in order if r != rule_id]
            order.insert(_place(order, before, after), rule_id)
            new = StoredRule(kind, rule_id, len(order), rule, actions, True)
            await txn.push_rules.put(user_id, new)
            await txn.push_rules.set_priorities(user_id, kind, order)
            change = await self._publish(txn, user_id)
        self._wakeup(change)

    async def delete(self, requester: Requester, kind: str, rule_id: str) -> None:
        """Delete one of the requester's own rules (404 when they have none such)."""
        if kind not in KINDS:
            raise _unrecognized()
        # A rule ID the database cannot hold (NUL) names no rule.
        if is_default(kind, rule_id) or not storable(rule_id):
            raise NotFound("Unknown rule")
        async with self._store.write() as txn:
            if not await txn.push_rules.delete(requester.user_id, kind, rule_id):
                raise NotFound("Unknown rule")
            change = await self._publish(txn, requester.user_id)
        self._wakeup(change)

    async def set_attribute(
        self, requester: Requester, kind: str, rule_id: str, name: str, body: dict[str, Any]
    ) -> None:
        """Enable or disable a rule, or change its actions (own or default)."""
        if kind not in KINDS:
            raise _unrecognized()
        if not storable(rule_id):
            raise NotFound("Unknown rule")
        value = body.get(name)
        if name == "enabled" and not isinstance(value, bool):
            raise InvalidParam("'enabled' must be a boolean")
        if name == "actions":
            try:
                value = orjson.dumps(check_actions(value)).decode()
            except RuleError as exc:
                raise InvalidParam(f"Invalid actions: {exc}") from None
        user_id = requester.user_id
        async with self._store.write() as txn:
            stored = await txn.push_rules.list_for_user(user_id)
            current = next((r for r in stored if (r.kind, r.rule_id) == (kind, rule_id)), None)
            if current is None:
                if not is_default(kind, rule_id):
                    raise NotFound("Unknown rule")
                current = StoredRule(kind, rule_id, None, None, None, None)
            if name == "enabled":
                updated = StoredRule(
                    kind, rule_id, current.priority, current.rule, current.actions, value
                )
            else:
                updated = StoredRule(
                    kind, rule_id, current.priority, current.rule, value, current.enabled
                )
            await txn.push_rules.put(user_id, updated)
            change = await self._publish(txn, user_id)
        self._wakeup(change)

    @staticmethod
    async def _publish(txn: StreamTransaction, user_id: str) -> StreamChange:
        rules = render(user_id, await txn.push_rules.list_for_user(user_id))
        return await AccountData.write(txn, user_id, GLOBAL, PUSH_RULES, rules)


def _place(order: list[str], before: str | None, after: str | None) -> int:
    """Where a new rule goes among the user's own rules of its kind (first by default)."""
    for anchor, offset in ((before, 0), (after, 1)):
        if anchor is not None:
            if anchor not in order:
                raise InvalidParam(f"before/after rule not found: {anchor}"[:300])
            return order.index(anchor) + offset
    return 0
