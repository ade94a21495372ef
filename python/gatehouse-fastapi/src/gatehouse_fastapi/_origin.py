"""The origin check for cookie-authenticated requests: the CSRF defence better-auth applies to its own endpoints.

Source: better-auth 1.7 `originCheckMiddleware` / `validateOrigin` (`better-auth/dist/api/middlewares/origin-check`):
a request that is not GET, HEAD or OPTIONS and carries cookies must name a trusted origin in `Origin`, or, when
there is none, in `Referer`; neither (or the opaque origin `null`) is 403 `MISSING_OR_NULL_ORIGIN`, another origin
403 `INVALID_ORIGIN`. Here the rule applies where the package's cookie is the credential: a request authenticated by
a Bearer credential carries nothing a browser adds by itself, so another site cannot forge it (OWASP CSRF
Prevention Cheat Sheet, "Verifying Origin With Standard Headers"). A WebSocket handshake is a GET, but browsers send
cookies on cross-site handshakes without any CORS check (cross-site WebSocket hijacking), so it is checked too.
"""

import ipaddress
import re
from collections.abc import Iterable
from urllib.parse import urlsplit

from starlette.requests import HTTPConnection

from gatehouse_fastapi._contract import ErrorCode

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
"""The methods better-auth's origin check lets through; every other method, TRACE and unregistered ones included,
is checked."""

_DEFAULT_PORTS = {"http": 80, "https": 443}
_WS_SCHEMES = {"ws": "http", "wss": "https"}
_SERIALISED_ORIGIN = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[A-Za-z0-9.:\[\]-]+")
"""What an `Origin` header holds when a browser wrote it (RFC 6454 §6.2): scheme, `://`, an ASCII host (a
punycode name, an IPv4 address or a bracketed IPv6 one) and an optional port; no userinfo, path or other byte."""


def origin_of(url: str) -> str | None:
    """The serialised origin (`scheme://host[:port]`, RFC 6454 §6.1: lower case, default port omitted, an IPv6
    address in its compressed form) of an absolute http(s) URL, or None for anything else (relative, another
    scheme, no host, a bad port, userinfo, a backslash, a host that is not ASCII).
    """
    if "\\" in url or not url.isascii():
        return None  # parsers disagree on both (WHATWG URLs treat `\\` as `/`); browsers send neither
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname or "@" in parts.netloc:
        return None
    host = parts.hostname.lower()
    if ":" in host:  # IPv6 literal: one spelling, in brackets, as the Origin header writes it
        try:
            host = f"[{ipaddress.IPv6Address(host).compressed}]"
        except ValueError:
            return None
    return f"{scheme}://{host}" if port in (None, _DEFAULT_PORTS[scheme]) else f"{scheme}://{host}:{port}"


def parse_trusted_origins(origins: Iterable[str]) -> frozenset[str]:
    """Configured trusted origins (`https://app.example.com`, an optional trailing `/`), serialised as `origin_of`
    does. Raises ValueError naming the first entry that is not exactly an http(s) origin: a wildcard (better-auth's
    `*.example.com` patterns are not supported here: list each origin), userinfo, a path, query or fragment (a URL
    prefix, which this check does not match), or a host that is not ASCII (write it in punycode, as browsers send it).
    """
    result = set()
    for entry in origins:
        origin = origin_of(entry)
        parts = urlsplit(entry.strip())
        if origin is None or "*" in entry or parts.path not in ("", "/") or parts.query or parts.fragment:
            raise ValueError(f"{entry!r} is not an http(s) origin such as https://app.example.com")
        result.add(origin)
    return frozenset(result)


def _own_origin(connection: HTTPConnection) -> str | None:
    # The origin the request was sent to, as the server sees it (scheme from the ASGI server, which applies
    # trusted proxy headers; Host as sent): a same-origin page, such as the app's own API docs, is trusted.
    host = connection.headers.get("host")
    if not host:
        return None
    scheme = connection.scope.get("scheme", "http")
    return origin_of(f"{_WS_SCHEMES.get(scheme, scheme)}://{host}")


def _claimed_origin(connection: HTTPConnection) -> str | None:
    # `Origin` when present (exactly one, in its serialised form), else `Referer`'s origin; "" for neither or the
    # opaque `null`, None for a value that is not an origin. A browser sends `Origin: null` from its own page's form
    # under `Referrer-Policy: no-referrer`; `Sec-Fetch-Site: same-origin`, which pages cannot set, then vouches for
    # the page being the request's own origin, as better-auth's `validateOrigin` reads it.
    headers = connection.headers
    origins = headers.getlist("origin")
    if len(origins) > 1:
        return None  # the Fetch standard would join them into one invalid value
    if origins and origins[0] and origins[0] != "null":
        return origin_of(origins[0]) if _SERIALISED_ORIGIN.fullmatch(origins[0]) else None
    if origins and origins[0] == "null":
        return (_own_origin(connection) or "") if headers.get("sec-fetch-site") == "same-origin" else ""
    referer = headers.get("referer")
    return origin_of(referer) if referer else ""


def origin_refusal(connection: HTTPConnection, trusted: frozenset[str]) -> tuple[ErrorCode, str] | None:
    """Why a cookie-authenticated `connection` must be refused (the code, and better-auth's message for it), or
    None when it may proceed: safe HTTP methods always; other methods and WebSocket handshakes when `Origin` (else
    `Referer`) is one of `trusted` or the request's own origin.
    """
    if connection.scope["type"] == "http" and connection.scope["method"] in SAFE_METHODS:
        return None
    origin = _claimed_origin(connection)
    if origin == "":
        return ErrorCode.MISSING_OR_NULL_ORIGIN, "Missing or null Origin"
    if origin is None or (origin not in trusted and origin != _own_origin(connection)):
        return ErrorCode.INVALID_ORIGIN, "Invalid origin"
    return None
