"""Drives the real auth server through every operation its OpenAPI document describes, as the people who use each:
anonymous, a normal user, an admin, a user signed in with an OpenID provider. Each call is recorded (recorder.py);
the test module checks the recordings against the document."""

import asyncio
import re
import time
from urllib.parse import parse_qs, urlsplit

import httpx

from tests.integration.conftest import PASSWORD, SignedIn, sign_up_and_verify
from tests.integration.oidc import FRONTEND, credentials, provider_sign_in
from tests.integration.openapi.conftest import ADMIN, USER, person
from tests.integration.openapi.recorder import Recorder

NEW_PASSWORD = "another correct horse battery 43"
# Under /admin/ but open to every signed-in user: asking about one's own permissions, ending an impersonation.
NOT_ADMIN_ONLY = {"/admin/has-permission", "/admin/stop-impersonating"}


def raw(signed_in: SignedIn) -> str:
    """The session token itself: set-auth-token carries it signed, as "<token>.<signature>"."""
    return signed_in.bearer_token.split(".")[0]


def unique(tag: str) -> str:
    return f"openapi-{tag}-{time.monotonic_ns()}@example.com"


async def mail_token(http: httpx.AsyncClient, email: str, path: str) -> str:
    """The token of the newest `path` link mailed to `email` (dev outbox), waiting up to 5 s for the mail: the web
    app's `{path}?token=…`, or better-auth's `/api/auth{path}/<token>?callbackURL=…` when the client gave a
    trusted callbackURL / redirectTo (mailed links honour it)."""
    for _ in range(50):
        mails = (await http.get("/api/dev/outbox", params={"to": email})).json()
        links = [m for mail in mails for m in re.findall(rf"https?://\S+{path}(?:\?token=|/)\S+", mail["text"])]
        if links:
            url = urlsplit(links[-1])
            token: str = parse_qs(url.query).get("token", [url.path.rsplit("/", 1)[-1]])[0]
            return token
        await asyncio.sleep(0.1)
    raise AssertionError(f"no {path} mail for {email}")


async def record_public(rec: Recorder) -> None:
    """Operations anyone may call."""
    await rec.call("GET /ok", expect=200)
    await rec.call("GET /error", params={"error": "access_denied"}, expect=200)
    await rec.call("GET /jwks", expect=200)
    await rec.call("GET /providers", expect=200)
    await rec.call("GET /get-session", expect=200)
    await rec.call("POST /sign-out", json={}, expect=200)
    email = unique("signup")
    await rec.call("POST /sign-up/email", json={"email": email, "password": PASSWORD, "name": "New"}, expect=200)
    await rec.call("POST /send-verification-email", json={"email": email}, expect=200)
    token = await mail_token(rec.http, email, "/verify-email")
    await rec.call("GET /verify-email", params={"token": token, "callbackURL": f"{FRONTEND}/verified"}, expect=302)
    await rec.call("POST /sign-in/email", json={"email": email, "password": PASSWORD}, expect=200)
    await rec.call("POST /sign-in/email", json={"email": email, "password": "wrong password 1"}, expect=401)
    await rec.call("POST /sign-in/email", json={"email": "x"}, expect=400, request_follows_document=False)
    second = unique("verify")
    await rec.call("POST /sign-up/email", json={"email": second, "password": PASSWORD, "name": "Two"}, expect=200)
    token = await mail_token(rec.http, second, "/verify-email")
    await rec.call("GET /verify-email", params={"token": token}, expect=200)
    await rec.call("GET /verify-email", params={"token": "not-a-token"}, expect={400, 401})
    await rec.call("POST /request-password-reset", json={"email": email, "redirectTo": f"{FRONTEND}/reset"}, expect=200)
    token = await mail_token(rec.http, email, "/reset-password")
    await rec.call(
        "GET /reset-password/{token}",
        path=f"/reset-password/{token}",
        params={"callbackURL": f"{FRONTEND}/reset"},
        expect=302,
    )
    await rec.call("GET /password-link", params={"token": token}, expect=200)
    # A secret no sign-up bound reads as pending (plugins/verification-waiter).
    await rec.call("POST /verification-waiter/status", json={"secret": "w" * 43}, expect=200)
    await rec.call("POST /reset-password", json={"newPassword": NEW_PASSWORD, "token": token}, expect=200)
    await rec.call("GET /password-link", params={"token": token}, expect=200)
    await rec.call("POST /reset-password", json={"newPassword": NEW_PASSWORD, "token": token}, expect=400)
    await rec.call("POST /sign-in/social", json={"provider": "acme", "callbackURL": f"{FRONTEND}/"}, expect=200)
    await rec.call("GET /callback/{id}", path="/callback/acme", params={"state": "forged", "code": "x"}, expect=302)
    await rec.call("POST /callback/{id}", path="/callback/acme", data={"state": "forged", "code": "x"}, expect=302)


