"""The origin check for cookie-authenticated requests: the CSRF defence better-auth applies to its own endpoints.

Source: better-auth 1.7 `originCheckMiddleware` / `validateOrigin` (`better-auth/dist/api/middlewares/origin-check`):
a request that is not GET, HEAD or OPTIONS and carries cookies must name a trusted origin in `Origin`, or, when
there is none, in `Referer`; neither (or the opaque origin `null`) is 403 `MISSING_OR_NULL_ORIGIN`, another origin
403 `INVALID_ORIGIN`. Here the rule applies where the package's cookie is the credential: a request authenticated by
a Bearer credential carries nothing a browser adds by itself, so another site cannot forge it (OWASP CSRF
Prevention Cheat Sheet, "Verifying Origin With Standard Headers"). A WebSocket handshake is a GET, but browsers send
cookies on cross-site handshakes without any CORS check (cross-site WebSocket hijacking), so it is checked too.
"""

from collections.abc import Iterable
from urllib.parse import urlsplit

from starlette.requests import HTTPConnection

from gatehouse_fastapi._contract import ErrorCode

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
"""Methods better-auth's origin check lets through (RFC 9110 §9.2.1 safe methods, minus TRACE, which no route has)."""

_DEFAULT_PORTS = {"http": 80, "https": 443}
_WS_SCHEMES = {"ws": "http", "wss": "https"}


def origin_of(url: str) -> str | None:
    """The serialised origin (`scheme://host[:port]`, RFC 6454 §6.1: lower case, default port omitted) of an
    absolute http(s) URL, or None for anything else (relative, another scheme, no host, a bad port).
    """
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        return None
    host = parts.hostname.lower()
    if ":" in host:  # IPv6 literal: brackets again, as the Origin header writes it
        host = f"[{host}]"
    return f"{scheme}://{host}" if port in (None, _DEFAULT_PORTS[scheme]) else f"{scheme}://{host}:{port}"


def trusted_origin_set(origins: Iterable[str]) -> frozenset[str]:
    """The configured trusted origins, serialised. Raises ValueError for an entry that is not an absolute http(s)
    origin (a path beyond `/`, a query or a fragment would suggest a URL prefix, which this check does not match).
    """
    result = set()
    for entry in origins:
        origin = origin_of(entry)
        parts = urlsplit(entry.strip())
        if origin is None or parts.path not in ("", "/") or parts.query or parts.fragment or parts.username:
            raise ValueError(f"trusted_origins: {entry!r} is not an http(s) origin such as https://app.example.com")
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


def origin_refusal(connection: HTTPConnection, trusted: frozenset[str]) -> tuple[ErrorCode, str] | None:
    """Why a cookie-authenticated `connection` must be refused (the code, and better-auth's message for it), or
    None when it may proceed: safe HTTP methods always; other methods and WebSocket handshakes when `Origin` (else
    `Referer`) is one of `trusted` or the request's own origin.
    """
    if connection.scope["type"] == "http" and connection.scope["method"] in SAFE_METHODS:
        return None
    headers = connection.headers
    claimed = headers.get("origin") or headers.get("referer") or ""
    if not claimed or claimed == "null":
        return ErrorCode.MISSING_OR_NULL_ORIGIN, "Missing or null Origin"
    origin = origin_of(claimed)
    if origin is None or (origin not in trusted and origin != _own_origin(connection)):
        return ErrorCode.INVALID_ORIGIN, "Invalid origin"
    return None
