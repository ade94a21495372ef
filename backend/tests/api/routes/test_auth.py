"""GET /auth/session, /auth/me, /auth/accounts."""

import httpx
from gatehouse_test_support.jwks import JwksServer
from sqlalchemy.ext.asyncio import AsyncSession

from tests.utils.factories import Actor, make_account


async def test_session_returns_session_and_user_without_token(client: httpx.AsyncClient, alice: Actor) -> None:
    response = await client.get("/api/v1/auth/session", headers=alice.cookie())
    assert response.status_code == 200
    body = response.json()
    assert body["session"]["id"] == alice.session.id
    assert body["session"]["is_current"] is True
    assert body["user"]["id"] == alice.user.id
    assert alice.token not in response.text
    assert body["session"]["expires_at"].endswith("Z")


async def test_session_with_jwt(client: httpx.AsyncClient, jwks: JwksServer, alice: Actor) -> None:
    token = jwks.mint(sub=alice.user.id, sid=alice.session.id)
    response = await client.get("/api/v1/auth/session", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert response.json()["session"]["id"] == alice.session.id


async def test_me_returns_profile(client: httpx.AsyncClient, alice: Actor) -> None:
    body = (await client.get("/api/v1/auth/me", headers=alice.bearer())).json()
    assert body == {
        "id": alice.user.id,
        "email": "alice@example.com",
        "name": "Alice",
        "image": None,
        "email_verified": True,
        "role": "user",
    }


async def test_accounts_lists_providers_without_secrets(
    client: httpx.AsyncClient, db: AsyncSession, alice: Actor
) -> None:
    await make_account(db, alice.user)
    await make_account(db, alice.user, provider_id="github")
    response = await client.get("/api/v1/auth/accounts", headers=alice.bearer())
    assert response.status_code == 200
    assert sorted(a["provider_id"] for a in response.json()) == ["credential", "github"]
    for secret in ("secret-access-token", "secret-refresh-token", "secret-id-token", "argon2id"):
        assert secret not in response.text
    assert all(
        set(a) == {"id", "provider_id", "account_id", "scope", "created_at", "updated_at"} for a in response.json()
    )


async def test_accounts_of_others_are_not_listed(
    client: httpx.AsyncClient, db: AsyncSession, alice: Actor, bob: Actor
) -> None:
    await make_account(db, bob.user)
    assert (await client.get("/api/v1/auth/accounts", headers=alice.bearer())).json() == []
