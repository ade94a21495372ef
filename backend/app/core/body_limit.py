"""Refuses request bodies above a size limit before anything parses them."""

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.errors import ErrorCode


class BodySizeLimitMiddleware:
    """413 `PAYLOAD_TOO_LARGE` for bodies over `max_bytes`, declared (Content-Length) or streamed.

    A streamed body (no Content-Length) is read up to the limit before the app sees it, then replayed;
    the app's own body parsing would otherwise turn an interrupted read into a generic 400.
    """

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = [value for name, value in scope.get("headers", []) if name == b"content-length"]
        if declared:
            if not declared[0].isdigit() or int(declared[0]) > self.max_bytes:
                await self._reject(send)
                return
            await self.app(scope, receive, send)
            return
        buffered: list[Message] = []
        size = 0
        while True:
            message = await receive()
            buffered.append(message)
            if message["type"] != "http.request":
                break
            size += len(message.get("body", b""))
            if size > self.max_bytes:
                await self._reject(send)
                return
            if not message.get("more_body", False):
                break

        async def replay() -> Message:
            return buffered.pop(0) if buffered else await receive()

        await self.app(scope, replay, send)

    @staticmethod
    async def _reject(send: Send) -> None:
        body = b'{"code":"%s","message":"Request body too large."}' % ErrorCode.PAYLOAD_TOO_LARGE.value.encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
            }
        )
        await send({"type": "http.response.body", "body": body})
