"""One vocabulary for credentials: the backend accepts a session credential exactly when the real auth server does,
as the same user. The auth server's answer is the reference, read twice: better-auth's own `list-sessions` (its
bearer plugin, better-call's cookie parser and signed-cookie check, the session rule) and `get-session` (answered by
Gatehouse's fast path where it can, which must agree). Each form below is sent to both services alone, and a form one
service takes and the other refuses fails the test. Then, beside a valid session cookie, the backend never accepts
someone the auth server would not (a Bearer credential is judged alone, so the backend may refuse more), and an
Authorization header that carries no Bearer credential leaves the cookie to decide on both."""

from collections.abc import Callable
from urllib.parse import quote, unquote

import httpx
import pytest

from tests.integration.conftest import SignedIn, sign_in, sign_up_and_verify

ME = "/api/v1/auth/me"


Answer = tuple[str | None, str | None]


Headers = dict[str, str] | list[tuple[bytes, bytes]]


async def who(auth: httpx.AsyncClient, backend: httpx.AsyncClient, headers: Headers) -> Answer:
    """The user id each service authenticates `headers` as (None: refused). Only `headers` travel: the auth
    client's cookie jar (sign-ins fill it) is emptied first."""
    auth.cookies.clear()
    session = await auth.get("/api/auth/get-session", headers=headers)
    assert session.status_code in {200, 401}, session.text
    body = session.json() if session.status_code == 200 else None
    auth_user = body["user"]["id"] if body else None
    listed = await auth.get("/api/auth/list-sessions", headers=headers)
    assert listed.status_code in {200, 401}, listed.text
    listed_user = listed.json()[0]["userId"] if listed.status_code == 200 and listed.json() else None
    assert listed_user == auth_user, ("get-session and better-auth's list-sessions disagree", auth_user, listed_user)
    me = await backend.get(ME, headers=headers)
    assert me.status_code in {200, 401}, me.text
    return auth_user, (me.json()["id"] if me.status_code == 200 else None)


async def two_users(auth: httpx.AsyncClient, email: str) -> tuple[SignedIn, SignedIn]:
    """Two verified, signed-in users: `email` and `other-<email>`."""
    for address in (email, "other-" + email):
        await sign_up_and_verify(auth, address)
    return await sign_in(auth, email), await sign_in(auth, "other-" + email)


def _signed(user: SignedIn) -> tuple[str, str]:
    """The session token and its signature from the set-auth-token value."""
    token, _, signature = unquote(user.bearer_token).partition(".")
    return token, signature


def bearer_forms(user: SignedIn) -> dict[str, str]:
    token, signature = _signed(user)
    urlsafe = signature.replace("+", "-").replace("/", "_")
    return {
        "raw token": token,
        "token.signature": f"{token}.{signature}",
        "token.signature, escaped": f"{token}.{quote(signature, safe='')}",
        "escaped dot": f"{token}%2E{quote(signature, safe='')}",
        "unpadded signature": f"{token}.{signature.rstrip('=')}",
        "base64url signature": f"{token}.{urlsafe}",
        "base64url signature, unpadded": f"{token}.{urlsafe.rstrip('=')}",
        "trailing bytes": f"{token}.{signature}x",
        "third dot": f"{token}.{signature}.{signature}",
        "empty token": f".{signature}",
    }


def cookie_forms(user: SignedIn, other: SignedIn) -> dict[str, str]:
    name, value = user.cookie_name, user.cookie_value
    token, signature = _signed(user)
    return {
        "as set": f"{name}={value}",
        "unescaped": f"{name}={token}.{signature}",
        "quoted": f'{name}="{value}"',
        "spaces around": f"{name} = {value}",
        "a space before the = , then the other user": f"{name} ={value}; {other.cookie_name}={other.cookie_value}",
        "__Secure- name over http": f"__Secure-{name}={value}",
        "twice, this user first": f"{name}={value}; {other.cookie_name}={other.cookie_value}",
        "twice, the other first": f"{other.cookie_name}={other.cookie_value}; {name}={value}",
        "after a nameless pair": f"=x; {name}={value}",
        "unpadded signature": f"{name}={token}.{quote(signature.rstrip('='), safe='')}",
        "trailing bytes": f"{name}={value}x",
    }


Forms = Callable[[SignedIn, SignedIn], dict[str, dict[str, str]]]
KINDS: dict[str, Forms] = {
    "bearer": lambda user, other: {k: {"Authorization": f"Bearer {v}"} for k, v in bearer_forms(user).items()},
    "cookie": lambda user, other: {k: {"Cookie": v} for k, v in cookie_forms(user, other).items()},
}


@pytest.mark.parametrize("kind", sorted(KINDS))
async def test_backend_accepts_exactly_what_the_auth_server_accepts(
    auth: httpx.AsyncClient, backend: httpx.AsyncClient, unique_email: str, kind: str
) -> None:
    user, other = await two_users(auth, unique_email)
    answers = {name: await who(auth, backend, headers) for name, headers in KINDS[kind](user, other).items()}
    disagreements = {name: pair for name, pair in answers.items() if pair[0] != pair[1]}
    assert disagreements == {}, answers
    # The reference itself: the forms every client sends are accepted.
    assert answers["token.signature" if kind == "bearer" else "as set"] == (user.user_id, user.user_id)


