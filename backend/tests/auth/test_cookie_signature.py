"""Signed cookie values, checked against better-call's own implementation (run in Node)."""

import json
import subprocess

import pytest
from gatehouse_fastapi._cookie_signature import bearer_session_token, cookie_value, sign, sign_cookie_value, unsign
from gatehouse_test_support.processes import REPO_ROOT

SECRET = b"a-secret-that-is-long-enough-for-tests-0123456789"


def better_call_sign(value: str, secret: str) -> str:
    """What better-call's setSignedCookie puts in the cookie (signCookieValue), computed by better-call."""
    script = (
        "import('better-call').then(async (m) => {"
        "  const cookie = await m.serializeSignedCookie('n', process.argv[1], process.argv[2]);"
        "  process.stdout.write(JSON.stringify(cookie.slice(2)));"
        "});"
    )
    out = subprocess.run(
        ["node", "-e", script, value, secret], cwd=REPO_ROOT, capture_output=True, text=True, check=True, timeout=60
    ).stdout
    result: str = json.loads(out)
    return result


def test_sign_matches_better_call() -> None:
    token = "Q8kYkD7mA3x5C1bq2v9UXzjP0sLwTnRe"
    assert sign_cookie_value(token, SECRET) == better_call_sign(token, SECRET.decode())


def test_unsign_accepts_better_call_cookie() -> None:
    token = "abcDEF0123456789abcDEF0123456789"
    cookie = better_call_sign(token, SECRET.decode())
    assert unsign(cookie_value(f"n={cookie}", "n") or "", SECRET) == token


def test_unsign_accepts_decoded_value() -> None:
    assert unsign(sign("tok", SECRET), SECRET) == "tok"


@pytest.mark.parametrize(
    "signed",
    [
        pytest.param("tok", id="no-signature"),
        pytest.param(".AAAA", id="empty-value"),
        pytest.param(sign("tok", SECRET).replace("tok", "tak"), id="tampered-value"),
        pytest.param(sign("tok", SECRET)[:-3] + "AA=", id="tampered-signature"),
        pytest.param(sign("tok", b"another-secret"), id="wrong-secret"),
        pytest.param("tok." + "A" * 43 + "=", id="zero-signature"),
        pytest.param("tok." + "!" * 43 + "=", id="not-base64"),
        pytest.param("tok.c2hvcnQ=", id="short-signature"),
        pytest.param("tok%ZZ.%", id="bad-percent-encoding"),
        pytest.param(sign("tok", SECRET) + "x", id="bytes-after-the-signature"),
    ],
)
def test_unsign_rejects(signed: str) -> None:
    assert unsign(signed, SECRET) is None
    if "." in signed:  # without a dot, a Bearer value is a raw token, looked up as sent
        assert bearer_session_token(signed, SECRET) is None


def test_bearer_form_refuses_base64url_and_unpadded_signatures() -> None:
    # better-auth's bearer plugin lets these through its own check, but the signed-cookie read behind it (44
    # standard-base64 characters ending in "=") finds no session: the auth server refuses them, so does this.
    value, _, signature = sign("tok", SECRET).rpartition(".")
    urlsafe = signature.replace("+", "-").replace("/", "_")
    for form in (urlsafe.rstrip("="), signature.rstrip("=")):
        assert bearer_session_token(f"{value}.{form}", SECRET) is None
    assert bearer_session_token(f"{value}.{signature}", SECRET) == "tok"
