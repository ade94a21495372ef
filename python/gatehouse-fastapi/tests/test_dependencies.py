"""The public dependencies end to end, on every database kind and schema layout, in both revocation modes:
every credential accepted; revoked, banned, expired and forged ones refused with RFC 6750 challenges."""

import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import httpx
import pytest
from gatehouse_test_support.jwks import JwksServer, SigningKey
from gatehouse_test_support.waiting import eventually

from gatehouse_fastapi._cli import run as cli
from gatehouse_fastapi._time import utcnow
from tests.conftest import ALL_DATABASES, TestDb, gatehouse_for
from tests.support.apps import protected_app
from tests.support.rows import Actor

pytestmark = pytest.mark.parametrize("db", ALL_DATABASES, indirect=True)

NO_CREDENTIAL = 'Bearer realm="gatehouse"'
INVALID = (
    'Bearer realm="gatehouse", error="invalid_token", '
    'error_description="The credential is invalid, expired or revoked."'
)

Credential = Callable[[JwksServer, Actor], dict[str, str]]
CREDENTIALS: dict[str, Credential] = {
    "cookie": lambda jwks, actor: actor.cookie(),
    "bearer-raw": lambda jwks, actor: actor.bearer(),
    "bearer-signed": lambda jwks, actor: actor.signed_bearer(),
    "jwt": lambda jwks, actor: {"Authorization": f"Bearer {jwks.mint(sub=actor.user_id, sid=actor.session_id)}"},
    # stock better-auth's jwt plugin: no `sid` in the payload (the token names only its user)
    "jwt-without-sid": lambda jwks, actor: {"Authorization": f"Bearer {unbound_jwt(jwks, actor)}"},
}


def unbound_jwt(jwks: JwksServer, actor: Actor) -> str:
    return jwks.mint(sub=actor.user_id, sid=None, claims={"emailVerified": True, "email_verified": None})


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


async def test_each_credential_is_accepted(client: httpx.AsyncClient, db: TestDb, jwks: JwksServer) -> None:
    actor = await db.rows.actor()
    for kind, credential in CREDENTIALS.items():
        response = await client.get("/principal", headers=credential(jwks, actor))
        assert response.status_code == 200, (kind, response.text)
        expected = "jwt" if "jwt" in kind else "cookie" if "cookie" in kind else "bearer"
        assert response.json() == {"credential": expected, "session": actor.session_id, "user": actor.user_id}


async def test_revoked_session_is_refused(client: httpx.AsyncClient, db: TestDb, jwks: JwksServer) -> None:
    actors = {kind: await db.rows.actor() for kind in CREDENTIALS}
    headers = {kind: CREDENTIALS[kind](jwks, actor) for kind, actor in actors.items()}
    for kind in CREDENTIALS:
        assert (await client.get("/me", headers=headers[kind])).status_code == 200
    for actor in actors.values():
        await db.rows.delete_session(actor.session_id)
    for kind in CREDENTIALS:
        await refused_within_a_second(client, "/me", headers[kind], 401)
        response = await client.get("/me", headers=headers[kind])
        assert response.headers["www-authenticate"] == INVALID, kind
        assert response.json() == {"code": "UNAUTHORIZED", "message": "The credential is invalid, expired or revoked."}


async def test_banned_user_is_refused(client: httpx.AsyncClient, db: TestDb, jwks: JwksServer, mode: str) -> None:
    if db.layout == "better-auth-core":
        pytest.skip("no admin plugin: no ban column")
    actor = await db.rows.actor()
    for kind in CREDENTIALS:
        assert (await client.get("/me", headers=CREDENTIALS[kind](jwks, actor))).status_code == 200, kind
    await db.rows.update_user(actor.user_id, banned=True)  # as an operator's SQL would: the flag alone
    # Gatehouse's ban rule (its migration 0007, and install-feed's copy) deletes the banned user's sessions;
    # without those triggers the sessions stay and the flag refuses them.
    revoked_by_the_database = db.layout == "gatehouse" or mode == "feed"
    for kind in CREDENTIALS:
        headers = CREDENTIALS[kind](jwks, actor)
        await refused_within_a_second(client, "/me", headers, 401 if revoked_by_the_database else 403)
    later, _ = await db.rows.session(actor.user_id)  # a session that exists while the ban is in force
    token = await db.rows.session_token(later)
    response = await client.get("/me", headers={"Authorization": f"Bearer {token}"})
    assert (response.status_code, response.json()["code"]) == (403, "BANNED_USER")
    assert response.headers["www-authenticate"].startswith('Bearer realm="gatehouse", error="insufficient_scope"')


