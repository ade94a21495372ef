"""Issue 7, acceptance 4 and issue 12 item 16: `gatehouse rotate-keys` against the real auth server. Tokens
signed before the rotation keep verifying at the backend (the old key stays published for the grace period);
new tokens carry the new kid, which the backend learns through its unknown-kid refetch at once, even though
it fetched the JWKS a moment before (no cooldown refuses a key the JWKS holds): one JWKS fetch for the change."""

import os
import subprocess

import httpx
import jwt
from gatehouse_test_support.processes import REPO_ROOT

from tests.integration.conftest import AuthServer, sign_in, sign_up_and_verify
from tests.utils.factories import TEST_SECRET

ME = "/api/v1/auth/me"


def jwks_fetches(server: AuthServer) -> int:
    return sum(1 for line in server.log.read_text(errors="replace").splitlines() if '"path":"/api/auth/jwks"' in line)


def rotate_keys(server: AuthServer) -> str:
    env = {
        **os.environ,
        "DATABASE_URL": server.database_url,
        "BETTER_AUTH_SECRET": TEST_SECRET,
        "BETTER_AUTH_URL": server.url,
        "NODE_ENV": "test",
    }
    done = subprocess.run(
        ["npm", "run", "--silent", "gatehouse", "-w", "auth-server", "--", "rotate-keys"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return done.stdout


async def test_rotate_keys_keeps_old_tokens_and_spreads_the_new_kid_with_one_fetch(
    auth: httpx.AsyncClient, backend: httpx.AsyncClient, auth_server: AuthServer, unique_email: str
) -> None:
    await sign_up_and_verify(auth, unique_email)
    before = await sign_in(auth, unique_email)
    old_kid = jwt.get_unverified_header(before.jwt)["kid"]
    assert (await backend.get(ME, headers=before.jwt_header())).status_code == 200  # warms the JWKS cache
    warmed = jwks_fetches(auth_server)

    assert "new signing key" in rotate_keys(auth_server)
    after = await sign_in(auth, unique_email)
    new_kid = jwt.get_unverified_header(after.jwt)["kid"]
    assert new_kid != old_kid

    for token in (after.jwt_header(), before.jwt_header(), after.jwt_header()):
        response = await backend.get(ME, headers=token)
        assert response.status_code == 200, response.text
    assert jwks_fetches(auth_server) - warmed <= 1
