"""The three credentials, the dependencies built on them, bans, expiry and revocation."""

from datetime import timedelta
from typing import Annotated
from urllib.parse import quote

import httpx
import pytest
from fastapi import Depends, FastAPI
from gatehouse_fastapi import AuthUser, CurrentPrincipal, require_role
from gatehouse_test_support.jwks import JwksServer
from gatehouse_test_support.waiting import eventually
from sqlalchemy import delete, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import User, UserSession, utcnow
from tests.utils.factories import TEST_SECRET, Actor, make_actor, make_session

ME = "/api/v1/auth/me"
NO_CREDENTIAL = 'Bearer realm="gatehouse"'
INVALID_TOKEN = (
    'Bearer realm="gatehouse", error="invalid_token", '
    'error_description="The credential is invalid, expired or revoked."'
)


def jwt_header(jwks: JwksServer, actor: Actor) -> dict[str, str]:
    return {"Authorization": f"Bearer {jwks.mint(sub=actor.user.id, sid=actor.session.id)}"}


CREDENTIALS = {
    "cookie": lambda jwks, actor: actor.cookie(),
    "bearer-raw": lambda jwks, actor: actor.bearer(),
    "bearer-signed": lambda jwks, actor: actor.signed_bearer(),
    "bearer-signed-urlencoded": lambda jwks, actor: {
        "Authorization": "Bearer " + actor.cookie()["Cookie"].split("=", 1)[1]
    },
    "jwt": jwt_header,
}


@pytest.mark.parametrize("kind", list(CREDENTIALS))
async def test_me_with_each_credential_returns_user(
    kind: str, client: httpx.AsyncClient, jwks: JwksServer, alice: Actor
) -> None:
    response = await client.get(ME, headers=CREDENTIALS[kind](jwks, alice))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["id"] == alice.user.id
    assert body["email"] == "alice@example.com"
    assert "token" not in body


@pytest.mark.parametrize("kind", list(CREDENTIALS))
async def test_me_banned_user_returns_403(
    kind: str, client: httpx.AsyncClient, db: AsyncSession, jwks: JwksServer, alice: Actor
) -> None:
    await db.execute(update(User).where(User.id == alice.user.id).values(banned=True, ban_reason="spam"))
    await db.commit()
    # A ban coming into force deletes the user's sessions in the database, whoever wrote it (auth server
    # migration 0007), so the old credential is simply revoked.
    assert (await client.get(ME, headers=CREDENTIALS[kind](jwks, alice))).status_code == 401
    # A session written after the ban (a sign-in racing it) still meets the backend's own ban check.
    late = Actor(user=alice.user, session=await make_session(db, alice.user))
    response = await client.get(ME, headers=CREDENTIALS[kind](jwks, late))
    assert response.status_code == 403
    assert response.json()["code"] == "BANNED_USER"


@pytest.mark.parametrize("kind", list(CREDENTIALS))
async def test_me_expired_ban_no_longer_counts(
    kind: str, client: httpx.AsyncClient, db: AsyncSession, jwks: JwksServer, alice: Actor
) -> None:
    past = utcnow() - timedelta(minutes=1)
    await db.execute(update(User).where(User.id == alice.user.id).values(banned=True, ban_expires=past))
    await db.commit()
    assert (await client.get(ME, headers=CREDENTIALS[kind](jwks, alice))).status_code == 200