async def test_expired_ban_no_longer_counts(client: httpx.AsyncClient, db: TestDb) -> None:
    if db.layout == "better-auth-core":
        pytest.skip("no admin plugin: no ban column")
    actor = await db.rows.actor(banned=True, ban_expires=utcnow() - timedelta(minutes=1))
    assert (await client.get("/me", headers=actor.bearer())).status_code == 200


async def test_expired_session_is_refused(client: httpx.AsyncClient, db: TestDb, jwks: JwksServer) -> None:
    actor = await db.rows.actor()
    await db.rows.update_session(actor.session_id, expiresAt=utcnow() - timedelta(seconds=1))
    for kind in CREDENTIALS:
        assert (await client.get("/me", headers=CREDENTIALS[kind](jwks, actor))).status_code == 401, kind


FORGERIES: dict[str, Credential] = {
    "cookie-other-secret": lambda jwks, a: a.cookie(secret="not-the-secret-0123456789-abcdefghijklmnop"),
    "bearer-other-secret": lambda jwks, a: a.signed_bearer(secret="not-the-secret-0123456789-abcdefghijklm"),
    "jwt-other-key-same-kid": lambda jwks, a: {
        "Authorization": "Bearer " + jwks.mint(sub=a.user_id, sid=a.session_id, key=SigningKey(kid="test-key-1"))
    },
    # Signed with the real key for longer than the auth server issues (900 s): only a leaked key mints these.
    "jwt-lifetime-too-long": lambda jwks, a: {
        "Authorization": "Bearer " + jwks.mint(sub=a.user_id, sid=a.session_id, lifetime=30 * 86400)
    },
    "jwt-expired": lambda jwks, a: {
        "Authorization": "Bearer " + jwks.mint(sub=a.user_id, sid=a.session_id, lifetime=-60)
    },
    "jwt-wrong-sid": lambda jwks, a: {"Authorization": "Bearer " + jwks.mint(sub=a.user_id, sid="someone-elses")},
    "jwt-wrong-audience": lambda jwks, a: {
        "Authorization": "Bearer " + jwks.mint(sub=a.user_id, sid=a.session_id, claims={"aud": "x"})
    },
}


async def test_forged_or_expired_credential_is_refused(client: httpx.AsyncClient, db: TestDb, jwks: JwksServer) -> None:
    actor = await db.rows.actor()
    for name, forge in FORGERIES.items():
        response = await client.get("/me", headers=forge(jwks, actor))
        assert response.status_code == 401, name
        assert response.headers["www-authenticate"] == INVALID, name


async def test_no_credential_gets_a_bare_challenge_and_optional_user_is_none(client: httpx.AsyncClient) -> None:
    response = await client.get("/me")
    assert (response.status_code, response.headers["www-authenticate"]) == (401, NO_CREDENTIAL)
    assert response.json()["code"] == "UNAUTHORIZED"
    assert (await client.get("/optional")).json() == {"id": None}


async def test_only_a_bearer_credential_takes_the_cookies_place(client: httpx.AsyncClient, db: TestDb) -> None:
    # As at the auth server (its bearer plugin takes up only `Bearer <something>`): another scheme or an empty
    # Bearer leaves the cookie to decide, so a proxy's Basic credentials do not break cookie sessions.
    actor, other = await db.rows.actor(), await db.rows.actor()
    for value in ("Basic dXNlcjpwYXNz", "Bearer", "Bearer  ", "Token abc.def", ""):
        response = await client.get("/me", headers={"Authorization": value, **actor.cookie()})
        assert (response.status_code, response.json().get("id")) == (200, actor.user_id), value
        bare = await client.get("/me", headers={"Authorization": value})
        assert (bare.status_code, bare.headers["www-authenticate"]) == (401, NO_CREDENTIAL), value
    # A Bearer credential decides alone: a bad one is refused beside a valid cookie, a good one names its user.
    refused = await client.get("/me", headers={"Authorization": "Bearer nope.nope", **actor.cookie()})
    assert (refused.status_code, refused.headers["www-authenticate"]) == (401, INVALID)
    named = await client.get("/me", headers={**other.bearer(), **actor.cookie()})
    assert named.json()["id"] == other.user_id


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


