import json
from tests.conftest import SEED_SECRET, LiveServer
from tests.support.keys import sign


async def test_probe(server: LiveServer) -> None:
    out = []
    cases = {
        "nul_sub": {"type": "org.matrix.login.jwt", "token": sign({"sub": "a\x00b"}, SEED_SECRET)},
        "surrogate_sub_raw": None,
        "nul_device": {"type": "org.matrix.login.jwt", "token": sign({"sub": "alice"}, SEED_SECRET), "device_id": "D\x00"},
        "nul_name": {"type": "org.matrix.login.jwt", "token": sign({"sub": "alice"}, SEED_SECRET), "initial_device_display_name": "n\x00"},
        "nul_type": {"type": "x\x00"},
        "int_sub": {"type": "org.matrix.login.jwt", "token": sign({"sub": 5}, SEED_SECRET)},
        "nul_token": {"type": "org.matrix.login.jwt", "token": "a\x00.b.c"},
    }
    for name, body in cases.items():
        if body is None:
            continue
        r = await server.client.post("/_matrix/client/v3/login", json=body)
        out.append((name, r.status_code, r.text[:200]))
    raw = b'{"type":"org.matrix.login.jwt","token":"\\ud800"}'
    r = await server.client.post("/_matrix/client/v3/login", content=raw)
    out.append(("surrogate_token", r.status_code, r.text[:200]))
    raw = b'{"type":"org.matrix.login.jwt","token":"x","device_id":"\\ud800"}'
    r = await server.client.post("/_matrix/client/v3/login", content=raw)
    out.append(("surrogate_dev", r.status_code, r.text[:200]))
    r = await server.client.get("/_matrix/client/v3/profile/%00/displayname")
    out.append(("profile_nul", r.status_code, r.text[:200]))
    r = await server.client.get("/_matrix/client/v3/account/whoami", headers={"Authorization": "Bearer a\x01"})
    out.append(("whoami_ctl", r.status_code, r.text[:200]))
    r = await server.client.get("/_matrix/client/v3/account/whoami?access_token=%00")
    out.append(("whoami_nul", r.status_code, r.text[:200]))
    r = await server.client.get("/_matrix/client/v3/account/whoami?access_token=%ED%A0%80")
    out.append(("whoami_surr", r.status_code, r.text[:200]))
    r = await server.client.head("/_matrix/client/versions")
    out.append(("head", r.status_code, r.headers))
    r = await server.client.post("/_matrix/client/v3/login", content=b"")
    out.append(("empty", r.status_code, r.text))
    r = await server.client.post("/_matrix/client/v3/login", content=b'{"a":NaN}')
    out.append(("nan", r.status_code, r.text))
    r = await server.client.post("/_matrix/client/v3/login", content=b'\xff')
    out.append(("badutf", r.status_code, r.text))
    r = await server.client.request("OPTIONS", "/nope")
    out.append(("options", r.status_code, r.headers, r.content))
    r = await server.client.get("/nope")
    out.append(("404", r.status_code, r.headers, r.content))
    r = await server.client.put("/_matrix/client/v3/login")
    out.append(("405", r.status_code, r.headers, r.content))
    for o in out:
        print(o)
    assert False