@pytest.mark.parametrize("kind", list(CREDENTIALS))
async def test_me_revoked_session_returns_401(
    kind: str, client: httpx.AsyncClient, db: AsyncSession, jwks: JwksServer, alice: Actor
) -> None:
    headers = CREDENTIALS[kind](jwks, alice)
    assert (await client.get(ME, headers=headers)).status_code == 200
    # Deleted by another writer (here the test, as the auth server's role): the worker's cached copy goes when
    # the revocation feed delivers the deletion, within its poll interval, not on the next request.
    await db.execute(delete(UserSession).where(UserSession.id == alice.session.id))
    await db.commit()

    async def refused() -> bool:
        return (await client.get(ME, headers=headers)).status_code == 401

    await eventually(refused, within=1.0)
    response = await client.get(ME, headers=headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == INVALID_TOKEN


@pytest.mark.parametrize("kind", list(CREDENTIALS))
async def test_me_expired_session_returns_401(
    kind: str, client: httpx.AsyncClient, db: AsyncSession, jwks: JwksServer, alice: Actor
) -> None:
    past = utcnow() - timedelta(seconds=1)
    await db.execute(update(UserSession).where(UserSession.id == alice.session.id).values(expires_at=past))
    await db.commit()
    assert (await client.get(ME, headers=CREDENTIALS[kind](jwks, alice))).status_code == 401


@pytest.mark.parametrize(
    ("headers", "challenge"),
    [
        pytest.param({}, NO_CREDENTIAL, id="none"),
        pytest.param({"Authorization": "Bearer"}, NO_CREDENTIAL, id="empty-bearer"),
        pytest.param({"Authorization": "Basic dXNlcjpwYXNz"}, NO_CREDENTIAL, id="basic-scheme"),
        pytest.param({"Authorization": "Bearer not-a-session-token"}, INVALID_TOKEN, id="unknown-raw-token"),
        pytest.param({"Authorization": "Bearer abc.def"}, INVALID_TOKEN, id="unsigned-dotted-token"),
        # Huge, but under the 16 KiB request-head limit (larger heads are 431 before any credential is read).
        pytest.param({"Authorization": "Bearer " + "a" * 12_000}, INVALID_TOKEN, id="huge-bearer"),
        pytest.param({"Cookie": "better-auth.session_token=abc"}, INVALID_TOKEN, id="unsigned-cookie"),
        pytest.param({"Cookie": "better-auth.session_token=" + "a" * 12_000}, INVALID_TOKEN, id="huge-cookie"),
        pytest.param({"Cookie": "other.session_token=abc.def"}, NO_CREDENTIAL, id="other-cookie-name"),
    ],
)
async def test_me_without_valid_credential_returns_401(
    client: httpx.AsyncClient, headers: dict[str, str], challenge: str
) -> None:
    response = await client.get(ME, headers=headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == challenge  # RFC 6750 §3.1: an error code only if one was sent
    assert set(response.json()) == {"code", "message"}


async def test_me_forged_cookie_signature_never_reaches_database(client: httpx.AsyncClient, alice: Actor) -> None:
    # Right token, signature made with a different secret: refused by the HMAC check alone.
    from gatehouse_fastapi._cookie_signature import sign_cookie_value

    forged = sign_cookie_value(alice.token, b"not-" + TEST_SECRET.encode())
    response = await client.get(ME, headers={"Cookie": f"better-auth.session_token={forged}"})
    assert response.status_code == 401


async def test_me_bad_authorization_header_does_not_fall_back_to_cookie(
    client: httpx.AsyncClient, alice: Actor
) -> None:
    headers = {**alice.cookie(), "Authorization": "Bearer wrong"}
    assert (await client.get(ME, headers=headers)).status_code == 401


async def test_me_jwt_uses_current_role_from_database(
    client: httpx.AsyncClient, db: AsyncSession, jwks: JwksServer, alice: Actor
) -> None:
    token = jwks.mint(sub=alice.user.id, sid=alice.session.id, claims={"role": "user"})
    await db.execute(update(User).where(User.id == alice.user.id).values(role="admin"))
    await db.commit()
    response = await client.get(ME, headers={"Authorization": f"Bearer {token}"})
    assert response.json()["role"] == "admin"


async def test_session_token_in_cookie_is_url_decoded(client: httpx.AsyncClient, alice: Actor) -> None:
    from gatehouse_fastapi._cookie_signature import sign

    cookie = quote(sign(alice.token, TEST_SECRET.encode()), safe="")
    response = await client.get(ME, headers={"Cookie": f"better-auth.session_token={cookie}"})
    assert response.status_code == 200


async def test_second_session_of_same_user_is_independent(
    client: httpx.AsyncClient, db: AsyncSession, alice: Actor
) -> None:
    other = Actor(alice.user, await make_session(db, alice.user))
    await db.execute(delete(UserSession).where(UserSession.id == alice.session.id))
    await db.commit()
    assert (await client.get(ME, headers=other.bearer())).status_code == 200
    assert (await client.get(ME, headers=alice.bearer())).status_code == 401


def test_require_role_needs_a_role() -> None:
    with pytest.raises(ValueError, match="at least one role"):
        require_role()


async def test_require_role_admits_any_listed_role(app: FastAPI, client: httpx.AsyncClient, db: AsyncSession) -> None:
    # Only configured roles (contract/gatehouse.json) grant anything; "user,editor" would be a plain user.
    editor = await make_actor(db, role="user,admin")
    viewer = await make_actor(db, role="user,editor")

    @app.get("/test-only/editors")
    async def editors_only(user: Annotated[AuthUser, Depends(require_role("editor", "admin"))]) -> dict[str, str]:
        return {"id": user.id}

    @app.get("/test-only/principal")
    async def principal(p: CurrentPrincipal) -> dict[str, str]:
        return {"credential": p.credential, "session": p.session.id}

    assert (await client.get("/test-only/editors", headers=editor.bearer())).status_code == 200
    denied = await client.get("/test-only/editors", headers=viewer.bearer())
    assert denied.status_code == 403
    assert denied.json()["code"] == "FORBIDDEN"
    body = (await client.get("/test-only/principal", headers=viewer.cookie())).json()
    assert body == {"credential": "cookie", "session": viewer.session.id}
