"""A bound on the size of a request's head (request line and headers): 431 `HEADERS_TOO_LARGE` above it.

Two layers enforce the one limit (`MAX_HEADER_BYTES`, 16 KiB by default, Node's default `maxHeaderSize`, so the
auth server and the backend refuse the same requests):
- `app.core.http_protocol` stops reading a head at the limit, inside uvicorn, so an 8 MB header never sits in
  memory; every launch of the backend passes `--http app.core.http_protocol:HeaderLimitedHttpToolsProtocol`.
- `HeaderSizeLimitMiddleware` refuses, inside the app, what any other server hands over, so the rule holds
  whatever serves the app.
Size counts the target (path and query), every header name and value, and 4 bytes per header (`: ` and CRLF).
"""

import json

from starlette.types import ASGIApp, Receive, Scope, Send

from app.errors import ErrorCode


def headers_too_large_body(max_bytes: int) -> bytes:
    """The `{code, message}` body of a 431."""
    message = f"Request headers are larger than {max_bytes} bytes."
    return json.dumps({"code": ErrorCode.HEADERS_TOO_LARGE.value, "message": message}).encode()


def not_http_body() -> bytes:
    """The `{code, message}` body of a 400 for bytes that are not HTTP/1.1 (the auth server's wording)."""
    return json.dumps({"code": ErrorCode.BAD_REQUEST.value, "message": "The request is not valid HTTP."}).encode()


class HeaderSizeLimitMiddleware:
    """431 `HEADERS_TOO_LARGE` (with `Connection: close`) for a request head over `max_bytes`."""

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            headers = scope["headers"]
            size = len(scope.get("raw_path") or scope["path"].encode()) + len(scope.get("query_string", b""))
            size += 4 * len(headers)
            for name, value in headers:  # a plain loop: the cheapest way in CPython, on every request
                size += len(name) + len(value)
            if size > self.max_bytes:
                body = headers_too_large_body(self.max_bytes)
                response_headers = [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ]
                await send({"type": "http.response.start", "status": 431, "headers": response_headers})
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)
