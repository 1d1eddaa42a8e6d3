"""Schemathesis fuzzes every operation of our OpenAPI description against a live server.

The description is loaded from the server itself (``GET /_tessera/openapi.json``). Each
operation gets positive cases (valid by the schema) and negative ones (schema violations:
wrong types, missing fields, bodies that are not JSON, odd path and query values). Three out
of four cases of an operation that needs an access token carry a real one, from a real JWT
login (an admin's for the admin API); the rest keep whatever schemathesis made up, so the
token checks are fuzzed too. Operations that end a session (logout, deactivation, device
deletion) get a fresh login for every case, so each one still exercises an authenticated path.

Then a hostile pass replays, for each operation, the case that got furthest with each
declared value replaced in turn by NUL, integers past 64 bits, huge strings and the like.

Every response is checked: never a 5xx; a 4xx is a JSON Matrix error (or a UIA 401); status,
content type, headers and body conform to the description. Hypothesis is derandomized, so a
run is repeatable.
"""

from __future__ import annotations

import asyncio
import copy
import dataclasses
import functools
from collections import Counter
from typing import Any

import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import Case, CheckContext, GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    ignored_auth,
    negative_data_rejection,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tessera.config import LoginTokenConfig, PasswordConfig
from tessera.http.docs import OPENAPI_PATH
from tests.api.support import LOGIN, WHOAMI, bearer, seed_jwt, set_password, user_id
from tests.conftest import LiveServer, StartServer

#: Cases per operation and generation mode (about 1,900 requests per engine, plus the hostile pass).
MAX_EXAMPLES = 30
#: The r0 and api/v1 twins of v3 operations run the same handlers: fewer cases there.
ALIAS_EXAMPLES = 10
ALIAS_PREFIXES = ("/_matrix/client/r0/", "/_matrix/client/api/v1/")
#: Whose tokens the cases carry: shared ones, a fresh login per case, the admin's.
FUZZER, VICTIM, ADMIN, SUBJECT = "fuzzer", "victim", "root", "subject"
#: Operations that end the session they are called with.
ENDS_SESSION = ("/logout", "/logout/all", "/account/deactivate", "/delete_devices")
#: The hostile pass replays, for every operation, the case that got furthest with each declared
#: query, path and body value replaced in turn by each of these: values that have broken
#: servers (NUL, which PostgreSQL text cannot hold; integers past 64 bits; huge, bidi and
#: path-like strings; the wrong JSON type). Schemathesis alone rarely draws them.
HOSTILE_JSON = (
    "\x00",
    "a\x00b",
    2**63,
    -(2**63) - 1,
    10**30,
    1e308,
    -0.0,
    "x" * 5000,
    "\u202e",
    True,
    None,
    [],
    {},
)
HOSTILE_TEXT = ("\x00", "a\x00b", "9" * 30, "-9223372036854775809", "x" * 5000, "\u202e", "..")
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
    ignored_auth,
]


def matrix_error_on_4xx(_ctx: CheckContext, response: Any, _case: Case) -> bool | None:
    """A 4xx is a Matrix error (``errcode`` and ``error``), or a UIA 401 (``flows``)."""
    if not 400 <= response.status_code < 500:
        return None
    assert response.headers.get("content-type", [""])[0] == "application/json", response.headers
    body = response.json()
    assert isinstance(body, dict), body
    if response.status_code == 401 and "flows" in body:
        assert isinstance(body.get("session"), str), body
        return True
    assert isinstance(body.get("errcode"), str), body
    assert body["errcode"].startswith("M_"), body
    assert isinstance(body.get("error"), str), body
    return True


@dataclasses.dataclass
class World:
    """The accounts the cases act as, and what the run saw."""

    base_url: str
    fuzzer_token: str
    admin_token: str
    #: A room the fuzzer created: room operations' ``roomId`` (and ``roomIdOrAlias``).
    room_id: str = ""
    #: The OpenAPI document, as served (for the body fields of each operation).
    document: dict[str, Any] = dataclasses.field(default_factory=dict)
    #: Per operation label: the status and values of the positive case that got furthest.
    reached: dict[str, tuple[int, Any]] = dataclasses.field(default_factory=dict)
    hostile_sent: int = 0
    requests_sent: int = 0
    statuses: Counter[int] = dataclasses.field(default_factory=Counter)
    #: Per operation label: statuses answered to cases that carried a real token.
    authenticated: dict[str, Counter[int]] = dataclasses.field(default_factory=dict)
    failures: dict[str, str] = dataclasses.field(default_factory=dict)


