"""One auth server for the OpenAPI tests, configured with every optional part its document describes (an OpenID
provider, admin addresses), and the people who drive it: a normal user and an admin, each signed in."""

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.cookiejar import CookieJar, DefaultCookiePolicy
from typing import Any

import httpx
import pytest
from gatehouse_test_support.processes import free_port

from tests.integration.conftest import AuthServer, SignedIn, _stop, launch_auth_server, sign_in, sign_up_and_verify
from tests.integration.oidc import CLIENT, FRONTEND, start_provider

ADMIN = "openapi-admin@example.com"
USER = "openapi-user@example.com"
# The fuzzing pass's own people: what it changes about them (name, image, email) must not reach other tests.
FUZZ_ADMIN = "openapi-fuzz-admin@example.com"
FUZZ_USER = "openapi-fuzz-user@example.com"


@dataclass
class OpenApiStack:
    """The auth server under test, its OpenAPI document (as served) and an admin and a normal user."""

    auth: AuthServer
    document: dict[str, Any]


@pytest.fixture(scope="session")
def openapi_stack(
    fresh_database_url: Callable[[str], str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[OpenApiStack]:
    """An OpenID provider (`acme`) and an auth server that knows it and the admin addresses; both stopped after."""
    port = free_port()
    provider, info = start_provider(
        f"http://127.0.0.1:{port}/api/auth/callback/acme",
        {
            "acme-oa": {"email": "openapi-oauth@example.com", "emailVerified": True, "name": "Oauth"},
            "acme-link": {"email": USER, "emailVerified": True, "name": "Link"},
        },
    )
    try:
        database_url = fresh_database_url("gatehouse_openapi")
        log = tmp_path_factory.mktemp("auth-server-openapi") / "auth-server.log"
        setting = [{"id": "acme", "name": "Acme", "discoveryUrl": info["discoveryUrl"], **CLIENT}]
        process, url = launch_auth_server(
            database_url,
            log,
            port=port,
            FRONTEND_URL=FRONTEND,
            ADMIN_EMAILS=f"{ADMIN},{FUZZ_ADMIN}",
            OIDC_PROVIDERS=json.dumps(setting),
        )
        try:
            document = httpx.get(f"{url}/api/auth/openapi.json", timeout=30).json()
            yield OpenApiStack(AuthServer(url=url, database_url=database_url, process=process, log=log), document)
        finally:
            _stop(process)
    finally:
        _stop(provider)


def auth_client(stack: OpenApiStack) -> httpx.AsyncClient:
    """A client of that auth server that sends the web app's Origin, as a browser would, and keeps no cookies:
    every credential a call carries is the one the test gives it."""
    no_cookies = CookieJar(policy=DefaultCookiePolicy(allowed_domains=[]))
    return httpx.AsyncClient(base_url=stack.auth.url, timeout=30, headers={"Origin": FRONTEND}, cookies=no_cookies)


_signed_up: set[str] = set()


async def person(http: httpx.AsyncClient, email: str) -> SignedIn:
    """`email` signed up and verified (once per run) and signed in afresh: bearer token, cookie and JWT."""
    if email not in _signed_up:
        await sign_up_and_verify(http, email, name=email.split("@")[0])
        _signed_up.add(email)
    return await sign_in(http, email)
