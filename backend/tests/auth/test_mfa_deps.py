"""`require_mfa()` and `require_recent_auth()`: 403 MFA_REQUIRED / REAUTHENTICATION_REQUIRED with `{code, message}`,
judged by the JWT's `amr` / `auth_time` claims or, for cookies and opaque tokens, the session row the auth server
records (`user_sessions.amr`, `user_sessions.auth_time`)."""

import uuid
from datetime import timedelta
from typing import Annotated

import httpx
import pytest
from fastapi import Depends, FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from gatehouse_fastapi import Principal, require_mfa, require_recent_auth
from gatehouse_test_support.jwks import JwksServer
from gatehouse_test_support.waiting import eventually
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.config import Settings
from app.core.db import Database
from app.main import create_app
from app.models import UserSession, utcnow
from tests.conftest import truncate_all
from tests.utils.factories import Actor, make_actor

MFA = "/test-only/mfa"
RECENT = "/test-only/recent"
USERS = "/api/v1/users"


@pytest.fixture
def guarded(app: FastAPI) -> FastAPI:
    @app.get(MFA)
    async def mfa_only(p: Annotated[Principal, Depends(require_mfa())]) -> dict[str, list[str]]:
        return {"amr": sorted(p.session.amr)}

    @app.get(RECENT)
    async def recent_only(p: Annotated[Principal, Depends(require_recent_auth(max_age=600))]) -> dict[str, str]:
        return {"session": p.session.id}

    return app


async def set_methods(db: AsyncSession, actor: Actor, amr: str | None, auth_age: timedelta | None) -> None:
    auth_time = None if auth_age is None else utcnow() - auth_age
    await db.execute(update(UserSession).where(UserSession.id == actor.session.id).values(amr=amr, auth_time=auth_time))
    await db.commit()


@pytest.mark.usefixtures("guarded")
async def test_require_mfa_refuses_a_password_session_and_admits_after_a_second_factor(
    client: httpx.AsyncClient, db: AsyncSession
) -> None:
    actor = await make_actor(db)
    await set_methods(db, actor, "pwd", timedelta(seconds=5))
    for headers in (actor.cookie(), actor.bearer()):
        refused = await client.get(MFA, headers=headers)
        assert refused.status_code == 403
        assert refused.json() == {
            "code": "MFA_REQUIRED",
            "message": "This action needs a session signed in with a second factor.",
        }
        assert 'error="insufficient_scope"' in refused.headers["www-authenticate"]
    await set_methods(db, actor, "pwd otp mfa", timedelta(seconds=5))
    for headers in (actor.cookie(), actor.bearer()):
        # Cached sessions are dropped when the feed delivers the change (migration's session_changed row).
        async def admitted_now(h: dict[str, str] = headers) -> bool:
            return (await client.get(MFA, headers=h)).status_code == 200

        await eventually(admitted_now, within=5.0)
        admitted = await client.get(MFA, headers=headers)
        assert admitted.status_code == 200, admitted.text
        assert admitted.json() == {"amr": ["mfa", "otp", "pwd"]}


@pytest.mark.usefixtures("guarded")
async def test_require_mfa_reads_the_jwt_claim_not_the_row(
    client: httpx.AsyncClient, db: AsyncSession, jwks: JwksServer
) -> None:
    actor = await make_actor(db)
    await set_methods(db, actor, "pwd otp mfa", timedelta(seconds=5))
    password_jwt = jwks.mint(sub=actor.user.id, sid=actor.session.id, claims={"amr": ["pwd"]})
    assert (await client.get(MFA, headers={"Authorization": f"Bearer {password_jwt}"})).status_code == 403
    for bad in ("pwd otp mfa", ["pwd", ["mfa"]], None):
        odd = jwks.mint(sub=actor.user.id, sid=actor.session.id, claims={"amr": bad})
        assert (await client.get(MFA, headers={"Authorization": f"Bearer {odd}"})).status_code == 403
    mfa_jwt = jwks.mint(sub=actor.user.id, sid=actor.session.id, claims={"amr": ["pwd", "otp", "mfa"]})
    assert (await client.get(MFA, headers={"Authorization": f"Bearer {mfa_jwt}"})).status_code == 200


@pytest.mark.usefixtures("guarded")
async def test_require_recent_auth_needs_a_factor_within_max_age(
    client: httpx.AsyncClient, db: AsyncSession, jwks: JwksServer
) -> None:
    actor = await make_actor(db)
    for age in (None, timedelta(seconds=601), timedelta(seconds=-300)):  # unknown, too old, from the future
        await set_methods(db, actor, "pwd", age)
        refused = await client.get(RECENT, headers=actor.cookie())
        assert refused.status_code == 403
        assert refused.json()["code"] == "REAUTHENTICATION_REQUIRED"
    await set_methods(db, actor, "pwd", timedelta(seconds=30))

    async def recent_ok() -> bool:
        return (await client.get(RECENT, headers=actor.cookie())).status_code == 200

    await eventually(recent_ok, within=5.0)
    now = int(utcnow().timestamp())
    old = jwks.mint(sub=actor.user.id, sid=actor.session.id, claims={"auth_time": now - 3600})
    fresh = jwks.mint(sub=actor.user.id, sid=actor.session.id, claims={"auth_time": now - 10})
    assert (await client.get(RECENT, headers={"Authorization": f"Bearer {old}"})).status_code == 403
    assert (await client.get(RECENT, headers={"Authorization": f"Bearer {fresh}"})).status_code == 200


