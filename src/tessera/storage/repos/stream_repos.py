"""The repos of the per-user sync streams (issue 14), mixed into ``Repos``.

Kept apart so ``Repos`` gains one line, not one per stream, when branches merge.
"""

from __future__ import annotations

from tessera.storage.repos.account_data import AccountDataRepo
from tessera.storage.repos.filters import FilterRepo
from tessera.storage.repos.presence import PresenceRepo
from tessera.storage.repos.push_rules import PushRuleRepo
from tessera.storage.repos.receipts import ReceiptRepo
from tessera.storage.repos.streams import StreamRepo
from tessera.storage.repos.typing import TypingRepo
from tessera.storage.sql import Sql


class StreamRepos:
    streams: StreamRepo
    filters: FilterRepo
    account_data: AccountDataRepo
    push_rules: PushRuleRepo
    receipts: ReceiptRepo
    typing: TypingRepo
    presence: PresenceRepo

    def _add_stream_repos(self, sql: Sql) -> None:
        self.streams = StreamRepo(sql)
        self.filters = FilterRepo(sql)
        self.account_data = AccountDataRepo(sql)
        self.push_rules = PushRuleRepo(sql)
        self.receipts = ReceiptRepo(sql)
        self.typing = TypingRepo(sql)
        self.presence = PresenceRepo(sql)