async def record_user(rec: Recorder, user: SignedIn) -> None:
    """A normal user's own account and sessions (bearer token and cookie)."""
    who, auth = "user", user.bearer()
    await rec.call("GET /get-session", who=who, headers=auth, expect=200)
    await rec.call("GET /get-session", who=who, headers=user.cookie(), expect=200)
    await rec.call("GET /me", who=who, headers=auth, expect=200)
    await rec.call("GET /token", who=who, headers=auth, expect=200)
    await rec.call("GET /list-sessions", who=who, headers=auth, expect=200)
    own = (await rec.call("GET /list-accounts", who=who, headers=auth, expect=200)).json()[0]["id"]
    await rec.call("POST /verify-password", who=who, headers=auth, json={"password": PASSWORD}, expect=200)
    await rec.call("POST /update-user", who=who, headers=auth, json={"name": "Renamed", "image": None}, expect=200)
    await rec.call(
        "POST /send-verification-email", who=who, headers=auth, json={"email": user.email}, expect={200, 400}
    )
    await rec.call("POST /change-email", who=who, headers=auth, json={"newEmail": unique("new")}, expect=200)
    await rec.call(
        "POST /link-social", who=who, headers=auth, json={"provider": "acme", "callbackURL": f"{FRONTEND}/"}, expect=200
    )
    await rec.call("POST /unlink-account", who=who, headers=auth, json={"accountId": own}, expect=400)
    await rec.call("POST /get-access-token", who=who, headers=auth, json={"accountId": own}, expect=400)
    await rec.call("DELETE /sessions/{id}", who=who, headers=auth, path="/sessions/nope", expect=404)
    other = await person(rec.http, user.email)
    sessions = (await rec.call("GET /sessions", who=who, headers=auth, expect=200)).json()
    current = next(s["id"] for s in sessions if s["isCurrent"])
    await rec.call("DELETE /sessions/{id}", who=who, headers=auth, path=f"/sessions/{current}", expect=400)
    target = next(s["id"] for s in sessions if not s["isCurrent"])
    await rec.call("DELETE /sessions/{id}", who=who, headers=auth, path=f"/sessions/{target}", expect=204)
    other = await person(rec.http, user.email)
    await rec.call("POST /revoke-session", who=who, headers=auth, json={"token": raw(other)}, expect=200)
    await person(rec.http, user.email)
    await rec.call("POST /revoke-other-sessions", who=who, headers=auth, json={}, expect=200)
    await rec.call(
        "POST /sign-out", who=who, headers=(await person(rec.http, user.email)).bearer(), json={}, expect=200
    )
    await rec.call("POST /revoke-sessions", who=who, headers=(await person(rec.http, user.email)).bearer(), json={})
    # A throwaway account changes its password, then deletes itself.
    email = unique("leaver")
    await sign_up_and_verify(rec.http, email)
    leaver = await person(rec.http, email)
    body = {"currentPassword": PASSWORD, "newPassword": NEW_PASSWORD, "revokeOtherSessions": True}
    changed = await rec.call("POST /change-password", who=who, headers=leaver.bearer(), json=body, expect=200)
    fresh = {"Authorization": f"Bearer {changed.json()['token']}"}
    await rec.call("POST /delete-user", who=who, headers=fresh, json={"password": NEW_PASSWORD}, expect=200)


async def record_link(rec: Recorder, auth_url: str, user: SignedIn) -> None:
    """A password user links a provider account in the browser, then unlinks it."""
    who = "user"
    async with httpx.AsyncClient(base_url=auth_url, timeout=30) as browser:
        body = {"provider": "acme", "callbackURL": f"{FRONTEND}/account"}
        headers = {**user.bearer(), "Origin": FRONTEND}
        rec.http, saved = browser, rec.http  # the browser keeps the state cookie link-social sets
        try:
            start = await rec.call("POST /link-social", who=who, headers=headers, json=body, expect=200)
        finally:
            rec.http = saved
        done = await provider_sign_in(browser, auth_url, "acme-link", start=start)
        assert done.status_code == 302, done.text
        assert "error" not in done.headers["location"], done.headers["location"]
    accounts = (await rec.call("GET /list-accounts", who=who, headers=user.bearer(), expect=200)).json()
    linked = next(a["id"] for a in accounts if a["providerId"] == "acme")
    await rec.call("POST /unlink-account", who=who, headers=user.bearer(), json={"accountId": linked}, expect=200)


