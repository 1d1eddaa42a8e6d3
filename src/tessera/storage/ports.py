"""What services may ask of storage: the shapes they depend on, not the SQL.

Services type against these protocols; ``tessera.storage.database.Database``
is the implementation the composition root hands them.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from typing import Protocol

from tessera.core.models import Device, Requester, User


class Users(Protocol):
    async def get(self, user_id: str) -> User | None: ...
    async def find_case_insensitive(self, user_id: str) -> Sequence[User]: ...
    async def create(self, user_id: str, display_name: str | None, now_ms: int) -> bool: ...
    async def set_deactivated(self, user_id: str, deactivated: bool) -> None: ...


class Devices(Protocol):
    async def ensure(
        self, user_id: str, device_id: str, display_name: str | None, now_ms: int
    ) -> bool: ...
    async def list_for_user(self, user_id: str) -> Sequence[Device]: ...
    async def delete(self, user_id: str, device_id: str) -> None: ...
    async def delete_all(self, user_id: str) -> None: ...


class Tokens(Protocol):
    async def add(self, token_hash: bytes, user_id: str, device_id: str, now_ms: int) -> None: ...
    async def requester(self, token_hash: bytes) -> Requester | None: ...


class Transaction(Protocol):
    """The repos of one transaction."""

    @property
    def users(self) -> Users: ...
    @property
    def devices(self) -> Devices: ...
    @property
    def tokens(self) -> Tokens: ...


class Store(Protocol):
    def read(self) -> AbstractAsyncContextManager[Transaction]: ...
    def write(self) -> AbstractAsyncContextManager[Transaction]: ...
