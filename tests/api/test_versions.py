"""``GET /_matrix/client/versions``."""

from __future__ import annotations

import re

from tests.api.support import bearer
from tests.conftest import LiveServer

VERSIONS = "/_matrix/client/versions"


async def test_versions_needs_no_access_token(server: LiveServer) -> None:
    response = await server.client.get(VERSIONS)

    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")


async def test_versions_answers_with_an_unknown_access_token_too(server: LiveServer) -> None:
    """Auth is optional here: clients call it before they have a valid session."""
    response = await server.client.get(VERSIONS, headers=bearer("tat_never_issued"))

    assert response.status_code == 200, response.text


async def test_versions_lists_r0_and_every_v1_version_synapse_does(server: LiveServer) -> None:
    versions = (await server.client.get(VERSIONS)).json()["versions"]

    assert all(isinstance(version, str) for version in versions)
    assert "r0.6.1" in versions  # the r0 prefix we serve
    minors = sorted(int(v[3:]) for v in versions if re.fullmatch(r"v1\.\d+", v))
    assert minors[0] == 1
    assert minors == list(range(1, minors[-1] + 1)), "v1.x versions must be contiguous"
    assert minors[-1] >= 15  # Synapse 1.163 advertises v1.1 … v1.15
    assert len(versions) == len(set(versions))


async def test_unstable_features_map_names_to_booleans(server: LiveServer) -> None:
    body = (await server.client.get(VERSIONS)).json()

    assert isinstance(body["unstable_features"], dict)
    assert all(isinstance(value, bool) for value in body["unstable_features"].values())
