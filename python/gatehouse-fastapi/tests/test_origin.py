"""The origin check for the session cookie (better-auth's CSRF defence, `_origin.py`): every state-changing method
and every WebSocket handshake that the cookie authenticates must come from a trusted origin or the request's own;
Bearer credentials, which no browser adds by itself, are not checked; safe methods never are."""

from collections.abc import Iterator, MutableMapping
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, WebSocket
from gatehouse_test_support.jwks import JwksServer

from gatehouse_fastapi import CurrentPrincipal, CurrentUser, OptionalUser, parse_trusted_origins
from gatehouse_fastapi._origin import origin_of
from tests.conftest import TestDb, gatehouse_for
from tests.support.rows import Actor

APP = "https://app.example.com"
EVIL = "https://evil.example"
STATE_CHANGING = ["POST", "PUT", "PATCH", "DELETE", "PURGE"]  # PURGE: any method but the safe ones is checked


def app_for(db: TestDb, jwks: JwksServer, **options: Any) -> FastAPI:
    auth = gatehouse_for(db, jwks, trusted_origins=[APP, "http://localhost:5173/"], **options)
    app = FastAPI(lifespan=auth.lifespan, exception_handlers=auth.exception_handlers)

    @app.api_route("/write", methods=[*STATE_CHANGING, "GET", "HEAD", "OPTIONS"])
    async def write(p: CurrentPrincipal) -> dict[str, str]:
        return {"credential": p.credential.value}

    @app.post("/maybe")
    async def maybe(user: OptionalUser) -> dict[str, str | None]:
        return {"id": None if user is None else user.id}

    @app.websocket("/socket")
    async def socket(websocket: WebSocket, user: CurrentUser) -> None:
        await websocket.accept()
        await websocket.send_text(user.id)
        await websocket.close()

    return app


@pytest.fixture
async def client(db: TestDb, jwks: JwksServer, serve: Any) -> httpx.AsyncClient:
    client: httpx.AsyncClient = await serve(app_for(db, jwks))
    return client


@pytest.fixture
async def actor(db: TestDb) -> Actor:
    return await db.rows.actor()


@pytest.mark.parametrize("method", STATE_CHANGING)
async def test_cookie_writes_from_another_origin_are_refused(
    client: httpx.AsyncClient, actor: Actor, method: str
) -> None:
    response = await client.request(method, "/write", headers={**actor.cookie(), "Origin": EVIL})
    assert response.status_code == 403
    assert response.json() == {"code": "INVALID_ORIGIN", "message": "Invalid origin"}
    # A bare challenge: the credential is fine, only the page it was sent from is not (see _errors.py).
    assert response.headers["www-authenticate"] == 'Bearer realm="gatehouse"'
    referred = await client.request(method, "/write", headers={**actor.cookie(), "Referer": f"{EVIL}/page?x=1"})
    assert (referred.status_code, referred.json()["code"]) == (403, "INVALID_ORIGIN")


@pytest.mark.parametrize(
    "claimed",
    [
        {},
        {"Origin": "null"},
        {"Origin": ""},
        {"Origin": "null", "Sec-Fetch-Site": "cross-site"},
        {"Origin": "null", "Referer": f"{APP}/"},  # an opaque origin is not replaced by the Referer
    ],
)
async def test_cookie_writes_without_an_origin_are_refused(
    client: httpx.AsyncClient, actor: Actor, claimed: dict[str, str]
) -> None:
    response = await client.post("/write", headers={**actor.cookie(), **claimed})
    assert response.status_code == 403
    assert response.json() == {"code": "MISSING_OR_NULL_ORIGIN", "message": "Missing or null Origin"}