async def test_jwt_without_sid_dies_with_its_users_sessions(
    client: httpx.AsyncClient, db: TestDb, jwks: JwksServer, mode: str
) -> None:
    actor = await db.rows.actor()
    other_session, _ = await db.rows.session(actor.user_id)
    headers = CREDENTIALS["jwt-without-sid"](jwks, actor)
    assert (await client.get("/me", headers=headers)).status_code == 200
    await db.rows.delete_session(other_session)
    if mode == "feed":
        # The feed knows a session of this user died after the token was issued: it cannot tell which one.
        await refused_within_a_second(client, "/me", headers, 401)
    else:
        assert (await client.get("/me", headers=headers)).status_code == 200  # another session is still live
    await db.rows.delete_session(actor.session_id)  # signed out everywhere
    await refused_within_a_second(client, "/me", headers, 401)


async def test_jwt_without_sid_does_not_ride_a_session_created_after_it(
    client: httpx.AsyncClient, db: TestDb, jwks: JwksServer
) -> None:
    actor = await db.rows.actor()
    await db.rows.update_session(actor.session_id, createdAt=utcnow() - timedelta(seconds=20))  # signed in at -20 s
    # Minted at -10 s (for 900 s, as the auth server mints: `exp - iat` is the lifetime).
    token = jwks.mint(sub=actor.user_id, sid=None, claims={"iat": int(time.time()) - 10}, lifetime=890)
    headers = {"Authorization": f"Bearer {token}"}
    assert (await client.get("/me", headers=headers)).status_code == 200
    await db.rows.delete_session(actor.session_id)  # signed out everywhere ...
    await db.rows.session(actor.user_id)  # ... and signed in again now: a session newer than the token
    await refused_within_a_second(client, "/me", headers, 401)


async def test_require_sid_claim_refuses_tokens_without_one(db: TestDb, jwks: JwksServer, serve: Any) -> None:
    client: httpx.AsyncClient = await serve(protected_app(gatehouse_for(db, jwks, require_sid_claim=True)))
    actor = await db.rows.actor()
    assert (await client.get("/me", headers=CREDENTIALS["jwt"](jwks, actor))).status_code == 200
    assert (await client.get("/me", headers=CREDENTIALS["jwt-without-sid"](jwks, actor))).status_code == 401


@pytest.mark.parametrize("secure", [False, True])
async def test_the_session_cookie_is_read_under_the_one_name_the_auth_server_gives_it(
    db: TestDb, jwks: JwksServer, serve: Any, secure: bool
) -> None:
    # better-auth names the cookie `__Secure-…` exactly when its cookies are secure (an https base URL, or
    # advanced.useSecureCookies) and reads only that name; a cookie under the other name is not its session.
    auth = gatehouse_for(db, jwks, secure_cookies=secure)
    client = await serve(protected_app(auth))
    actor = await db.rows.actor()
    plain, prefixed = "better-auth.session_token", "__Secure-better-auth.session_token"
    read, ignored = (prefixed, plain) if secure else (plain, prefixed)
    assert (await client.get("/principal", headers=actor.cookie(read))).status_code == 200
    refused = await client.get("/principal", headers=actor.cookie(ignored))
    assert refused.status_code == 401
    assert refused.headers["www-authenticate"] == NO_CREDENTIAL


async def test_secure_cookies_follow_the_issuer_by_default(db: TestDb, jwks: JwksServer) -> None:
    # An internal http:// auth_url with the public https:// issuer: the public, secure name (docker-compose).
    assert gatehouse_for(db, jwks, issuer="https://auth.example.com").session_cookie_name == (
        "__Secure-better-auth.session_token"
    )
    assert gatehouse_for(db, jwks).session_cookie_name == "better-auth.session_token"
    assert gatehouse_for(db, jwks, cookie_prefix="app", secure_cookies=True).session_cookie_name == (
        "__Secure-app.session_token"
    )
