"""uvicorn's httptools protocol, refusing request heads over `MAX_HEADER_BYTES` while they arrive.

httptools (llhttp) has no head limit of its own: an 8 MB header is buffered whole before the app sees it. This
protocol counts the bytes of the head being received and, past the limit, answers 431 `HEADERS_TOO_LARGE` with
`Connection: close` and closes, as Node does for the auth server (`maxHeaderSize`). Bytes that are not HTTP/1.1
get 400 `BAD_REQUEST` as JSON too, instead of uvicorn's plain text. Use it with
`uvicorn --http app.core.http_protocol:HeaderLimitedHttpToolsProtocol`; the limit comes from the settings
(`app.core.header_limit` explains the two layers).
"""

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

from app.core.config import get_settings
from app.core.header_limit import headers_too_large_body, not_http_body


class HeaderLimitedHttpToolsProtocol(HttpToolsProtocol):
    """`HttpToolsProtocol` with a bound on each request's head (request line and headers), in bytes."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.max_header_bytes = get_settings().max_header_bytes
        self._in_head = True  # bytes arriving now belong to a request head
        self._raw_head_bytes = 0  # bytes received while in a head (bounds memory before a header ends)
        self._head_bytes = 0  # exact size of the head, from the parser's callbacks
        self._refused = False

    def data_received(self, data: bytes) -> None:
        if self._refused:
            return
        if self._in_head:
            self._raw_head_bytes += len(data)
        super().data_received(data)
        # Still in the head after all of `data` was parsed: every byte counted so far is head.
        if not self._refused and self._in_head and self._raw_head_bytes > self.max_header_bytes:
            self._refuse()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._in_head = True
        self._head_bytes = 0

    def on_url(self, url: bytes) -> None:
        self._head_bytes += len(url)
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._head_bytes += len(name) + len(value) + 4
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._in_head = False
        self._raw_head_bytes = 0
        if self._head_bytes > self.max_header_bytes:
            self._refuse()
            return
        super().on_headers_complete()

    def on_body(self, body: bytes) -> None:
        if not self._refused:
            super().on_body(body)

    def on_message_complete(self) -> None:
        if self._refused:
            return
        super().on_message_complete()
        self._in_head = True
        self._raw_head_bytes = 0

    def _refuse(self) -> None:
        self._close_with(431, headers_too_large_body(self.max_header_bytes))

    def send_400_response(self, msg: str) -> None:
        """Bytes llhttp cannot parse as HTTP/1.1 (a duplicate Content-Length, Content-Length with Transfer-Encoding,
        an unknown Transfer-Encoding, a folded or NUL-bearing header, a bad method, bare LF line ends): uvicorn
        answers `text/plain`; this answers `{code, message}` as the auth server does (`http-server.ts`), then
        closes. `msg` is uvicorn's wording and is not sent.
        """
        self._close_with(400, not_http_body())

    def _close_with(self, status: int, body: bytes) -> None:
        # One refusal per connection: llhttp may go on parsing the rest of a chunk after the first one.
        if self._refused or self.transport.is_closing():
            return
        self._refused = True
        head = [STATUS_LINE[status]]
        for name, value in self.server_state.default_headers:
            head += [name, b": ", value, b"\r\n"]
        head += [
            b"content-type: application/json\r\n",
            b"content-length: " + str(len(body)).encode() + b"\r\n",
            b"connection: close\r\n\r\n",
        ]
        transport: asyncio.Transport = self.transport
        transport.write(b"".join(head) + body)
        transport.close()