@pytest.mark.parametrize(
    "claimed",
    [
        {"Origin": APP},
        {"Origin": "HTTPS://App.Example.com:443"},  # the same origin, serialised differently
        {"Origin": "http://localhost:5173"},  # configured with a trailing slash
        {"Referer": f"{APP}/tasks/1?tab=2"},  # no Origin: the Referer's origin decides
        {"Origin": "http://testserver"},  # the request's own origin (the app's own pages, e.g. its API docs)
        # the app's own form under `Referrer-Policy: no-referrer`: the browser vouches it is same-origin
        {"Origin": "null", "Sec-Fetch-Site": "same-origin"},
    ],
)
@pytest.mark.parametrize("method", STATE_CHANGING)
async def test_cookie_writes_from_trusted_origins_pass(
    client: httpx.AsyncClient, actor: Actor, method: str, claimed: dict[str, str]
) -> None:
    response = await client.request(method, "/write", headers={**actor.cookie(), **claimed})
    assert response.status_code == 200, response.text
    assert response.json() == {"credential": "cookie"}


@pytest.mark.parametrize(
    "claimed",
    [
        {"Origin": "https://app.example.com.evil.example"},
        {"Origin": "http://app.example.com"},  # another scheme is another origin
        {"Origin": "https://app.example.com:8443"},
        {"Origin": "not a url"},
        {"Origin": EVIL, "Referer": f"{APP}/"},  # the Origin speaks when present
        {"Referer": "/relative/path"},
        # only a client that writes raw headers sends these; parsers read them differently, so none is trusted
        {"Origin": "https://evil.example\\@app.example.com"},
        {"Origin": "https://user@app.example.com"},
        {"Origin": f"{APP}/path"},
        {"Referer": "https://evil.example\\@app.example.com/"},
    ],
)
async def test_near_misses_are_other_origins(client: httpx.AsyncClient, actor: Actor, claimed: dict[str, str]) -> None:
    response = await client.post("/write", headers={**actor.cookie(), **claimed})
    assert (response.status_code, response.json()["code"]) == (403, "INVALID_ORIGIN")


async def test_two_origin_headers_are_refused(client: httpx.AsyncClient, actor: Actor) -> None:
    headers = [("Cookie", actor.cookie()["Cookie"]), ("Origin", APP), ("Origin", EVIL)]
    response = await client.post("/write", headers=headers)
    assert (response.status_code, response.json()["code"]) == (403, "INVALID_ORIGIN")


async def test_the_cookie_is_checked_beside_an_authorization_of_another_kind(
    client: httpx.AsyncClient, actor: Actor
) -> None:
    for authorization in ("Basic dXNlcjpwYXNz", "Bearer ", "Bearer"):  # no Bearer credential: the cookie decides
        headers = {**actor.cookie(), "Authorization": authorization, "Origin": EVIL}
        response = await client.post("/write", headers=headers)
        assert (response.status_code, response.json()["code"]) == (403, "INVALID_ORIGIN"), authorization


@pytest.mark.parametrize("method", ["GET", "HEAD", "OPTIONS"])
async def test_safe_methods_are_not_checked(client: httpx.AsyncClient, actor: Actor, method: str) -> None:
    response = await client.request(method, "/write", headers={**actor.cookie(), "Origin": EVIL})
    assert response.status_code == 200


async def test_bearer_credentials_are_not_checked(client: httpx.AsyncClient, jwks: JwksServer, actor: Actor) -> None:
    jwt = {"Authorization": f"Bearer {jwks.mint(sub=actor.user_id, sid=actor.session_id)}"}
    for headers, kind in ((actor.bearer(), "bearer"), (actor.signed_bearer(), "bearer"), (jwt, "jwt")):
        for origin in ({"Origin": EVIL}, {}):
            response = await client.post("/write", headers={**headers, **origin})
            assert response.json() == {"credential": kind}


