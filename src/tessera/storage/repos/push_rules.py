"""A user's push rules: their own, and their changes to the server-default ones."""

from __future__ import annotations

from collections.abc import Sequence

from tessera.core.sync.records import StoredRule
from tessera.storage.repos.base import Repo

_LIST = (
    "SELECT kind, rule_id, priority, rule, actions, enabled FROM push_rules"
    " WHERE user_id = :user_id"
)
_ADD = (
    "INSERT INTO push_rules (user_id, kind, rule_id, priority, rule, actions, enabled)"
    " VALUES (:user_id, :kind, :rule_id, :priority, :rule, :actions, :enabled)"
    " ON CONFLICT (user_id, kind, rule_id) DO UPDATE SET priority = excluded.priority,"
    " rule = excluded.rule, actions = excluded.actions, enabled = excluded.enabled"
)
_DELETE = "DELETE FROM push_rules WHERE user_id = :user_id AND kind = :kind AND rule_id = :rule_id"
_SET_PRIORITY = (
    "UPDATE push_rules SET priority = :priority"
    " WHERE user_id = :user_id AND kind = :kind AND rule_id = :rule_id"
)


class PushRuleRepo(Repo):
    async def list_for_user(self, user_id: str) -> Sequence[StoredRule]:
        """Every stored rule of the user (the primary key's prefix finds them)."""
        rows = await self.sql.rows(_LIST, {"user_id": user_id})
        return [
            StoredRule(
                r["kind"],
                r["rule_id"],
                r["priority"],
                r["rule"],
                r["actions"],
                None if r["enabled"] is None else bool(r["enabled"]),
            )
            for r in rows
        ]

    async def put(self, user_id: str, stored: StoredRule) -> None:
        """Insert or replace one rule (or one default rule's settings)."""
        await self.sql.run(
            _ADD,
            {
                "user_id": user_id,
                "kind": stored.kind,
                "rule_id": stored.rule_id,
                "priority": stored.priority,
                "rule": stored.rule,
                "actions": stored.actions,
                "enabled": stored.enabled,
            },
        )

    async def set_priorities(self, user_id: str, kind: str, order: Sequence[str]) -> None:
        """Renumber the user's rules of ``kind``: the first of ``order`` gets the highest."""
        params = [
            {"user_id": user_id, "kind": kind, "rule_id": rule_id, "priority": len(order) - i}
            for i, rule_id in enumerate(order)
        ]
        if params:
            await self.sql.run_many(_SET_PRIORITY, params)

    async def delete(self, user_id: str, kind: str, rule_id: str) -> bool:
        """Remove one stored rule; False when there was none."""
        params = {"user_id": user_id, "kind": kind, "rule_id": rule_id}
        return await self.sql.run(_DELETE, params) > 0