async def _world(live: LiveServer) -> World:
    tokens = {}
    for localpart in (FUZZER, VICTIM, ADMIN, SUBJECT):
        device = f"{localpart.upper()}DEV"
        tokens[localpart] = await live.access_token(seed_jwt({"sub": localpart}), device_id=device)
    async with live.database.write() as txn:
        await txn.users.set_admin(user_id(ADMIN), True)
    # The password stage of login and UIA runs too (and fails: the fuzzer never guesses it).
    await set_password(live, FUZZER, "correct horse")
    # A room the fuzzer is in, so room operations get past "unknown room" (see _pinned).
    room = await live.client.post(
        "/_matrix/client/v3/createRoom", headers=bearer(tokens[FUZZER]), json={"name": "fuzz"}
    )
    assert room.status_code == 200, room.text
    return World(live.base_url, tokens[FUZZER], tokens[ADMIN], room_id=room.json()["room_id"])


def _fresh_victim_token(http: requests.Session, world: World) -> str:
    body = {"type": "org.matrix.login.jwt", "token": seed_jwt({"sub": VICTIM})}
    response = http.post(world.base_url + LOGIN, json=body, timeout=10)
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


def _token_for(operation: schemathesis.APIOperation, http: requests.Session, world: World) -> str:
    if operation.path.startswith("/_synapse/admin"):
        return world.admin_token
    if operation.path.endswith(ENDS_SESSION) or operation.method.upper() == "DELETE":
        return _fresh_victim_token(http, world)
    return world.fuzzer_token


def _pinned(operation: schemathesis.APIOperation, world: World) -> dict[str, str]:
    """Path parameters that name things that exist, so cases reach past the 404."""
    names = {parameter.name for parameter in operation.path_parameters}
    if operation.path.startswith("/_synapse/admin"):
        pins = {"userId": user_id(SUBJECT), "deviceId": f"{SUBJECT.upper()}DEV"}
    elif operation.method.upper() == "DELETE":
        pins = {"deviceId": f"{VICTIM.upper()}DEV"}
    else:
        pins = {"userId": user_id(FUZZER), "deviceId": f"{FUZZER.upper()}DEV"}
    pins |= {"roomId": world.room_id, "roomIdOrAlias": world.room_id}
    return {name: value for name, value in pins.items() if name in names}


def _body_fields(operation: schemathesis.APIOperation, document: dict[str, Any]) -> list[str]:
    """The JSON body's declared top-level fields."""
    content = operation.definition.raw.get("requestBody", {}).get("content", {})
    schema = content.get("application/json", {}).get("schema", {})
    if "$ref" in schema:  # "#/components/schemas/Name"
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return list(schema.get("properties", {}))


def _strip_generated_auth(case: Case) -> None:
    if case.headers:
        case.headers.pop("Authorization", None)
    if case.query:
        case.query.pop("access_token", None)


def _send_and_check(
    case: Case, real_token: bool, http: requests.Session, world: World
) -> schemathesis.Response:
    """Send ``case`` (with a real token when asked and needed) and run every check on it."""
    operation = case.operation
    headers = None
    if real_token and operation.definition.raw.get("security", True):
        _strip_generated_auth(case)
        headers = bearer(_token_for(operation, http, world))
    response = case.call(base_url=world.base_url, session=http, headers=headers)
    world.requests_sent += 1
    world.statuses[response.status_code] += 1
    if headers is not None:
        world.authenticated.setdefault(operation.label, Counter())[response.status_code] += 1
    case.validate_response(
        response,
        checks=CHECKS,
        additional_checks=[matrix_error_on_4xx],
        headers=headers,
        transport_kwargs={"base_url": world.base_url, "session": http},
    )
    return response


