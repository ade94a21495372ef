"""HTTP/1.1 over a plain socket, for what clients like httpx hide: connection reuse after an error, oversized
heads, chunked bodies."""

import asyncio
import contextlib
from dataclasses import dataclass


@dataclass
class RawResponse:
    """A parsed response: status, lower-cased headers, body."""

    status: int
    headers: dict[str, str]
    body: bytes


class RawConnection:
    """One keep-alive connection; `exchange` writes raw request bytes and reads one response."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    @classmethod
    async def open(cls, host: str, port: int) -> "RawConnection":
        """Connect to `host:port`."""
        reader, writer = await asyncio.open_connection(host, port, limit=1 << 20)
        return cls(reader, writer)

    async def send(self, data: bytes) -> None:
        """Write `data`; a peer that already closed may refuse the rest (ignored: its answer is what counts)."""
        with contextlib.suppress(ConnectionResetError, BrokenPipeError):
            self.writer.write(data)
            await self.writer.drain()

    async def read_response(self, within: float = 10.0) -> RawResponse:
        """Read one response with a Content-Length body; raises EOFError if the peer closed first."""
        async with asyncio.timeout(within):
            try:
                head = await self.reader.readuntil(b"\r\n\r\n")
            except asyncio.IncompleteReadError as exc:
                raise EOFError("connection closed before a response") from exc
            lines = head.decode("latin-1").split("\r\n")
            status = int(lines[0].split(" ", 2)[1])
            headers = {}
            for line in lines[1:]:
                if line:
                    name, _, value = line.partition(":")
                    headers[name.strip().lower()] = value.strip()
            body = await self.reader.readexactly(int(headers.get("content-length", "0")))
            return RawResponse(status, headers, body)

    async def exchange(self, data: bytes, within: float = 10.0) -> RawResponse:
        """Send a request, read its response."""
        await self.send(data)
        return await self.read_response(within)

    async def closed_by_peer(self, within: float = 5.0) -> bool:
        """Whether the peer closes the connection (EOF or reset) within `within` seconds."""
        try:
            async with asyncio.timeout(within):
                return await self.reader.read(1) == b""
        except ConnectionResetError:
            return True
        except TimeoutError:
            return False

    async def close(self) -> None:
        """Close our side."""
        self.writer.close()
        with contextlib.suppress(ConnectionResetError, BrokenPipeError):
            await self.writer.wait_closed()


def request(method: str, target: str, *, headers: dict[str, str] | None = None, body: bytes | None = None) -> bytes:
    """Serialise a request (Content-Length added for a body)."""
    lines = [f"{method} {target} HTTP/1.1", "Host: 127.0.0.1"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    if body is not None:
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + (body or b"")


def chunked(method: str, target: str, body: bytes, *, headers: dict[str, str] | None = None, size: int = 8192) -> bytes:
    """Serialise a request with a chunked body."""
    head = request(method, target, headers={**(headers or {}), "Transfer-Encoding": "chunked"})
    chunks = [
        f"{len(body[i : i + size]):x}\r\n".encode() + body[i : i + size] + b"\r\n" for i in range(0, len(body), size)
    ]
    return head + b"".join(chunks) + b"0\r\n\r\n"
