"""Request bodies must be text that can be stored: valid UTF-8 without lone surrogates (issue 12 item 9).

Python's `json.loads` decodes bytes with `surrogatepass` and turns a `"\\ud800"` escape into a lone surrogate, a
`str` that cannot be encoded as UTF-8 (SQLite's driver raises on it, PostgreSQL refuses it). pydantic refuses such
a `str` in a typed field; this check holds for every body whatever its schema, and answers bytes that are not UTF-8
at all with the same 400 `VALIDATION_ERROR` instead of a generic parse error. The auth server refuses the same
bodies with the same answer (its user-fields plugin), so neither service stores such text.
"""

import json
import re
from typing import Any
from urllib.parse import unquote_to_bytes

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.errors import ErrorCode, error_response

_BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# A JSON escape of a UTF-16 surrogate (paired or not): only bodies holding one need a full look.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


def _well_formed(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _ill_formed_path(value: Any) -> str | None:
    """Path of the first string (key or value) with a lone surrogate anywhere in a parsed JSON value, or None."""
    pending: list[tuple[Any, str]] = [(value, "")]
    while pending:
        item, path = pending.pop()
        if isinstance(item, str):
            if not _well_formed(item):
                return path or "body"
        elif isinstance(item, dict):
            for key, child in item.items():
                at = f"{path}.{key}" if path else str(key)
                if not _well_formed(key):
                    return at.encode("utf-8", "backslashreplace").decode()
                pending.append((child, at))
        elif isinstance(item, list):
            pending.extend((child, f"{path}.{i}" if path else str(i)) for i, child in enumerate(item))
    return None


def body_problem(body: bytes, content_type: str) -> str | None:
    """Why `body` cannot be taken as text (for a JSON or form body), or None.

    JSON that does not parse is not judged here: the route answers it as any other malformed body.
    """
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return "The request body is not valid UTF-8."
    if content_type.startswith("application/x-www-form-urlencoded"):
        for part in text.split("&"):
            try:
                unquote_to_bytes(part.replace("+", " ")).decode("utf-8")
            except UnicodeDecodeError:
                return "A form field is not valid UTF-8 once percent-decoded."
        return None
    if not _SURROGATE_ESCAPE.search(body):
        return None
    try:
        parsed = json.loads(text)
    except ValueError:
        return None
    at = _ill_formed_path(parsed)
    if at is None:
        return None
    return f"{at}: must be well-formed Unicode text (no lone surrogates)"


class WellFormedTextMiddleware:
    """400 `VALIDATION_ERROR` for a JSON or form body that is not valid UTF-8 or holds a lone surrogate.

    Runs inside the body-size limit, which bounds what is buffered here; the body is replayed to the app unchanged.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in _BODY_METHODS:
            await self.app(scope, receive, send)
            return
        content_type = next((v for k, v in scope["headers"] if k == b"content-type"), b"").decode("latin-1").lower()
        if not (content_type.startswith("application/") and ("json" in content_type or "form" in content_type)):
            await self.app(scope, receive, send)
            return
        messages: list[Message] = []
        chunks: list[bytes] = []
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                break
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        problem = body_problem(b"".join(chunks), content_type)
        if problem is not None:
            await error_response(ErrorCode.VALIDATION_ERROR, problem)(scope, receive, send)
            return

        async def replay() -> Message:
            return messages.pop(0) if messages else await receive()

        await self.app(scope, replay, send)
