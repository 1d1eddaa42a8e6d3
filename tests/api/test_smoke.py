from tests.conftest import SEED_SECRET, LiveServer
from tests.support.keys import sign


async def test_jwt_login_then_whoami(server: LiveServer) -> None:
    token = await server.access_token(sign({"sub": "alice"}, SEED_SECRET))
    response = await server.client.get(
        "/_matrix/client/v3/account/whoami", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200
    assert response.json()["user_id"] == "@alice:test.local"
