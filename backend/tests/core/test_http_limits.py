"""Issue 12 items 13 and 14 on a real uvicorn worker, launched as production launches it.

13: request heads over MAX_HEADER_BYTES (16 KiB, as the auth server) get 431 `HEADERS_TOO_LARGE` with
`Connection: close`, however they are made large (one header, many, the target), and an 8 MB head is refused
while it arrives. 14: after a 413 the connection stays usable (the body is drained) for declared and chunked
bodies alike; after a 431 the server says `Connection: close` and closes.
"""

import json
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from gatehouse_test_support.jwks import JwksServer
from gatehouse_test_support.processes import REPO_ROOT

from tests.utils.raw_http import RawConnection, chunked, request
from tests.utils.services import UVICORN_HTTP_PROTOCOL, Service, start_backend_worker

HEALTH = "/api/v1/health"
THIS_FILE = "backend/tests/core/test_http_limits.py"
LIMIT = 16 * 1024


@pytest.fixture(scope="module")
def worker(migrated_url: str, jwks_server: JwksServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    service = start_backend_worker(
        name="limits",
        database_url=migrated_url,
        auth_url=jwks_server.base_url,
        jwks_url=jwks_server.base_url + "/api/auth/jwks",
        log_dir=Path(tmp_path_factory.mktemp("limits")),
    )
    try:
        service.wait_healthy()
        yield service
    finally:
        service.stop()


async def connect(worker: Service) -> RawConnection:
    return await RawConnection.open("127.0.0.1", worker.port)


@pytest.mark.parametrize(
    "headers",
    [
        {"X-Big": "a" * (LIMIT + 1)},
        {f"X-Many-{i}": "b" * 200 for i in range(90)},
        {"Cookie": "c=" + "d" * 20_000},
    ],
    ids=["one-header", "many-headers", "cookie"],
)
async def test_head_over_limit_returns_431_and_closes(worker: Service, headers: dict[str, str]) -> None:
    conn = await connect(worker)
    response = await conn.exchange(request("GET", HEALTH, headers=headers))
    assert response.status == 431
    assert json.loads(response.body)["code"] == "HEADERS_TOO_LARGE"
    assert response.headers["connection"] == "close"
    assert await conn.closed_by_peer()


async def test_target_over_limit_returns_431(worker: Service) -> None:
    conn = await connect(worker)
    response = await conn.exchange(request("GET", HEALTH + "?q=" + "e" * (LIMIT + 1)))
    assert (response.status, json.loads(response.body)["code"]) == (431, "HEADERS_TOO_LARGE")


async def test_8mb_header_refused_while_it_arrives(worker: Service) -> None:
    conn = await connect(worker)
    started = time.monotonic()
    await conn.send(b"GET " + HEALTH.encode() + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ")
    sent = 0
    response = None
    while sent < 8_000_000:  # the answer comes long before the head could end
        await conn.send(b"f" * 65536)
        sent += 65536
        if sent >= 64 * 1024:
            response = await conn.read_response()
            break
    assert response is not None
    assert (response.status, json.loads(response.body)["code"]) == (431, "HEADERS_TOO_LARGE")
    assert time.monotonic() - started < 10


async def test_head_just_under_limit_is_served_on_a_reused_connection(worker: Service) -> None:
    conn = await connect(worker)
    for _ in range(3):
        response = await conn.exchange(request("GET", HEALTH, headers={"X-Fill": "g" * (LIMIT - 1024)}))
        assert response.status == 200
    await conn.close()


@pytest.mark.parametrize("size", [70_000, 2_000_000])
@pytest.mark.parametrize("encoding", ["content-length", "chunked"])
async def test_connection_reusable_after_413(worker: Service, size: int, encoding: str) -> None:
    body = b"x" * size
    headers = {"Content-Type": "application/json"}
    data = (
        chunked("POST", "/api/v1/tasks", body, headers=headers)
        if encoding == "chunked"
        else (request("POST", "/api/v1/tasks", headers=headers, body=body))
    )
    conn = await connect(worker)
    refused = await conn.exchange(data)
    assert (refused.status, json.loads(refused.body)["code"]) == (413, "PAYLOAD_TOO_LARGE")
    if refused.headers.get("connection") == "close":  # the other honest answer: say so, then close
        assert await conn.closed_by_peer()
        return
    after = await conn.exchange(request("GET", HEALTH))
    assert after.status == 200
    await conn.close()


async def test_app_refuses_large_head_whatever_serves_it(client: httpx.AsyncClient) -> None:
    """The in-app layer: a server without the protocol (here, in-process) still gets 431 from the app."""
    response = await client.get(HEALTH, headers={"X-Big": "h" * (LIMIT + 1)})
    assert (response.status_code, response.json()["code"]) == (431, "HEADERS_TOO_LARGE")
    assert response.headers["connection"] == "close"
    assert (await client.get(HEALTH, headers={"X-Fill": "i" * (LIMIT - 1024)})).status_code == 200


def test_every_launch_of_the_backend_bounds_request_heads() -> None:
    """Each command that starts the backend's uvicorn (dev, Docker, tests, e2e, bench) names the protocol."""
    files = subprocess.run(["git", "ls-files"], cwd=REPO_ROOT, capture_output=True, text=True, check=True).stdout
    launches = 0
    for name in files.split():
        path = REPO_ROOT / name
        if path.suffix in {".md", ".json"} or name in {"backend/app/main.py", THIS_FILE} or not path.is_file():
            continue
        text = path.read_text(errors="replace")
        uses = text.count("app.main:create_production_app")
        if uses:
            launches += uses
            assert text.count(UVICORN_HTTP_PROTOCOL) >= uses, (
                f"{name} starts uvicorn without --http {UVICORN_HTTP_PROTOCOL}"
            )
    assert launches >= 5


@pytest.mark.parametrize(
    "raw",
    [
        b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
        b"POST /api/v1/tasks HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        b"POST /api/v1/tasks HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n",
        b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\nX-A: a\r\n folded\r\n\r\n",
        b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\nX-A: a\x00b\r\n\r\n",
        b"G(T /api/v1/health HTTP/1.1\r\nHost: x\r\n\r\n",
    ],
    ids=["two-content-lengths", "length-and-chunked", "unknown-transfer-encoding", "folded", "nul", "bad-method"],
)
async def test_bytes_that_are_not_http_get_a_json_400(worker: Service, raw: bytes) -> None:
    """What llhttp refuses is answered like every other error (`{code, message}`, as the auth server answers it),
    not with uvicorn's plain text, and the connection is closed."""
    conn = await connect(worker)
    response = await conn.exchange(raw)
    assert response.status == 400
    assert response.headers["content-type"] == "application/json"
    assert json.loads(response.body) == {"code": "BAD_REQUEST", "message": "The request is not valid HTTP."}
    assert response.headers["connection"] == "close"
    assert await conn.closed_by_peer()