def test_require_recent_auth_needs_a_positive_max_age() -> None:
    with pytest.raises(ValueError, match="positive"):
        require_recent_auth(max_age=0)


async def test_admin_require_mfa_guards_the_admin_routes(
    settings: Settings, db_kind: str, owner_database: Database
) -> None:
    app = create_app(settings.model_copy(update={"admin_require_mfa": True}))
    async with app.router.lifespan_context(app):
        # Rows are arranged as the owner: on PostgreSQL the app's own role only reads identity tables.
        database = owner_database
        if db_kind == "postgres":
            await truncate_all(database)
        async with database.sessionmaker() as db:
            boss = await make_actor(db, role="admin")
            user = await make_actor(db)
            await set_methods(db, boss, "pwd", timedelta(seconds=5))
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
                refused = await client.get(USERS, headers=boss.cookie())
                assert refused.status_code == 403
                assert refused.json()["code"] == "MFA_REQUIRED"
                # A non-admin still hears FORBIDDEN: the MFA rule says nothing to people who are not admins.
                assert (await client.get(USERS, headers=user.cookie())).json()["code"] == "FORBIDDEN"
                await set_methods(db, boss, "pwd otp mfa", timedelta(seconds=5))

                async def listed() -> bool:
                    return (await client.get(USERS, headers=boss.cookie())).status_code == 200

                await eventually(listed, within=5.0)


def other_users_routes(app: FastAPI, ids: dict[str, str]) -> list[tuple[str, str]]:
    """Every API route that names a user in its path (so a route added later is covered), filled from `ids`."""
    found: list[tuple[str, str]] = []
    for route in iter_route_contexts(app.routes):  # routes of included routers too, with their prefixes
        path = route.path_format or ""
        if isinstance(route.original_route, APIRoute) and path.startswith("/api/v1") and "{user_id}" in path:
            found.extend((method, path.format(**ids)) for method in sorted(route.methods or set()))
    return found


async def test_admin_require_mfa_guards_every_route_on_another_users_data(
    settings: Settings, db_kind: str, owner_database: Database, jwks: JwksServer
) -> None:
    """Not only the admin-only routes: those open to "the user themself or an admin" (profile, sessions, tasks,
    `email_verified`) refuse an admin without a second factor too, with MFA_REQUIRED, before anything is read or
    written; the user themself and a non-admin hear what they heard before."""
    app = create_app(settings.model_copy(update={"admin_require_mfa": True}))
    async with app.router.lifespan_context(app):
        if db_kind == "postgres":
            await truncate_all(owner_database)
        async with owner_database.sessionmaker() as db:
            boss = await make_actor(db, role="admin")
            victim = await make_actor(db)
            other = await make_actor(db)
        ids = {"user_id": victim.user.id, "session_id": victim.session.id, "task_id": str(uuid.uuid4())}
        routes = other_users_routes(app, ids)
        assert ("GET", f"{USERS}/{victim.user.id}") in routes
        assert ("DELETE", f"{USERS}/{victim.user.id}/sessions") in routes
        assert ("GET", f"{USERS}/{victim.user.id}/tasks") in routes

        def jwt(actor: Actor, amr: list[str]) -> dict[str, str]:
            token = jwks.mint(sub=actor.user.id, sid=actor.session.id, claims={"amr": amr})
            return {"Authorization": f"Bearer {token}"}

        def body(method: str, path: str) -> dict[str, object] | None:  # a valid body for each write
            if method in {"GET", "HEAD", "DELETE"}:
                return None
            if path.endswith("/role"):
                return {"role": "user"}
            if path.endswith("/ban"):
                return {"reason": "x"}
            return {"email_verified": False}

        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            for method, path in routes:
                refused = await client.request(method, path, json=body(method, path), headers=jwt(boss, ["pwd"]))
                assert (refused.status_code, refused.json()["code"]) == (403, "MFA_REQUIRED"), (method, path)
                stranger = await client.request(method, path, json=body(method, path), headers=jwt(other, ["pwd"]))
                assert (stranger.status_code, stranger.json()["code"]) == (403, "FORBIDDEN"), (method, path)
            # Nothing was changed, and the victim still reads their own data with a password-only session.
            own = await client.get(f"{USERS}/{victim.user.id}", headers=jwt(victim, ["pwd"]))
            assert (own.status_code, own.json()["name"]) == (200, victim.user.name)
            assert (await client.get(f"{USERS}/{victim.user.id}/sessions", headers=jwt(victim, ["pwd"]))).json()[
                "count"
            ] == 1
            # With a second factor the admin may act on the victim (a read, and the verified flag).
            mfa = jwt(boss, ["pwd", "otp", "mfa"])
            assert (await client.get(f"{USERS}/{victim.user.id}", headers=mfa)).status_code == 200
            assert (await client.get(f"{USERS}/{victim.user.id}/tasks", headers=mfa)).status_code == 200
