"""The public dependencies end to end, on every database kind and schema layout, in both revocation modes:
every credential accepted; revoked, banned, expired and forged ones refused with RFC 6750 challenges."""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import httpx
import pytest

from gatehouse_fastapi._cli import run as cli
from gatehouse_fastapi._time import utcnow
from tests.conftest import ALL_DATABASES, TestDb, gatehouse_for
from tests.support.apps import protected_app
from tests.support.jwks_server import JwksServer, SigningKey
from tests.support.rows import Actor
from tests.support.waiting import eventually

pytestmark = pytest.mark.parametrize("db", ALL_DATABASES, indirect=True)

NO_CREDENTIAL = 'Bearer realm="gatehouse"'
INVALID = (
    'Bearer realm="gatehouse", error="invalid_token", '
    'error_description="The credential is invalid, expired or revoked."'
)

Credential = Callable[[JwksServer, Actor], dict[str, str]]
CREDENTIALS: dict[str, Credential] = {
    "cookie": lambda jwks, actor: actor.cookie(),
    "secure-cookie": lambda jwks, actor: actor.cookie("__Secure-better-auth.session_token"),
    "bearer-raw": lambda jwks, actor: actor.bearer(),
    "bearer-signed": lambda jwks, actor: actor.signed_bearer(),
    "jwt": lambda jwks, actor: {"Authorization": f"Bearer {jwks.mint(sub=actor.user_id, sid=actor.session_id)}"},
}


@pytest.fixture(params=["feed", "database"])
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
async def client(db: TestDb, jwks: JwksServer, mode: str, serve: Any) -> httpx.AsyncClient:
    if mode == "feed" and db.layout != "gatehouse":
        assert await cli(["install-feed", "--database-url", db.url]) == 0
    auth = gatehouse_for(db, jwks, revocation=mode if db.layout == "gatehouse" else "auto")
    client: httpx.AsyncClient = await serve(protected_app(auth))
    return client


async def refused_within_a_second(client: httpx.AsyncClient, path: str, headers: dict[str, str], status: int) -> None:
    async def refused() -> bool:
        return (await client.get(path, headers=headers)).status_code == status

    await eventually(refused, within=1.0)


async def test_status_shows_the_revocation_mode(client: httpx.AsyncClient, mode: str) -> None:
    status = (await client.get("/status")).json()
    assert status["revocation"] == mode
    assert status["feed"] == ("live" if mode == "feed" else None)


@pytest.mark.parametrize("kind", list(CREDENTIALS))
async def test_each_credential_is_accepted(client: httpx.AsyncClient, db: TestDb, jwks: JwksServer, kind: str) -> None:
    actor = await db.rows.actor()
    response = await client.get("/principal", headers=CREDENTIALS[kind](jwks, actor))
    assert response.status_code == 200, response.text
    expected = "jwt" if kind == "jwt" else "cookie" if "cookie" in kind else "bearer"
    assert response.json() == {"credential": expected, "session": actor.session_id, "user": actor.user_id}


@pytest.mark.parametrize("kind", list(CREDENTIALS))
async def test_revoked_session_is_refused(client: httpx.AsyncClient, db: TestDb, jwks: JwksServer, kind: str) -> None:
    actor = await db.rows.actor()
    headers = CREDENTIALS[kind](jwks, actor)
    assert (await client.get("/me", headers=headers)).status_code == 200
    await db.rows.delete_session(actor.session_id)
    await refused_within_a_second(client, "/me", headers, 401)
    response = await client.get("/me", headers=headers)
    assert response.headers["www-authenticate"] == INVALID
    assert response.json() == {"code": "UNAUTHORIZED", "message": "The credential is invalid, expired or revoked."}


@pytest.mark.parametrize("kind", list(CREDENTIALS))
async def test_banned_user_is_forbidden(client: httpx.AsyncClient, db: TestDb, jwks: JwksServer, kind: str) -> None:
    if db.layout == "better-auth-core":
        pytest.skip("no admin plugin: no ban column")
    actor = await db.rows.actor()
    headers = CREDENTIALS[kind](jwks, actor)
    assert (await client.get("/me", headers=headers)).status_code == 200
    await db.rows.update_user(actor.user_id, banned=True)  # sessions left in place: the flag alone must refuse
    await refused_within_a_second(client, "/me", headers, 403)
    response = await client.get("/me", headers=headers)
    assert response.json()["code"] == "BANNED_USER"
    assert response.headers["www-authenticate"].startswith('Bearer realm="gatehouse", error="insufficient_scope"')


async def test_expired_ban_no_longer_counts(client: httpx.AsyncClient, db: TestDb) -> None:
    if db.layout == "better-auth-core":
        pytest.skip("no admin plugin: no ban column")
    actor = await db.rows.actor(banned=True, ban_expires=utcnow() - timedelta(minutes=1))
    assert (await client.get("/me", headers=actor.bearer())).status_code == 200