async def test_beside_a_cookie_the_backend_never_accepts_someone_the_auth_server_would_not(
    auth: httpx.AsyncClient, backend: httpx.AsyncClient, unique_email: str
) -> None:
    # better-auth falls back to the cookie when its bearer plugin ignores the header; the backend judges a request
    # with a Bearer credential by that credential alone, so it may refuse more, never accept someone else.
    user, other = await two_users(auth, unique_email)
    for name, bearer in bearer_forms(user).items():
        headers = {"Authorization": f"Bearer {bearer}", **other.cookie()}
        auth_user, backend_user = await who(auth, backend, headers)
        assert backend_user in {None, auth_user}, (name, auth_user, backend_user)


NOT_BEARER = {
    "Basic (a proxy's)": "Basic dXNlcjpwYXNz",
    "Bearer with nothing after it": "Bearer",
    "another scheme": "Token abc.def",
    "empty header": "",
}


async def test_an_authorization_header_without_a_bearer_credential_leaves_the_cookie_to_decide(
    auth: httpx.AsyncClient, backend: httpx.AsyncClient, unique_email: str
) -> None:
    # The bearer plugin takes up only `Bearer <something>`; any other Authorization header (a reverse proxy's Basic
    # credentials on a staging site, say) is not a session credential, and both services read the cookie.
    user, _ = await two_users(auth, unique_email)
    answers = {
        name: await who(auth, backend, {"Authorization": value, **user.cookie()}) for name, value in NOT_BEARER.items()
    }
    assert answers == dict.fromkeys(NOT_BEARER, (user.user_id, user.user_id)), answers
    # And with no cookie, nothing was presented: 401 with a bare challenge, not `invalid_token` (RFC 6750 §3.1).
    for value in NOT_BEARER.values():
        me = await backend.get(ME, headers={"Authorization": value})
        assert (me.status_code, me.headers["www-authenticate"]) == (401, 'Bearer realm="gatehouse"'), (
            value,
            me.headers,
        )


def byte_forms(user: SignedIn, other: SignedIn) -> dict[str, list[tuple[bytes, bytes]]]:
    """Header bytes where Python's and JavaScript's whitespace differ, and repeated headers (latin-1 on both)."""
    signed = user.bearer_token.encode()
    raw = _signed(user)[0].encode()
    cookie = f"{user.cookie_name}={user.cookie_value}".encode()
    other_cookie = f"{other.cookie_name}={other.cookie_value}".encode()
    return {
        "NBSP before Bearer": [(b"Authorization", b"\xa0Bearer " + signed)],
        "NEL before Bearer": [(b"Authorization", b"\x85Bearer " + signed)],
        "NEL after the signed token": [(b"Authorization", b"Bearer " + signed + b"\x85")],
        "NEL after a raw token": [(b"Authorization", b"Bearer " + raw + b"\x85")],
        "NEL between scheme and token": [(b"Authorization", b"Bearer \x85" + raw)],
        "NBSP after the token": [(b"Authorization", b"Bearer " + signed + b"\xa0")],
        "BEARER": [(b"Authorization", b"BEARER " + signed)],
        "tab after the scheme": [(b"Authorization", b"Bearer\t" + signed)],
        "two Authorization headers": [(b"Authorization", b"Bearer " + signed), (b"Authorization", b"Bearer " + signed)],
        "NEL before the cookie name": [(b"Cookie", b"\x85" + cookie)],
        "NEL after the cookie value": [(b"Cookie", cookie + b"\x85")],
        "NBSP after the cookie value": [(b"Cookie", cookie + b"\xa0")],
        "two Cookie headers": [(b"Cookie", other_cookie), (b"Cookie", cookie)],
        "a latin-1 byte in the value": [(b"Cookie", cookie + b"\xe9")],
        "a bad escape in the value": [(b"Cookie", cookie + b"%")],
    }


async def test_header_bytes_are_read_alike(
    auth: httpx.AsyncClient, backend: httpx.AsyncClient, unique_email: str
) -> None:
    user, other = await two_users(auth, unique_email)
    answers = {name: await who(auth, backend, headers) for name, headers in byte_forms(user, other).items()}
    disagreements = {name: pair for name, pair in answers.items() if pair[0] != pair[1]}
    assert disagreements == {}, answers
    # Beside another user's cookie, a Bearer the auth server does not take up is never the backend's user.
    headers = [
        (b"Authorization", b"\xa0Bearer " + user.bearer_token.encode()),
        (b"Cookie", other.cookie()["Cookie"].encode()),
    ]
    auth_user, backend_user = await who(auth, backend, headers)
    assert backend_user in {None, auth_user}