async def record_oauth(rec: Recorder, auth_url: str) -> None:
    """A user who signed in with the OpenID provider: provider tokens and account details."""
    async with httpx.AsyncClient(timeout=30) as browser:
        done = await provider_sign_in(browser, auth_url, "acme-oa")
        assert done.status_code == 302, done.text
        _, auth = credentials(browser)
    who = "oauth user"
    accounts = (await rec.call("GET /list-accounts", who=who, headers=auth, expect=200)).json()
    account = {"accountId": next(a["id"] for a in accounts if a["providerId"] == "acme")}
    await rec.call("GET /account-info", who=who, headers=auth, params=account, expect=200)
    await rec.call("POST /get-access-token", who=who, headers=auth, json=account, expect=200)
    await rec.call("POST /refresh-token", who=who, headers=auth, json=account, expect={200, 400})
    # The provider account is this user's only way in: it cannot be unlinked.
    await rec.call("POST /unlink-account", who=who, headers=auth, json=account, expect=400)


async def record_admin(rec: Recorder, admin: SignedIn, user: SignedIn) -> None:
    """User administration."""
    who, auth = "admin", admin.bearer()
    await rec.call("GET /admin/list-users", who=who, headers=auth, params={"limit": 5, "offset": 0}, expect=200)
    await rec.call("GET /admin/list-users", who=who, headers=auth, params={"searchValue": "openapi"}, expect=200)
    await rec.call("GET /admin/get-user", who=who, headers=auth, params={"id": user.user_id}, expect=200)
    await rec.call("GET /admin/get-user", who=who, headers=auth, params={"id": "nope"}, expect=404)
    await rec.call(
        "POST /admin/has-permission", who=who, headers=auth, json={"permissions": {"user": ["list"]}}, expect=200
    )
    body = {"email": unique("created"), "password": PASSWORD, "name": "Created", "role": "user"}
    created = (await rec.call("POST /admin/create-user", who=who, headers=auth, json=body, expect=200)).json()["user"]
    target = {"userId": created["id"]}
    await rec.call("POST /admin/send-verification-email", who=who, headers=auth, json=target, expect=200)
    verified = {"userId": user.user_id}
    await rec.call("POST /admin/send-verification-email", who=who, headers=auth, json=verified, expect=400)
    await rec.call(
        "POST /admin/update-user", who=who, headers=auth, json={**target, "data": {"name": "Upd"}}, expect=200
    )
    await rec.call("POST /admin/set-role", who=who, headers=auth, json={**target, "role": "admin"}, expect=200)
    await rec.call("POST /admin/set-role", who=who, headers=auth, json={**target, "role": "user"}, expect=200)
    password = {**target, "newPassword": NEW_PASSWORD}
    await rec.call("POST /admin/set-user-password", who=who, headers=auth, json=password, expect=200)
    await rec.call("POST /admin/list-user-sessions", who=who, headers=auth, json={"userId": user.user_id}, expect=200)
    # A browser keeps the admin_session cookie impersonate-user sets; stop-impersonating needs it back.
    imp = await rec.call("POST /admin/impersonate-user", who=who, headers=admin.cookie(), json=target, expect=200)
    imp_auth = {"Authorization": f"Bearer {imp.headers['set-auth-token']}"}
    await rec.call("GET /sessions", who="impersonating admin", headers=imp_auth, expect=200)
    await rec.call("POST /admin/stop-impersonating", who="impersonating admin", headers=imp_auth, json={}, expect=400)
    # Set-Cookie first expires the admin's cookies, then sets the new ones: keep the last value of each.
    jar = dict(c.split(";", 1)[0].split("=", 1) for c in imp.headers.get_list("set-cookie"))
    imp_cookie = {"Cookie": "; ".join(f"{name}={value}" for name, value in jar.items() if value)}
    await rec.call("POST /admin/stop-impersonating", who="impersonating admin", headers=imp_cookie, json={}, expect=200)
    victim = await person(rec.http, user.email)
    token = {"sessionToken": raw(victim)}
    await rec.call("POST /admin/revoke-user-session", who=who, headers=auth, json=token, expect=200)
    await rec.call("POST /admin/revoke-user-sessions", who=who, headers=auth, json=target, expect=200)
    ban = {**target, "banReason": "spam", "banExpiresIn": 3600}
    await rec.call("POST /admin/ban-user", who=who, headers=auth, json=ban, expect=200)
    await rec.call(
        "GET /admin/list-users",
        who=who,
        headers=auth,
        params={"filterField": "banned", "filterValue": "true"},
        expect=200,
    )
    await rec.call("POST /admin/unban-user", who=who, headers=auth, json=target, expect=200)
    await rec.call("POST /admin/remove-user", who=who, headers=auth, json=target, expect=200)
    await rec.call("POST /admin/remove-user", who=who, headers=auth, json=target, expect=404)


