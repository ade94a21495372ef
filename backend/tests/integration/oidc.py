"""A real OpenID provider for integration tests (the `oidc-provider` package, started with the auth server's test
launcher) and a browser's walk through its sign-in, shared by the provider sign-in and OpenAPI tests."""

import json
import subprocess
from urllib.parse import unquote, urljoin, urlsplit

import httpx
from gatehouse_test_support.processes import REPO_ROOT

from tests.integration.conftest import _stop

LAUNCHER = REPO_ROOT / "auth-server" / "test" / "support" / "oidc-provider.ts"
TSX = REPO_ROOT / "node_modules" / ".bin" / "tsx"
FRONTEND = "http://localhost:5173"
CLIENT = {"clientId": "gatehouse-acme", "clientSecret": "integration-client-secret-0123456789"}
ACCOUNTS = {
    "acme-ada": {"email": "ada@example.com", "emailVerified": True, "name": "Ada"},
    "acme-pw": {"email": "password-first@example.com", "emailVerified": True, "name": "Pat"},
}


def start_provider(
    redirect_uri: str, accounts: dict[str, dict[str, object]] | None = None
) -> tuple[subprocess.Popen[bytes], dict[str, str]]:
    """Start the provider with one client (CLIENT) allowed to return to `redirect_uri`; returns the process (its
    own process group: stop it with `_stop`) and what the launcher printed (`issuer`, `discoveryUrl`)."""
    config = {"accounts": accounts or ACCOUNTS, "clients": [{**CLIENT, "redirectUris": [redirect_uri]}]}
    process = subprocess.Popen(
        [str(TSX), str(LAUNCHER), "--config", json.dumps(config)],
        cwd=REPO_ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    if not line:
        _stop(process)
        raise RuntimeError("the OpenID provider launcher did not start")
    info: dict[str, str] = json.loads(line)
    return process, info


async def provider_sign_in(
    browser: httpx.AsyncClient, auth_url: str, account: str, start: httpx.Response | None = None
) -> httpx.Response:
    """Click the provider button (or follow `start`, an answer carrying the authorization `url`, e.g. from
    link-social), sign in and allow at the provider; returns the auth server's final redirect."""
    started = start or await browser.post(
        f"{auth_url}/api/auth/sign-in/social",
        json={"provider": "acme", "callbackURL": f"{FRONTEND}/dashboard"},
        headers={"Origin": FRONTEND},
    )
    assert started.status_code == 200, started.text
    authorize = started.json()["url"]
    assert "code_challenge_method=S256" in authorize
    response = await browser.get(authorize)
    for _ in range(20):
        location = response.headers.get("location")
        assert response.is_redirect, f"{response.status_code} {response.text[:300]}"
        assert location
        target = urljoin(str(response.url), location)
        if target.startswith(f"{auth_url}/api/auth/callback/"):
            return await browser.get(target)
        path = urlsplit(target).path
        if path.startswith("/interaction/"):
            prompt = (await browser.get(target, headers={"Accept": "application/json"})).json()["prompt"]
            action, form = ("login", {"login": account}) if prompt == "login" else ("confirm", {})
            response = await browser.post(f"{target}/{action}", data=form)
        else:
            response = await browser.get(target)
    raise AssertionError("the provider never sent the browser back")


def credentials(browser: httpx.AsyncClient) -> tuple[dict[str, str], dict[str, str]]:
    """The session cookie and the Bearer session token the browser now holds."""
    value = next(c.value for c in browser.cookies.jar if c.name == "better-auth.session_token" and c.value)
    assert value is not None
    return {"Cookie": f"better-auth.session_token={value}"}, {"Authorization": f"Bearer {unquote(value).split('.')[0]}"}
