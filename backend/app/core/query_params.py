"""A query parameter given more than once is refused: 400 `VALIDATION_ERROR`, as the auth server refuses a repeated
scalar parameter (better-call validates `?limit=1&limit=2` as an array, which no number schema takes).

Every query parameter of this API takes one value, and Starlette's reading of a repeated one is the last value: a
proxy or cache in front that reads the first would see another request than the app (HTTP parameter pollution).
"""

from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Receive, Scope, Send

from app.errors import ErrorCode, error_response


def repeated_parameter(query_string: bytes) -> str | None:
    """The first parameter name that appears twice in `query_string` (raw, percent-encoded), or None."""
    if b"&" not in query_string:
        return None  # one parameter at most: nothing to compare
    seen: set[str] = set()
    for name, _ in parse_qsl(query_string.decode("latin-1"), keep_blank_values=True):
        if name in seen:
            return name
        seen.add(name)
    return None


class SingleValuedQueryMiddleware:
    """400 `VALIDATION_ERROR` naming the parameter (`query.<name>: given more than once`) for a request whose
    query string repeats one; every other request passes untouched."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            name = repeated_parameter(scope.get("query_string", b""))
            if name is not None:
                shown = name if len(name) <= 64 else name[:64] + "…"
                message = f"query.{shown}: given more than once (each query parameter takes one value)"
                await error_response(ErrorCode.VALIDATION_ERROR, message)(scope, receive, send)
                return
        await self.app(scope, receive, send)
