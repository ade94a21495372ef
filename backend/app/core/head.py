"""`HEAD` answered as `GET` without the body (RFC 9110 §9.3.2), as the auth server answers it.

FastAPI routes only the methods a route declares, so `HEAD` on a `GET` route was 405 here while the auth server
(Hono) answered it; one edge for both services (tests/integration/test_edge_answers.py).
"""

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class HeadAsGetMiddleware:
    """Routes a `HEAD` request as `GET` and sends the same status and headers (Content-Length included, RFC 9110
    §9.3.2) with an empty body. A path that serves no `GET` answers as `GET` there would: 405 naming its methods,
    or 404; `HEAD` never reaches a route of another method.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return
        finished = False

        async def send_head(message: Message) -> None:
            nonlocal finished
            if message["type"] == "http.response.body":
                if finished or message.get("more_body", False):
                    return  # the body's chunks are not sent; one empty last message ends the response
                finished = True
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, send_head)