def _fuzz_operation(
    operation: schemathesis.APIOperation,
    mode: GenerationMode,
    http: requests.Session,
    world: World,
) -> None:
    strategy = operation.as_strategy(generation_mode=mode)
    if pins := _pinned(operation, world):
        pinned = operation.as_strategy(generation_mode=mode, path_parameters=pins)
        strategy = st.one_of(strategy, pinned)

    @settings(
        max_examples=ALIAS_EXAMPLES if operation.path.startswith(ALIAS_PREFIXES) else MAX_EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy, real_token=st.sampled_from([True, True, True, False]))
    def run(case: Case, real_token: bool) -> None:
        response = _send_and_check(case, real_token, http, world)
        if mode is GenerationMode.POSITIVE and response.status_code != 401:
            # Remember a case that got far (a 2xx best) for the hostile pass.
            best = world.reached.get(operation.label)
            if best is None or (response.status_code < 300 and best[0] >= 300):
                # Not deepcopy(case.body): that would copy schemathesis' "no body" sentinel.
                body = copy.deepcopy(case.body) if isinstance(case.body, dict) else case.body
                sent = (copy.deepcopy(case.path_parameters), copy.deepcopy(case.query), body)
                world.reached[operation.label] = (response.status_code, (*sent, case.media_type))

    run()


def _hostile_pass(
    operation: schemathesis.APIOperation, http: requests.Session, world: World
) -> None:
    """Replay the case that got furthest with each declared value made hostile, one at a time."""
    if operation.label not in world.reached:
        return
    path_parameters, query, body, media_type = world.reached[operation.label][1]
    slots = [("query", p.name, HOSTILE_TEXT) for p in operation.query if p.name != "access_token"]
    slots += [("path", p.name, HOSTILE_TEXT) for p in operation.path_parameters]
    if isinstance(body, dict):
        slots += [("body", name, HOSTILE_JSON) for name in _body_fields(operation, world.document)]
    for where, name, values in slots:
        for value in values:
            planted = copy.deepcopy({"path": path_parameters, "query": query or {}, "body": body})
            planted[where][name] = value
            case = operation.Case(
                path_parameters=planted["path"],
                query=planted["query"],
                body=planted["body"] if isinstance(body, dict) else body,
                media_type=media_type,
            )
            world.hostile_sent += 1
            _send_and_check(case, True, http, world)


def fuzz(world: World) -> list[str]:
    """Fuzz every operation in both modes, then the hostile pass; returns the labels covered."""
    covered = []
    with requests.Session() as http:
        # Loaded from the server, as a client would (from_url would skip the document's own path).
        world.document = http.get(world.base_url + OPENAPI_PATH, timeout=10).json()
        schema = schemathesis.openapi.from_dict(world.document)
        for result in schema.get_all_operations():
            operation = result.ok()
            covered.append(operation.label)
            passes = [
                (mode.value, functools.partial(_fuzz_operation, operation, mode))
                for mode in GenerationMode
            ]
            if not operation.path.startswith(ALIAS_PREFIXES):
                passes.append(("hostile", functools.partial(_hostile_pass, operation)))
            for name, run_pass in passes:
                try:
                    run_pass(http, world)
                except Unsatisfiable:
                    assert name == "negative"  # nothing in the operation can be invalid
                # Every failing operation is reported, not just the first (schemathesis raises
                # its check failures as a BaseExceptionGroup).
                except (Exception, BaseExceptionGroup) as exc:
                    world.failures[f"{name} {operation.label}"] = str(exc)[:3000]
    return covered


async def test_every_operation_survives_fuzzing(start_server: StartServer) -> None:
    async with start_server(
        login_tokens=LoginTokenConfig(enabled=True),
        password=PasswordConfig(enabled=True),
        public_baseurl="https://matrix.test.local/",
        bcrypt_rounds=4,
    ) as live:
        world = await _world(live)
        # schemathesis speaks blocking HTTP: it runs in a thread while this loop serves.
        covered = await asyncio.to_thread(fuzz, world)
        # The shared sessions lived through it, so the cases kept exercising authenticated paths.
        assert (
            await live.client.get(WHOAMI, headers=bearer(world.fuzzer_token))
        ).status_code == 200
        assert (await live.client.get(WHOAMI, headers=bearer(world.admin_token))).status_code == 200

    print(
        f"\nfuzz: {world.requests_sent} requests ({world.hostile_sent} in the hostile pass) over"
        f" {len(covered)} operations; statuses {dict(sorted(world.statuses.items()))}"
    )
    assert not world.failures, "\n\n".join(f"== {k}\n{v}" for k, v in world.failures.items())
    assert len(covered) >= 52
    assert not [status for status in world.statuses if status >= 500]
    # Every operation that needs a token accepted the real one at least once (not all 401s).
    refused = [label for label, seen in world.authenticated.items() if set(seen) == {401}]
    assert not refused, refused