@pytest.mark.parametrize("kind", list(CREDENTIALS))
async def test_expired_session_is_refused(client: httpx.AsyncClient, db: TestDb, jwks: JwksServer, kind: str) -> None:
    actor = await db.rows.actor()
    await db.rows.update_session(actor.session_id, expiresAt=utcnow() - timedelta(seconds=1))
    assert (await client.get("/me", headers=CREDENTIALS[kind](jwks, actor))).status_code == 401


@pytest.mark.parametrize(
    "forge",
    [
        pytest.param(lambda jwks, a: a.cookie(secret="not-the-secret-0123456789-abcdefghijklmnop"), id="cookie"),
        pytest.param(lambda jwks, a: a.signed_bearer(secret="not-the-secret-0123456789-abcdefghijklmn"), id="bearer"),
        pytest.param(
            lambda jwks, a: {
                "Authorization": "Bearer "
                + jwks.mint(sub=a.user_id, sid=a.session_id, key=SigningKey(kid="test-key-1"))
            },
            id="jwt-other-key-same-kid",
        ),
        pytest.param(
            lambda jwks, a: {"Authorization": "Bearer " + jwks.mint(sub=a.user_id, sid=a.session_id, lifetime=-60)},
            id="jwt-expired",
        ),
        pytest.param(
            lambda jwks, a: {"Authorization": "Bearer " + jwks.mint(sub=a.user_id, sid="someone-elses-session")},
            id="jwt-wrong-sid",
        ),
        pytest.param(
            lambda jwks, a: {
                "Authorization": "Bearer " + jwks.mint(sub=a.user_id, sid=a.session_id, claims={"aud": "x"})
            },
            id="jwt-wrong-audience",
        ),
    ],
)
async def test_forged_or_expired_credential_is_refused(
    client: httpx.AsyncClient, db: TestDb, jwks: JwksServer, forge: Credential
) -> None:
    actor = await db.rows.actor()
    response = await client.get("/me", headers=forge(jwks, actor))
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == INVALID


async def test_no_credential_gets_a_bare_challenge_and_optional_user_is_none(client: httpx.AsyncClient) -> None:
    response = await client.get("/me")
    assert (response.status_code, response.headers["www-authenticate"]) == (401, NO_CREDENTIAL)
    assert response.json()["code"] == "UNAUTHORIZED"
    assert (await client.get("/optional")).json() == {"id": None}


async def test_optional_user_still_refuses_a_bad_credential(client: httpx.AsyncClient, db: TestDb) -> None:
    actor = await db.rows.actor()
    assert (await client.get("/optional", headers=actor.bearer())).json() == {"id": actor.user_id}
    assert (await client.get("/optional", headers={"Authorization": "Bearer nope"})).status_code == 401


async def test_verified_user_needs_a_verified_email(client: httpx.AsyncClient, db: TestDb) -> None:
    unverified = await db.rows.actor(verified=False)
    response = await client.get("/verified", headers=unverified.bearer())
    assert (response.status_code, response.json()["code"]) == (403, "EMAIL_NOT_VERIFIED")
    verified = await db.rows.actor()
    assert (await client.get("/verified", headers=verified.bearer())).status_code == 200


async def test_roles_are_parsed_as_better_auth_parses_them(client: httpx.AsyncClient, db: TestDb) -> None:
    if db.layout == "better-auth-core":
        admin_ = await db.rows.actor()
        assert (await client.get("/me", headers=admin_.bearer())).json()["roles"] == ["user"]  # the default role
        return
    admin_ = await db.rows.actor(role="user,admin")
    assert (await client.get("/admin", headers=admin_.bearer())).status_code == 200
    assert (await client.get("/editors", headers=admin_.bearer())).status_code == 200
    for role in ("user", "user, admin", " admin", "Admin", "user,editor", ""):
        actor = await db.rows.actor(role=role)
        response = await client.get("/admin", headers=actor.bearer())
        assert (response.status_code, response.json()["code"]) == (403, "FORBIDDEN"), role
        assert (await client.get("/editors", headers=actor.bearer())).status_code == 403, role
    nobody = await db.rows.actor(role=None)
    assert (await client.get("/me", headers=nobody.bearer())).json()["roles"] == ["user"]


async def test_role_change_applies_to_the_next_request(client: httpx.AsyncClient, db: TestDb) -> None:
    if db.layout == "better-auth-core":
        pytest.skip("no admin plugin: no role column")
    actor = await db.rows.actor(role="admin")
    assert (await client.get("/admin", headers=actor.bearer())).status_code == 200
    await db.rows.update_user(actor.user_id, role="user")
    await refused_within_a_second(client, "/admin", actor.bearer(), 403)
