"""Issue 4 against the real auth server, backend in-process: a session revoked through the auth server's
DELETE /api/auth/sessions/:id is refused by the backend (bearer, cookie and JWT) within 1 s (acceptance 1),
and an admin's impersonation is seen by the backend until stop-impersonating ends it (acceptance 5)."""

import time

import httpx
import jwt
from gatehouse_fastapi._contract import REVOCATION_BOUND_MS

from tests.integration.conftest import ADMIN_EMAIL, PASSWORD, SignedIn, sign_in, sign_up_and_verify

ME = "/api/v1/auth/me"
FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
IPHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 Version/17.5 Mobile Safari/604.1"
BOUND = REVOCATION_BOUND_MS / 1000  # the product contract (contract.revocation): every backend worker, within 1 s


def sid_of(user: SignedIn) -> str:
    session_id: str = jwt.decode(user.jwt, options={"verify_signature": False})["sid"]
    return session_id


async def sign_in_as(auth: httpx.AsyncClient, email: str, user_agent: str) -> SignedIn:
    """`sign_in` from a given device (the auth server records the user agent)."""
    response = await auth.post(
        "/api/auth/sign-in/email", json={"email": email, "password": PASSWORD}, headers={"User-Agent": user_agent}
    )
    assert response.status_code == 200, response.text
    return await signed_in_from(auth, response, email)


async def signed_in_from(auth: httpx.AsyncClient, response: httpx.Response, email: str) -> SignedIn:
    """The three credentials an auth-server response issued (set-auth-token, the session cookie, a JWT)."""
    bearer_token = response.headers["set-auth-token"]
    cookie_name = next(name for name in cookie_jar(response) if name.endswith(".session_token"))
    cookie_value = cookie_jar(response)[cookie_name]
    token = await auth.get("/api/auth/token", headers={"Authorization": f"Bearer {bearer_token}"})
    assert token.status_code == 200, token.text
    user_id = jwt.decode(token.json()["token"], options={"verify_signature": False})["sub"]
    return SignedIn(user_id, email, bearer_token, cookie_name, cookie_value, token.json()["token"])


def cookie_jar(response: httpx.Response) -> dict[str, str]:
    """The cookies a response leaves set (later Set-Cookie lines win; cleared ones, `name=; Max-Age=0`, drop)."""
    jar: dict[str, str] = {}
    for line in response.headers.get_list("set-cookie"):
        name, _, value = line.split(";", 1)[0].partition("=")
        if value:
            jar[name] = value
        else:
            jar.pop(name, None)
    return jar


async def refused_within(backend: httpx.AsyncClient, headers: dict[str, str], bound: float) -> float:
    """Seconds until the backend answers 401 for `headers`; fails if it still accepts after `bound`."""
    started = time.monotonic()
    while True:
        response = await backend.get(ME, headers=headers)
        elapsed = time.monotonic() - started
        if response.status_code == 401:
            return elapsed
        assert response.status_code == 200, response.text
        assert elapsed < bound, f"still accepted after {elapsed:.3f} s"


async def test_session_revoked_through_auth_server_is_refused_by_backend_within_one_second(
    auth: httpx.AsyncClient, backend: httpx.AsyncClient, unique_email: str
) -> None:
    await sign_up_and_verify(auth, unique_email)
    laptop = await sign_in_as(auth, unique_email, FIREFOX)
    phone = await sign_in_as(auth, unique_email, IPHONE)
    listed = (await auth.get("/api/auth/sessions", headers=laptop.bearer())).json()
    assert {s["id"]: s["isCurrent"] for s in listed if s["id"] in {sid_of(laptop), sid_of(phone)}} == {
        sid_of(laptop): True,
        sid_of(phone): False,
    }
    credentials = (phone.jwt_header(), phone.bearer(), phone.cookie())
    for headers in credentials:  # cached by the backend before the revocation
        assert (await backend.get(ME, headers=headers)).status_code == 200

    revoked = await auth.delete(f"/api/auth/sessions/{sid_of(phone)}", headers=laptop.bearer())
    assert revoked.is_success, revoked.text
    started = time.monotonic()
    for headers in credentials:
        await refused_within(backend, headers, BOUND - (time.monotonic() - started))
    assert (await backend.get(ME, headers=laptop.jwt_header())).status_code == 200
    current = await auth.delete(f"/api/auth/sessions/{sid_of(laptop)}", headers=laptop.bearer())
    assert current.status_code == 400


async def test_impersonation_is_seen_by_backend_until_stopped(
    auth: httpx.AsyncClient, backend: httpx.AsyncClient, unique_email: str
) -> None:
    await sign_up_and_verify(auth, ADMIN_EMAIL, name="Root")
    admin = await sign_in(auth, ADMIN_EMAIL)
    await sign_up_and_verify(auth, unique_email)
    user = await sign_in(auth, unique_email)

    refused = await auth.post("/api/auth/admin/impersonate-user", json={"userId": admin.user_id}, headers=user.bearer())
    assert refused.status_code == 403
    started = await auth.post("/api/auth/admin/impersonate-user", json={"userId": user.user_id}, headers=admin.bearer())
    assert started.status_code == 200, started.text
    acting = await signed_in_from(auth, started, unique_email)
    all_cookies = "; ".join(f"{name}={value}" for name, value in cookie_jar(started).items())

    for headers in (acting.bearer(), acting.cookie(), acting.jwt_header()):
        me = await backend.get(ME, headers=headers)
        assert me.status_code == 200, me.text
        assert me.json()["id"] == user.user_id
        session = (await backend.get("/api/v1/auth/session", headers=headers)).json()["session"]
        assert session["impersonated_by"] == admin.user_id
    listed = (await auth.get("/api/auth/sessions", headers=user.bearer())).json()
    assert [s["impersonatedBy"] for s in listed if s["id"] == sid_of(acting)] == [admin.user_id]

    stopped = await auth.post("/api/auth/admin/stop-impersonating", json={}, headers={"Cookie": all_cookies})
    assert stopped.status_code == 200, stopped.text
    ended = time.monotonic()
    for headers in (acting.jwt_header(), acting.bearer(), acting.cookie()):
        await refused_within(backend, headers, BOUND - (time.monotonic() - ended))
    assert (await backend.get(ME, headers=user.jwt_header())).status_code == 200
    assert (await backend.get(ME, headers=admin.jwt_header())).json()["id"] == admin.user_id
