"""Signed cookie values, checked against better-call's own implementation (run in Node)."""

import json
import subprocess

import pytest
from gatehouse_fastapi._cookie_signature import sign, sign_cookie_value, unsign

from tests.utils.processes import REPO_ROOT

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
    assert unsign(better_call_sign(token, SECRET.decode()), SECRET) == token


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
    ],
)
def test_unsign_rejects(signed: str) -> None:
    assert unsign(signed, SECRET) is None
    assert unsign(signed, SECRET, strict_cookie_format=False) is None


def test_unsign_bearer_form_accepts_base64url_without_padding() -> None:
    value, _, signature = sign("tok", SECRET).rpartition(".")
    urlsafe = signature.replace("+", "-").replace("/", "_").rstrip("=")
    assert unsign(f"{value}.{urlsafe}", SECRET, strict_cookie_format=False) == "tok"
    # The cookie path follows better-call exactly: 44 characters ending in "=".
    assert unsign(f"{value}.{urlsafe}", SECRET) is None
