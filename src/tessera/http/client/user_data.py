"""The endpoints of the per-user data clients use before and around /sync, as one bundle."""

from __future__ import annotations

from dataclasses import dataclass

from tessera.http.client.account_data import AccountDataEndpoints
from tessera.http.client.filters import FilterEndpoints
from tessera.http.client.presence import PresenceEndpoints
from tessera.http.client.push_rules import PushRuleEndpoints
from tessera.http.client.receipts import ReceiptEndpoints


@dataclass(frozen=True)
class UserDataEndpoints:
    filters: FilterEndpoints
    account_data: AccountDataEndpoints
    push_rules: PushRuleEndpoints
    receipts: ReceiptEndpoints
    presence: PresenceEndpoints
