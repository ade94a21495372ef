"""`Gatehouse` configuration (fails fast), lifecycle, schema and mode detection, status, and the error edge."""

from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import httpx
import pytest
from fastapi import Depends, FastAPI
from gatehouse_test_support.jwks import JwksServer
from gatehouse_test_support.processes import free_port
from starlette.requests import Request

from gatehouse_fastapi import AdminUser as AdminUserDep
from gatehouse_fastapi import (
    AuthError,
    CurrentPrincipal,
    CurrentUser,
    ErrorCode,
    Gatehouse,
    Schema,
    Tuning,
    VerifiedUser,
    admin_user,
    auth_error_handler,
    current_user,
    error_codes,
    require_role,
    verified_user,
)
from gatehouse_fastapi._errors import bearer_challenge
from gatehouse_fastapi._models import AuthUser, CredentialKind, Principal, Session
from tests.conftest import SQLITE_LAYOUTS, TestDb, gatehouse_for
from tests.support.rows import TEST_SECRET

BASE: dict[str, Any] = {"auth_url": "http://127.0.0.1:1", "secret": TEST_SECRET, "database_url": "sqlite:/tmp/x.db"}


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"auth_url": "auth.example.com"}, "absolute http"),
        ({"secret": ""}, "BETTER_AUTH_SECRET"),
        ({"secret": "changeme"}, "placeholder"),
        ({"engine": object()}, "exactly one of database_url and engine"),
        ({"database_url": None}, "exactly one of database_url and engine"),
        ({"revocation": "sometimes"}, "revocation must be"),
        ({"default_role": "owner"}, "among roles"),
        ({"admin_roles": ["root"]}, "among roles"),
        ({"algorithms": ["HS256", "none"]}, "asymmetric"),
        ({"jwt_max_lifetime_seconds": 0}, "positive"),
    ],
)
def test_bad_configuration_fails_at_construction(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Gatehouse(**{**BASE, **overrides})


@pytest.mark.parametrize(
    "tuning",
    [
        {"feed_poll_interval_seconds": 1.0},
        {"jwks_min_refetch_seconds": 0},
        {"feed_max_staleness_seconds": 0},
        {"cache_max_entries": 0, "max_jwt_length": 10},
        {"verified_token_cache_entries": -1},
        {"user_cache_ttl_seconds": -1},
        {"db_pool_size": 0},
        {"db_pool_size": 101},
    ],
)
def test_bad_tuning_fails_at_construction(tuning: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="must"):
        Tuning(**tuning)


def test_defaults_follow_better_auth() -> None:
    auth = Gatehouse(**{**BASE, "auth_url": "https://auth.example.com/", "secret": TEST_SECRET.encode()})
    assert (auth.issuer, auth.audience) == ("https://auth.example.com", "https://auth.example.com")
    assert auth.jwks_url == "https://auth.example.com/api/auth/jwks"
    assert auth.algorithms == ["EdDSA"]
    assert auth.roles == {"user", "admin"}
    assert auth.admin_roles == {"admin"}


async def test_not_running_is_a_clear_error(jwks: JwksServer) -> None:
    auth = Gatehouse(**BASE)
    with pytest.raises(RuntimeError, match="lifespan"):
        auth.status()
    assert auth.feed is None


@pytest.mark.parametrize("db", SQLITE_LAYOUTS, indirect=True)
async def test_auto_detects_layout_and_mode(db: TestDb, jwks: JwksServer) -> None:
    auth = gatehouse_for(db, jwks)
    async with auth.running():
        status = auth.status()
        with pytest.raises(RuntimeError, match="already running"):
            async with auth.running():
                pass
    expected_schema = {"gatehouse": "gatehouse", "better-auth": "better-auth", "better-auth-core": "better-auth"}
    assert status.schema == expected_schema[db.layout]
    assert status.revocation == ("feed" if db.layout == "gatehouse" else "database")
    if db.layout == "gatehouse":
        assert status.feed == "live"
        assert status.feed_position is not None


async def test_custom_schema_is_reported_as_custom(db: TestDb, jwks: JwksServer) -> None:
    custom = Schema(
        user_table="users",
        session_table="user_sessions",
        account_table="accounts",
        user_fields=dict(Schema.gatehouse().user_fields),
        session_fields={**Schema.gatehouse().session_fields},
        account_fields={**Schema.gatehouse().account_fields, "scope": "scope"},
    )
    async with gatehouse_for(db, jwks, schema=custom).running() as auth:
        assert auth.status().schema == "custom"


async def test_auto_schema_on_an_empty_database_refuses_to_start(tmp_path: Path, jwks: JwksServer) -> None:
    auth = Gatehouse(auth_url=jwks.base_url, secret=TEST_SECRET, database_url=f"sqlite:{tmp_path / 'empty.db'}")
    with pytest.raises(LookupError, match="no better-auth tables"):
        async with auth.running():
            pass


async def test_a_missing_required_column_refuses_to_start(db: TestDb, jwks: JwksServer) -> None:
    wrong = Schema(user_table="users", session_table="user_sessions", account_table="accounts")  # camelCase names
    with pytest.raises(LookupError, match="emailVerified"):
        async with gatehouse_for(db, jwks, schema=wrong).running():
            pass


async def test_explicit_schema_starts_with_the_database_down(jwks: JwksServer, serve: Any) -> None:
    url = f"postgres://u:p@127.0.0.1:{free_port()}/nowhere"
    auth = Gatehouse(auth_url=jwks.base_url, secret=TEST_SECRET, database_url=url, schema=Schema.gatehouse())
    app = FastAPI(lifespan=auth.lifespan, exception_handlers=auth.exception_handlers)

    @app.get("/me")
    async def me(user: CurrentUser) -> dict[str, str]:
        return {"id": user.id}

    client: httpx.AsyncClient = await serve(app)
    assert auth.status().revocation == "database"  # the feed could not be detected: checked per request
    response = await client.get("/me")
    assert response.status_code == 401


async def test_dependency_without_a_running_gatehouse_is_a_configuration_error(serve: Any) -> None:
    app = FastAPI()

    @app.get("/me")
    async def me(user: CurrentUser) -> dict[str, str]:
        return {"id": user.id}

    client: httpx.AsyncClient = await serve(app)
    with pytest.raises(RuntimeError, match="no running Gatehouse"):
        await client.get("/me")


async def test_auth_error_without_its_handler_still_answers_status_and_challenge(
    db: TestDb, jwks: JwksServer, serve: Any
) -> None:
    auth = gatehouse_for(db, jwks)
    app = FastAPI(lifespan=auth.lifespan)  # exception_handlers forgotten

    @app.get("/me")
    async def me(user: CurrentUser) -> dict[str, str]:
        return {"id": user.id}

    client: httpx.AsyncClient = await serve(app)
    response = await client.get("/me")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Bearer realm="gatehouse"'
    assert response.json() == {"detail": "Authentication required."}


async def test_auth_error_handler_answers_only_auth_errors() -> None:
    request = Request({"type": "http", "headers": []})
    response = await auth_error_handler(request, AuthError(ErrorCode.FORBIDDEN, "No.", error="insufficient_scope"))
    assert response.status_code == 403
    with pytest.raises(TypeError):
        await auth_error_handler(request, ValueError("x"))


def test_challenge_strips_what_rfc_6750_forbids() -> None:
    assert bearer_challenge('a"b', "invalid_token", 'bad "quote" \\ é\n') == (
        'Bearer realm="ab", error="invalid_token", error_description="bad quote  "'
    )
    assert bearer_challenge("r", None, "ignored without an error") == 'Bearer realm="r"'


async def test_status_is_plain_data(db: TestDb, jwks: JwksServer) -> None:
    async with gatehouse_for(db, jwks, revocation="database").running() as auth:
        status = asdict(auth.status())
        assert status == {"revocation": "database", "feed": None, "feed_position": None, "schema": "gatehouse"}


async def test_dependencies_resolve_the_caller_once_per_request(
    db: TestDb, jwks: JwksServer, serve: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    auth = gatehouse_for(db, jwks)
    app = FastAPI(lifespan=auth.lifespan, exception_handlers=auth.exception_handlers)

    @app.get("/all")
    async def everything(user: CurrentUser, principal: CurrentPrincipal, verified: VerifiedUser) -> dict[str, bool]:
        return {"same": user is principal.user is verified}

    client: httpx.AsyncClient = await serve(app)
    calls = 0
    original = Gatehouse.authenticate

    async def counting(self: Gatehouse, connection: Any) -> Any:
        nonlocal calls
        calls += 1
        return await original(self, connection)

    monkeypatch.setattr(Gatehouse, "authenticate", counting)
    actor = await db.rows.actor()
    assert (await client.get("/all", headers=actor.bearer())).json() == {"same": True}
    assert calls == 1


def test_error_codes_document_each_dependency() -> None:
    assert error_codes(current_user) == (
        ErrorCode.UNAUTHORIZED,
        ErrorCode.BANNED_USER,
        ErrorCode.INVALID_ORIGIN,
        ErrorCode.MISSING_OR_NULL_ORIGIN,
    )
    assert ErrorCode.EMAIL_NOT_VERIFIED in error_codes(verified_user)
    assert ErrorCode.FORBIDDEN in error_codes(admin_user)
    assert ErrorCode.FORBIDDEN in error_codes(require_role("editor"))
    assert error_codes(test_error_codes_document_each_dependency) == ()


@pytest.mark.parametrize("require_mfa", [False, True])
def test_require_admin_is_the_one_admin_rule(require_mfa: bool) -> None:
    """The role first (a non-admin hears FORBIDDEN with the caller's message, never about MFA), then, with
    `admin_require_mfa`, a second factor on the session: what `AdminUser` and self-or-admin routes both apply."""
    auth = Gatehouse(**{**BASE, "admin_require_mfa": require_mfa})

    def principal(roles: frozenset[str], amr: frozenset[str]) -> Principal:
        user = AuthUser(id="u", email="u@example.com", name="U", email_verified=True, roles=roles)
        session = Session(id="s", user_id="u", expires_at=datetime.now(UTC) + timedelta(hours=1), amr=amr)
        return Principal(user=user, session=session, credential=CredentialKind.JWT)

    with pytest.raises(AuthError) as refused:
        auth.require_admin(principal(frozenset({"user"}), frozenset({"pwd", "otp", "mfa"})), "Yours only.")
    assert (refused.value.status_code, refused.value.code, refused.value.message) == (403, "FORBIDDEN", "Yours only.")
    auth.require_admin(principal(frozenset({"admin"}), frozenset({"pwd", "otp", "mfa"})))
    if not require_mfa:
        auth.require_admin(principal(frozenset({"admin"}), frozenset({"pwd"})))
        return
    with pytest.raises(AuthError) as refused:
        auth.require_admin(principal(frozenset({"admin"}), frozenset({"pwd"})))
    assert (refused.value.status_code, refused.value.code) == (403, "MFA_REQUIRED")


async def test_admin_rule_holds_for_every_admin_dependency(db: TestDb, jwks: JwksServer, serve: Any) -> None:
    """Under `admin_require_mfa`, a caller admitted as an admin needs a second factor whichever dependency admits
    them: `AdminUser`, `require_role("admin")`, or `require_role(...)` matching only an admin role. A role that
    is not an admin role admits without one."""
    auth = gatehouse_for(db, jwks, admin_require_mfa=True, roles=("user", "editor", "admin"))
    app = FastAPI(lifespan=auth.lifespan, exception_handlers=auth.exception_handlers)

    @app.get("/admin")
    async def admin(user: AdminUserDep) -> dict[str, str]:
        return {"id": user.id}

    @app.get("/role-admin")
    async def role_admin(user: Annotated[AuthUser, Depends(require_role("admin"))]) -> dict[str, str]:
        return {"id": user.id}

    @app.get("/editor-or-admin")
    async def editor_or_admin(user: Annotated[AuthUser, Depends(require_role("editor", "admin"))]) -> dict[str, str]:
        return {"id": user.id}

    client = await serve(app)
    boss = await db.rows.actor(role="admin")
    both = await db.rows.actor(role="editor,admin")

    def jwt(actor: Any, amr: list[str]) -> dict[str, str]:
        return {"Authorization": "Bearer " + jwks.mint(sub=actor.user_id, sid=actor.session_id, claims={"amr": amr})}

    for path in ("/admin", "/role-admin", "/editor-or-admin"):
        refused = await client.get(path, headers=jwt(boss, ["pwd"]))
        assert (refused.status_code, refused.json()["code"]) == (403, "MFA_REQUIRED"), path
        assert (await client.get(path, headers=jwt(boss, ["pwd", "otp", "mfa"]))).status_code == 200, path
    # Admitted as an editor, not as an admin: the admin rule does not apply.
    assert (await client.get("/editor-or-admin", headers=jwt(both, ["pwd"]))).status_code == 200
    assert (await client.get("/role-admin", headers=jwt(both, ["pwd"]))).json()["code"] == "MFA_REQUIRED"
