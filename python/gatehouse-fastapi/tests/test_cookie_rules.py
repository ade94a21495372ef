"""The credential-reading rules of `_cookie_signature`, case by case against what better-call and better-auth's
bearer plugin do (the backend's integration suite checks the same against the running auth server)."""

import pytest

from gatehouse_fastapi._authenticator import bearer_credential
from gatehouse_fastapi._cookie_signature import bearer_session_token, cookie_value, sign, try_decode, unsign

SECRET = b"a-secret-that-is-long-enough-for-tests-0123456789"
NAME = "better-auth.session_token"


@pytest.mark.parametrize(
    ("encoded", "decoded"),
    [
        ("plain", "plain"),
        ("a%2Bb%3D", "a+b="),
        ("caf%C3%A9", "café"),
        ("bad%ZZ%2B", "bad%ZZ%2B"),  # decodeURIComponent throws: the whole value stays as it was
        ("cut%2", "cut%2"),
        ("latin%E9", "latin%E9"),  # not UTF-8: throws too
    ],
)
def test_try_decode_is_decode_uri_component_or_nothing(encoded: str, decoded: str) -> None:
    assert try_decode(encoded) == decoded


@pytest.mark.parametrize(
    ("header", "value"),
    [
        (f"{NAME}=a", "a"),
        (f"x=1; {NAME}=a; y=2", "a"),
        (f"{NAME}=a; {NAME}=b", "a"),  # the first pair wins, as in better-call (Starlette keeps the last)
        (f"{NAME}=; {NAME}=b", ""),  # even an empty one
        (f' {NAME} = "a%2Bb" ', "a+b"),  # trimmed, one pair of quotes dropped, then decoded
        (f'{NAME}="a', ""),  # a leading quote drops the first and the last character, as slice(1, -1) does
        (f"noequals; {NAME}=a", "a"),
        (f"x=1;{NAME}=a=b", "a=b"),  # split at the first `=` only
        (f"other{NAME}=a", None),
        (f"__Secure-{NAME}=a", None),
        ("", None),
        (f"\xa0{NAME}=a\xa0", "a"),  # JavaScript's trim removes NBSP...
        (f"{NAME}=a\x85", "a\x85"),  # ...but not NEL, which Python's str.strip() would
        (f"\x85{NAME}=a", None),
    ],
)
def test_cookie_value_is_better_calls_parse(header: str, value: str | None) -> None:
    assert cookie_value(header, NAME) == value


def test_unsign_is_get_signed_cookie() -> None:
    signed = sign("tok", SECRET)
    token, _, signature = signed.partition(".")
    assert unsign(signed, SECRET) == "tok"
    urlsafe = signature.replace("+", "-").replace("/", "_")
    for refused in (
        signature.rstrip("="),  # 43 characters
        urlsafe if urlsafe != signature else signature[:-2] + "-=",  # atob refuses base64url characters
        signature + "x",
    ):
        assert unsign(f"{token}.{refused}", SECRET) is None
    assert unsign(f".{signature}", SECRET) is None
    assert unsign(f"a.{sign('a.b', SECRET).rpartition('.')[2]}", SECRET) is None
    assert unsign(sign("a.b", SECRET), SECRET) == "a.b"  # the last dot splits


def test_bearer_session_token_is_the_bearer_plugin_then_get_signed_cookie() -> None:
    signed = sign("tok", SECRET)
    token, _, signature = signed.partition(".")
    assert bearer_session_token("rawtoken", SECRET) == "rawtoken"
    assert bearer_session_token("raw%41", SECRET) == "raw%41"  # no dot: the raw token as sent, not decoded
    assert bearer_session_token(signed, SECRET) == "tok"
    escaped = f"{token}.{signature.replace('+', '%2B').replace('/', '%2F').replace('=', '%3D')}"
    assert bearer_session_token(escaped, SECRET) == "tok"
    assert bearer_session_token(f"{token}%2E{signature}", SECRET) == f"{token}%2E{signature}"  # no literal dot
    assert bearer_session_token(f"{token}.{signature.rstrip('=')}", SECRET) is None
    assert bearer_session_token(f"{token}.{signature}x", SECRET) is None


@pytest.mark.parametrize(
    ("header", "credential"),
    [
        ("Bearer abc", "abc"),
        ("bEaReR  abc ", "abc"),
        ("Bearer abc\xa0", "abc"),
        ("Bearer abc\x85", "abc\x85"),
        ("\xa0Bearer abc", None),  # the plugin compares the first seven characters as they are
        ("Bearer\tabc", None),
        ("Basic abc", None),
        ("Bearer", None),
    ],
)
def test_bearer_credential_is_read_as_the_bearer_plugin_reads_it(header: str, credential: str | None) -> None:
    assert bearer_credential(header) == credential


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # Node drops the spaces and tabs around each value before joining repeated headers; httptools keeps
        # trailing ones, so `Bearer ` then a token must still be `Bearer, tok` (no Bearer credential: the cookie).
        ([(b"authorization", b"Bearer "), (b"authorization", b"tok"), (b"cookie", b"c=1")], ("Bearer, tok", "c=1")),
        ([(b"authorization", b"Basic x\t"), (b"cookie", b"a=1"), (b"cookie", b"b=2")], ("Basic x", "a=1; b=2")),
        ([(b"authorization", b"Bearer tok "), (b"cookie", b"c=1")], ("Bearer tok", None)),
        ([(b"cookie", b"c=1")], (None, "c=1")),
    ],
)
def test_credential_headers_are_joined_as_node_joins_them(
    raw: list[tuple[bytes, bytes]], expected: tuple[str | None, str | None]
) -> None:
    from starlette.requests import HTTPConnection

    from gatehouse_fastapi._gatehouse import _credential_headers

    assert _credential_headers(HTTPConnection({"type": "http", "headers": raw})) == expected
