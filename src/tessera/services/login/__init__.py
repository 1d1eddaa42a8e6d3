"""``POST /login``: dispatch on the login type, then the step every type shares.

Each login type (``jwt.py``, ``password.py``, ``token.py``) only proves an
identity; creating the user on first login, the device and the tokens
happen here, in one transaction, so a failed login leaves nothing
half-made behind.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any

from tessera.core.errors import ErrCode, Forbidden, InvalidParam, MatrixError
from tessera.core.ids import storable, user_id_for
from tessera.core.models import LoginResult, User
from tessera.core.tokens import mint_device_id
from tessera.metrics import Metrics
from tessera.services.clock import Clock, now_ms
from tessera.services.login.jwt import spend_token_id
from tessera.services.login.links import user_for_login
from tessera.services.login.password import INVALID_CREDENTIALS
from tessera.services.login.password import LOGIN_TYPE as PASSWORD
from tessera.services.login.token import LOGIN_TYPE as LOGIN_TOKEN
from tessera.services.login.types import Identity, LoginType, ReplayGuard
from tessera.services.rate_limits import Limit
from tessera.services.sessions import Sessions
from tessera.storage.ports import Store, Transaction

MAX_DEVICE_ID_LENGTH = 512
MAX_DEVICE_NAME_LENGTH = 100
REPLAY_PURGE_INTERVAL_MS = 60_000


@dataclass(frozen=True, slots=True)
class LoginLimits:
    """``rc_login``: per client address before a login is checked, per account after."""

    address: Limit
    account: Limit


class LoginService:
    """Logs users in with whichever login types the server enables."""

    def __init__(
        self,
        store: Store,
        server_name: str,
        login_types: Iterable[LoginType],
        sessions: Sessions,
        clock: Clock,
        *,
        limits: LoginLimits | None = None,
        offers_login_tokens: bool = False,
        metrics: Metrics | None = None,
        forget_user: Callable[[str], None] | None = None,
        user_created: Callable[[str], Awaitable[None]] | None = None,
    ) -> None:
        self._forget_user = forget_user
        #: Runs after the login that created a user commits (auto-join rooms); never raises.
        self._user_created = user_created
        self._next_replay_purge_ms = 0
        self._limits = limits
        self._metrics = metrics
        self._store = store
        self._server_name = server_name
        self._types = {login_type.login_type: login_type for login_type in login_types}
        self._sessions = sessions
        self._clock = clock
        self._offers_login_tokens = offers_login_tokens

    def flows(self) -> list[dict[str, Any]]:
        """The ``GET /login`` flows, in the order the types were configured."""
        flows: list[dict[str, Any]] = []
        for name in self._types:
            flow: dict[str, Any] = {"type": name}
            if name == LOGIN_TOKEN and self._offers_login_tokens:
                flow["get_login_token"] = True  # spec v1.7: clients may offer QR/sign-in links
            flows.append(flow)
        return flows

    async def login(self, body: dict[str, Any], ip: str | None = None) -> LoginResult:
        """Authenticate ``body`` (sent from ``ip``) and issue a device and its tokens.

        Raises:
            MatrixError: for a bad request, failed authentication, or 429 when
                ``rc_login`` limits the address or the account.
        """
        refreshable = body.get("refresh_token", False)
        if not isinstance(refreshable, bool):
            raise MatrixError(ErrCode.UNKNOWN, "`refresh_token` should be true or false.")
        login_type = self._login_type(body)
        try:
            result = await self._login(login_type, body, ip, refreshable)
        except MatrixError as error:
            if self._metrics is not None:
                self._metrics.login_failed(login_type.login_type, error.reason)
            raise
        if self._metrics is not None:
            self._metrics.login_succeeded(login_type.login_type)
        return result

    async def _login(
        self, login_type: LoginType, body: dict[str, Any], ip: str | None, refreshable: bool
    ) -> LoginResult:
        device_id, device_name = device_fields(body)
        if self._limits is not None:  # Synapse limits the address before checking anything
            await self._limits.address.acquire(ip or "")
        identity = await login_type.authenticate(body)
        if self._limits is not None:
            account = identity.user_id or user_id_for(identity.subject, self._server_name)
            await self._limits.account.acquire(account.lower())
        now = now_ms(self._clock)
        async with self._store.write() as txn:
            user, created = await self._user_for(txn, identity, now)
            if identity.replay is not None:
                await self._claim_token_id(txn, identity.replay, now)
            admin_changed = await apply_claims(txn, user, identity, created, now)
            if device_id is None:
                device_id = mint_device_id()
            await txn.devices.ensure(user.user_id, device_id, device_name, now)
            issued = await self._sessions.issue(
                txn, user.user_id, device_id, refreshable=refreshable, now=now
            )
        if admin_changed and self._forget_user is not None:
            self._forget_user(user.user_id)  # cached requesters carry the admin flag
        if created and self._user_created is not None:
            await self._user_created(user.user_id)
        return LoginResult(
            user_id=user.user_id,
            device_id=device_id,
            access_token=issued.access_token,
            expires_in_ms=issued.expires_in_ms,
            refresh_token=issued.refresh_token,
        )

    def _login_type(self, body: dict[str, Any]) -> LoginType:
        if "type" not in body:
            raise MatrixError(ErrCode.UNKNOWN, "Missing JSON keys.")
        name = body["type"]
        if not isinstance(name, str):
            raise InvalidParam("Bad parameter: type")
        login_type = self._types.get(name)
        if login_type is None:
            if name == PASSWORD:
                raise MatrixError(ErrCode.UNKNOWN, "Password login has been disabled.")
            raise MatrixError(ErrCode.UNKNOWN, f"Unknown login type {name}")
        return login_type

    async def _claim_token_id(self, txn: Transaction, replay: ReplayGuard, now: int) -> None:
        if now >= self._next_replay_purge_ms:  # expired IDs go, at most once a minute
            self._next_replay_purge_ms = now + REPLAY_PURGE_INTERVAL_MS
            await txn.jwt_ids.purge_expired(now)
        await spend_token_id(txn, replay)

    async def _user_for(self, txn: Transaction, identity: Identity, now: int) -> tuple[User, bool]:
        """The user the identity names, and whether this login created it (JWT subjects)."""
        created = False
        if identity.user_id is not None:
            user = await txn.users.get(identity.user_id)
            if user is None:  # removed since the credentials were checked
                raise Forbidden(INVALID_CREDENTIALS)
        else:
            user, created = await user_for_login(txn, identity, self._server_name, now)
        if user.deactivated:
            raise MatrixError(ErrCode.USER_DEACTIVATED, "This account has been deactivated")
        return user, created


async def apply_claims(
    txn: Transaction, user: User, identity: Identity, created: bool, now: int
) -> bool:
    """Store the profile and admin flag the credentials carry; True if the admin flag changed.

    A new user takes every profile field; an existing one only those synced
    at every login (``<field>_sync: every_login``).
    """
    fields = {
        name: value
        for name, value in identity.profile.items()
        if created or name in identity.sync_every_login
    }
    current = {"display_name": user.display_name, "avatar_url": user.avatar_url}
    changed = {
        name: value for name, value in fields.items() if name in current and current[name] != value
    }
    if changed:
        await txn.users.set_profile(user.user_id, **changed)
    if "email" in fields:
        await txn.threepids.replace(user.user_id, "email", fields["email"], now)
    if identity.admin is not None and identity.admin != user.is_admin:
        await txn.users.set_admin(user.user_id, identity.admin)
        return True
    return False


def check_device_name(name: object, field: str) -> str | None:
    """A device display name as given, or a 400 for a non-string or over-long one."""
    if name is None:
        return None
    if not isinstance(name, str) or not storable(name):
        raise InvalidParam(f"{field} must be a string without NUL characters")
    if len(name) > MAX_DEVICE_NAME_LENGTH:
        raise MatrixError(
            ErrCode.TOO_LARGE,
            f"Device display name is too long (max {MAX_DEVICE_NAME_LENGTH})",
            status=400,
        )
    return name


def device_fields(body: dict[str, Any]) -> tuple[str | None, str | None]:
    """``device_id`` and ``initial_device_display_name`` of a login body, checked."""
    device_id = body.get("device_id")
    if device_id is not None:
        if not isinstance(device_id, str) or not storable(device_id):
            # Synapse answers 500 here; a clear 400 is what it means.
            raise InvalidParam("device_id must be a string without NUL characters")
        if len(device_id) > MAX_DEVICE_ID_LENGTH:
            raise InvalidParam(
                f"device_id cannot be longer than {MAX_DEVICE_ID_LENGTH} characters."
            )
    name = check_device_name(body.get("initial_device_display_name"), "initial_device_display_name")
    return device_id or None, name
