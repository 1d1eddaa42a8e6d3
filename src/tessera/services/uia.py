"""User-interactive authentication (spec: "User-Interactive Authentication API").

Dangerous requests (deleting devices, deactivating, issuing login tokens)
make the user prove again who they are. The stages offered are:

- ``org.matrix.login.jwt``: a fresh JWT for the same user. JWT-only users of
  Synapse have no stage at all and cannot delete a device
  (element-hq/synapse#16508); here they re-authenticate the way they log in.
- ``m.login.password``: for users that have a password, when password login is on.

Sessions live in the database so any worker can continue one.
"""

from __future__ import annotations

from typing import Any

from tessera.core.errors import BadJson, ErrCode, Forbidden, InvalidParam, MatrixError
from tessera.core.ids import storable
from tessera.core.models import Requester, UiAuthSession
from tessera.core.tokens import mint_session_id
from tessera.services.clock import Clock, now_ms
from tessera.services.login.jwt import JwtLogin, spend_token_id
from tessera.services.login.links import NotLinked, reach
from tessera.services.login.password import PasswordLogin
from tessera.services.login.types import Identity
from tessera.storage.ports import Store

JWT_STAGE = "org.matrix.login.jwt"
PASSWORD_STAGE = "m.login.password"
#: A session not finished within this time is forgotten (Synapse: two days).
SESSION_LIFETIME_MS = 2 * 24 * 60 * 60 * 1000


class AuthRequired(MatrixError):
    """401 with the flows to follow: not an error, the next step of the dance."""

    def __init__(self, body: dict[str, Any]) -> None:
        super().__init__(ErrCode.FORBIDDEN, "Authentication required", status=401)
        self._body = body

    def body(self) -> dict[str, Any]:
        return self._body


class UserInteractiveAuth:
    def __init__(
        self,
        store: Store,
        server_name: str,
        clock: Clock,
        *,
        jwt: JwtLogin | None,
        password: PasswordLogin | None,
    ) -> None:
        self._store = store
        self._server_name = server_name
        self._clock = clock
        self._jwt = jwt
        self._password = password

    async def validate(
        self, requester: Requester, body: dict[str, Any], method: str, uri: str
    ) -> None:
        """Return when ``body["auth"]`` completes a flow for the requester's own user.

        Raises:
            AuthRequired: 401 with ``flows``, ``params``, ``session``, ``completed``
                (and ``errcode``/``error`` when the submitted stage failed).
            MatrixError: 400 for an unknown session, 403 when the credentials
                prove a different user or the request changed mid-session.
        """
        stages = await self._stages_for(requester.user_id)
        if not stages:
            raise Forbidden("This account has no way to re-authenticate")
        auth = body.get("auth")
        if auth is not None and not isinstance(auth, dict):
            raise BadJson("auth must be an object")
        session = await self._session(requester, auth or {}, method, uri)
        failure: MatrixError | None = None
        completed = list(session.completed)
        if auth and "type" in auth:
            stage = auth["type"]
            try:
                proven = await self._check_stage(stage, stages, auth)
            except NotLinked:
                raise  # a provider naming a user it may not reach: 403, as for login
            except MatrixError as exc:
                if exc.errcode is ErrCode.LIMIT_EXCEEDED:
                    raise  # a 429 with retry_after_ms: retrying at once cannot succeed
                failure = exc
            else:
                if proven != requester.user_id:
                    raise Forbidden("Invalid auth")
                if stage not in completed:
                    completed.append(stage)
        async with self._store.write() as txn:
            if any(stage in completed for stage in stages):
                await txn.ui_auth.delete(session.session_id)
                return
            await txn.ui_auth.set_completed(session.session_id, tuple(completed))
        body_401: dict[str, Any] = {
            "flows": [{"stages": [stage]} for stage in stages],
            "params": {},
            "session": session.session_id,
        }
        if completed or failure is not None:
            body_401["completed"] = completed  # Synapse lists it, [] too, once a stage is tried
        if failure is not None:
            # Whatever made the stage fail, the stage failed: M_FORBIDDEN, as Synapse and
            # the spec's example answer, with the reason; the flows let the client retry.
            body_401.update({"errcode": ErrCode.FORBIDDEN.value, "error": failure.message})
        raise AuthRequired(body_401)

    async def _stages_for(self, user_id: str) -> list[str]:
        stages = [JWT_STAGE] if self._jwt is not None else []
        if self._password is not None:
            async with self._store.read() as txn:
                user = await txn.users.get(user_id)
            if user is not None and user.password_hash:
                stages.append(PASSWORD_STAGE)
        return stages

    async def _session(
        self, requester: Requester, auth: dict[str, Any], method: str, uri: str
    ) -> UiAuthSession:
        session_id = auth.get("session")
        now = now_ms(self._clock)
        if not storable(uri):
            raise InvalidParam("The request path cannot be used for authentication")
        async with self._store.write() as txn:
            if not session_id:
                await txn.ui_auth.purge_older_than(now - SESSION_LIFETIME_MS)
                new_id = mint_session_id()
                await txn.ui_auth.create(new_id, requester.user_id, method, uri, now)
                return UiAuthSession(new_id, requester.user_id, method, uri, now, ())
            known = isinstance(session_id, str) and storable(session_id)
            session = await txn.ui_auth.get(session_id) if known else None
        if (
            session is None
            or session.user_id != requester.user_id
            or session.created_ts < now - SESSION_LIFETIME_MS
        ):
            raise MatrixError(ErrCode.UNKNOWN, f"Unknown session ID: {session_id}")
        if (session.method, session.uri) != (method, uri):
            raise Forbidden("Requested operation has changed during the UI authentication session.")
        return session

    async def _check_stage(self, stage: object, offered: list[str], auth: dict[str, Any]) -> str:
        """The user ID the stage's credentials prove."""
        if stage == JWT_STAGE and stage in offered and self._jwt is not None:
            return await self._user_of(await self._jwt.authenticate(auth))
        if stage == PASSWORD_STAGE and stage in offered and self._password is not None:
            identity = await self._password.authenticate(auth)
            assert identity.user_id is not None
            return identity.user_id
        raise Forbidden(f"{_describe(stage)} is not an authentication stage offered here")

    async def _user_of(self, identity: Identity) -> str:
        # The login's rule: only users linked to the token's provider (NotLinked: 403).
        async with self._store.read() as txn:
            reached = await reach(txn, identity, self._server_name)
        if identity.replay is not None:  # a JWT ID is spent by any use, not only a login
            async with self._store.write() as txn:
                await spend_token_id(txn, identity.replay)
        return reached.user_id


def _describe(stage: object) -> str:
    """A submitted stage type for an error text (bounded: it comes from the client)."""
    if isinstance(stage, str):
        return stage if len(stage) <= 100 else stage[:100] + "…"
    return "A stage type that is not a string"