# Second-factor steps that need a TOTP code from an enrolled authenticator app or a WebAuthn authenticator:
# called here (their refusals are recorded and checked), driven to success by the auth server's own tests
# (auth-server/test/second-factor.test.ts, official-client test); not recorded succeeding here yet.
SECOND_FACTOR_CEREMONIES = (
    "POST /two-factor/enable",
    "POST /two-factor/disable",
    "POST /two-factor/get-totp-uri",
    "POST /two-factor/generate-backup-codes",
    "POST /two-factor/verify-totp",
    "POST /two-factor/verify-backup-code",
    "POST /passkey/verify-registration",
    "POST /passkey/verify-authentication",
    "POST /passkey/update-passkey",
    "POST /passkey/delete-passkey",
)


async def record_second_factors(rec: Recorder, admin: SignedIn, user: SignedIn) -> None:
    """An admin looks at and resets a user's second factors; the user asks for passkey options and lists passkeys;
    the ceremonies are called without what they need (4xx)."""
    who, auth = "admin", admin.bearer()
    target = {"userId": user.user_id}
    await rec.call("GET /admin/second-factor", who=who, headers=auth, params=target, expect=200)
    await rec.call("POST /admin/reset-second-factor", who=who, headers=auth, json=target, expect=200)
    await rec.call("GET /passkey/generate-register-options", who="user", headers=user.bearer(), expect=200)
    await rec.call("GET /passkey/generate-authenticate-options", expect=200)
    await rec.call("GET /passkey/list-user-passkeys", who="user", headers=user.bearer(), expect=200)
    wrong: dict[str, object] = {"password": "not the password"}
    bodies: dict[str, dict[str, object]] = {
        "POST /two-factor/enable": wrong,
        "POST /two-factor/disable": wrong,
        "POST /two-factor/get-totp-uri": wrong,
        "POST /two-factor/generate-backup-codes": wrong,
        "POST /two-factor/verify-totp": {"code": "000000"},
        "POST /two-factor/verify-backup-code": {"code": "not-a-code"},
        "POST /passkey/update-passkey": {"id": "nope", "name": "Laptop"},
        "POST /passkey/delete-passkey": {"id": "nope"},
    }
    for operation in SECOND_FACTOR_CEREMONIES:
        # The WebAuthn responses an authenticator would sign cannot be made up: those two requests are off-document.
        response = await rec.call(
            operation,
            who="user",
            headers=user.bearer(),
            json=bodies.get(operation, {}),
            request_follows_document=operation in bodies,
        )
        assert 400 <= response.status_code < 500, f"{operation}: {response.status_code} {response.text[:300]}"


async def record_refusals(rec: Recorder, user: SignedIn) -> None:
    """Each operation that needs a session, replayed without one (401); each admin one as a normal user (403)."""
    for exchange in [e for e in rec.exchanges if e.response.is_success or e.response.is_redirect]:
        method, template = exchange.operation.split(" ", 1)
        security = rec.document["paths"][template][method.lower()].get("security", [])
        needs_session = security and {} not in security
        if not needs_session or exchange.who == "anonymous":
            continue
        if any(e.operation == exchange.operation and e.who == "nobody" for e in rec.exchanges):
            continue
        request = exchange.request
        path = request.url.path.removeprefix("/api/auth")
        json_body = {"Content-Type": "application/json"} if request.content else {}
        await rec.call(
            exchange.operation,
            who="nobody",
            path=path,
            params=request.url.params,
            expect=401,
            headers=json_body,
            content=request.content or None,
            request_follows_document=False,
        )
        if template.startswith("/admin/") and template not in NOT_ADMIN_ONLY:
            await rec.call(
                exchange.operation,
                who="user",
                path=path,
                params=request.url.params,
                expect=403,
                headers={**json_body, **user.bearer()},
                content=request.content or None,
            )


async def record_everything(rec: Recorder, auth_url: str) -> None:
    """The whole scenario, in an order where no step undoes what a later one needs."""
    admin = await person(rec.http, ADMIN)
    user = await person(rec.http, USER)
    await record_public(rec)
    await record_user(rec, user)
    await record_link(rec, auth_url, await person(rec.http, USER))
    await record_oauth(rec, auth_url)
    await record_admin(rec, admin, await person(rec.http, USER))
    await record_second_factors(rec, admin, await person(rec.http, USER))
    await record_refusals(rec, await person(rec.http, USER))
