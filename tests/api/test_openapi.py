"""GET /_tessera/openapi.json: served as JSON, valid OpenAPI, and describing every route."""

from __future__ import annotations

import re

import schemathesis
from starlette.routing import Route

from tessera.app import build_app
from tessera.config import LoginTokenConfig
from tessera.http.convertors import ProfileFieldConvertor
from tessera.http.docs import OPENAPI_PATH, openapi_document
from tests.conftest import LiveServer, make_config

_METHODS = {"GET", "PUT", "POST", "DELETE", "PATCH"}
_FIELD = "{field:profile_field}"


def _shape(path: str) -> str:
    """A path with its parameter names blanked: ``/devices/{device_id}`` → ``/devices/{}``."""
    return re.sub(r"\{[^}]*\}", "{}", path)


def _routed() -> set[tuple[str, str]]:
    """(method, path shape) of every route, with every optional endpoint switched on."""
    application = build_app(make_config(login_tokens=LoginTokenConfig(enabled=True)))
    starlette = application.asgi.app
    pairs: set[tuple[str, str]] = set()
    for route in starlette.routes:
        assert isinstance(route, Route)
        paths = [route.path]
        if _FIELD in route.path:  # one route serves each profile field; the spec has a path each
            paths = [route.path.replace(_FIELD, f) for f in ProfileFieldConvertor.regex.split("|")]
        for method in (route.methods or set()) & _METHODS:
            pairs.update((method, _shape(path)) for path in paths)
    return pairs


def _described() -> set[tuple[str, str]]:
    pairs: set[tuple[str, str]] = set()
    for path, item in openapi_document()["paths"].items():
        for method in item:
            if method.upper() in _METHODS:
                pairs.add((method.upper(), _shape(path)))
    return pairs


def test_every_route_is_described_and_nothing_else() -> None:
    routed, described = _routed(), _described()
    assert routed - described == set(), "routes missing from http/openapi.yaml"
    assert described - routed == set(), "http/openapi.yaml describes routes that do not exist"
    assert len(routed) >= 50


def test_the_description_is_valid_openapi() -> None:
    document = openapi_document()
    assert document["openapi"].startswith("3.1")
    schemathesis.openapi.from_dict(document).validate()


async def test_the_description_is_served_as_json(server: LiveServer) -> None:
    response = await server.client.get(OPENAPI_PATH)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == openapi_document()
    # Served like every other path: CORS headers, so browser tools can load it.
    assert response.headers["access-control-allow-origin"] == "*"


async def test_other_methods_on_the_description_are_405(server: LiveServer) -> None:
    response = await server.client.post(OPENAPI_PATH)
    assert response.status_code == 405
    assert response.json()["errcode"] == "M_UNRECOGNIZED"