async def test_optional_user_routes_are_checked_too(client: httpx.AsyncClient, actor: Actor) -> None:
    refused = await client.post("/maybe", headers={**actor.cookie(), "Origin": EVIL})
    assert (refused.status_code, refused.json()["code"]) == (403, "INVALID_ORIGIN")
    anonymous = await client.post("/maybe", headers={"Origin": EVIL})  # no credential: nothing to misuse
    assert anonymous.json() == {"id": None}
    assert (await client.post("/maybe", headers={**actor.cookie(), "Origin": APP})).json() == {"id": actor.user_id}


async def test_a_refused_origin_says_nothing_about_the_account(client: httpx.AsyncClient, db: TestDb) -> None:
    banned = await db.rows.actor(banned=True)
    response = await client.post("/write", headers={**banned.cookie(), "Origin": EVIL})
    assert (response.status_code, response.json()["code"]) == (403, "INVALID_ORIGIN")


async def handshake(
    app: FastAPI, headers: list[tuple[bytes, bytes]], scheme: str = "ws"
) -> list[MutableMapping[str, Any]]:
    """One WebSocket handshake straight through the ASGI app (the lifespan runs through `serve`); what it sent."""
    sent: list[MutableMapping[str, Any]] = []
    events: Iterator[MutableMapping[str, Any]] = iter(
        [{"type": "websocket.connect"}, {"type": "websocket.disconnect", "code": 1000}]
    )

    async def receive() -> MutableMapping[str, Any]:
        return next(events)

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "websocket",
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "scheme": scheme,
        "path": "/socket",
        "raw_path": b"/socket",
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver"), *headers],
        "client": ("127.0.0.1", 1),
        "server": ("testserver", 80),
        "subprotocols": [],
        "extensions": {"websocket.http.response": {}},
        "state": {"gatehouse": app.state.gatehouse},
    }
    await app(scope, receive, send)
    return sent


async def test_websocket_handshakes_are_checked(db: TestDb, jwks: JwksServer, serve: Any, actor: Actor) -> None:
    app = app_for(db, jwks)
    await serve(app)
    cookie = [(b"cookie", actor.cookie()["Cookie"].encode())]
    for origin in (EVIL.encode(), b"null"):
        refused = await handshake(app, [*cookie, (b"origin", origin)])
        assert refused[0]["type"] == "websocket.http.response.start"
        assert refused[0]["status"] == 403
        assert all(m["type"] != "websocket.accept" for m in refused)
    for origin in (APP.encode(), b"http://testserver"):
        accepted = await handshake(app, [*cookie, (b"origin", origin)])
        assert [m["type"] for m in accepted][:2] == ["websocket.accept", "websocket.send"]
        assert accepted[1]["text"] == actor.user_id
    secure = await handshake(app, [*cookie, (b"origin", b"https://testserver")], scheme="wss")  # wss is https's
    assert secure[0]["type"] == "websocket.accept"
    plain = await handshake(app, [*cookie, (b"origin", b"https://testserver")])  # ws is http's: another origin
    assert plain[0]["status"] == 403


def test_trusted_origins_must_be_origins(db: TestDb, jwks: JwksServer) -> None:
    bad_entries = (
        "*",
        "https://*.example.com",
        "app.example.com",
        "https://app.example.com/path",
        "ftp://app.example.com",
        "https://",
        "https://:pw@app.example.com",
        "https://bücher.example",
    )
    for bad in bad_entries:
        with pytest.raises(ValueError, match="trusted_origins"):
            gatehouse_for(db, jwks, trusted_origins=[bad])
    assert parse_trusted_origins(["https://A.example/", "http://[0:0:0:0:0:0:0:1]:8080"]) == {
        "https://a.example",
        "http://[::1]:8080",
    }


def test_origin_of() -> None:
    assert origin_of("https://app.example.com:443/x") == "https://app.example.com"
    assert origin_of("http://app.example.com:80") == "http://app.example.com"
    assert origin_of("http://app.example.com:8080/") == "http://app.example.com:8080"
    for bad in ("", "null", "/path", "javascript:alert(1)", "http://host:99999", "https://"):
        assert origin_of(bad) is None
