"""Security headers on every response, and `Cache-Control: no-store` on the API.

The backend answers JSON that no browser should render, frame or cache, so the default policy lets
nothing load at all. The API docs (/docs, /redoc) are the only HTML pages; they set their own, narrower
CSP (see `app.core.docs`), which this middleware leaves in place.
"""

from collections.abc import Iterable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

# A JSON API: nothing to load, nothing may frame it, no <base> or form target to hijack.
API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
HSTS = "max-age=31536000; includeSubDomains"

_COMMON: tuple[tuple[bytes, bytes], ...] = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-site"),
    (b"x-permitted-cross-domain-policies", b"none"),
)
# Headers that only advertise the software stack.
_LEAKS = frozenset({b"server", b"x-powered-by"})


class SecurityHeadersMiddleware:
    """Adds the security headers; `no_store_prefixes` responses also get `Cache-Control: no-store`.

    HSTS is sent when the request arrived over HTTPS (uvicorn sets the scheme from `X-Forwarded-Proto`
    for the proxies in FORWARDED_ALLOW_IPS) or when `force_hsts` says the public URL is https; sent over
    plain-HTTP localhost it would pin a development host to HTTPS.
    """

    def __init__(self, app: ASGIApp, *, force_hsts: bool = False, no_store_prefixes: Iterable[str] = ()) -> None:
        self.app = app
        self.force_hsts = force_hsts
        self.no_store_prefixes = tuple(no_store_prefixes)
        if any(not prefix.startswith("/") for prefix in self.no_store_prefixes):
            raise ValueError("no_store_prefixes must be absolute paths")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        https = self.force_hsts or scope.get("scheme") == "https"
        path: str = scope.get("path", "")
        no_store = path.startswith(self.no_store_prefixes)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": self._headers(message.get("headers", []), https, no_store)}
            await send(message)

        await self.app(scope, receive, send_with_headers)

    @staticmethod
    def _headers(raw: Iterable[tuple[bytes, bytes]], https: bool, no_store: bool) -> list[tuple[bytes, bytes]]:
        headers = [(name, value) for name, value in raw if name.lower() not in _LEAKS]
        present = {name.lower() for name, _ in headers}
        if b"content-security-policy" not in present:  # the docs pages bring their own
            headers.append((b"content-security-policy", API_CSP.encode()))
        headers.extend(item for item in _COMMON if item[0] not in present)
        if https:
            headers.append((b"strict-transport-security", HSTS.encode()))
        if no_store:
            # Per-user data (sessions, profiles, tasks, audit rows): no shared or browser cache may keep it.
            headers = [(name, value) for name, value in headers if name.lower() not in {b"cache-control", b"pragma"}]
            headers.extend(((b"cache-control", b"no-store"), (b"pragma", b"no-cache")))
        return headers
