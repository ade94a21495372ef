"""JSON logs with the request id; X-Request-ID kept when sane, generated otherwise, always echoed."""

import json
import logging
import sys

import httpx
import pytest

from app.core.logging import (
    DevFormatter,
    JsonFormatter,
    configure_logging,
    forward_request_id,
    pick_request_id,
    request_id_var,
    request_log_level,
)


async def test_request_id_is_kept_and_echoed(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/health", headers={"X-Request-ID": "abc-123"})
    assert response.headers["x-request-id"] == "abc-123"


@pytest.mark.parametrize("incoming", [None, "", "has spaces", "x" * 500, "new\nline"])
async def test_request_id_is_generated_when_missing_or_unsafe(client: httpx.AsyncClient, incoming: str | None) -> None:
    headers = {"X-Request-ID": incoming} if incoming is not None and "\n" not in incoming else {}
    response = await client.get("/api/v1/health", headers=headers)
    generated = response.headers["x-request-id"]
    assert len(generated) == 32
    assert generated != incoming
    assert pick_request_id(incoming) != incoming


async def test_access_log_is_json_with_request_id(client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="gatehouse.access"):
        await client.get("/api/v1/health", headers={"X-Request-ID": "req-42"})
    record = next(r for r in caplog.records if r.name == "gatehouse.access")
    token = request_id_var.set("req-42")
    try:
        line = json.loads(JsonFormatter().format(record))
    finally:
        request_id_var.reset(token)
    assert line["message"] == "request"
    assert line["request_id"] == "req-42"
    assert (line["method"], line["path"], line["status"]) == ("GET", "/api/v1/health", 200)
    assert isinstance(line["duration_ms"], float)


def test_json_formatter_includes_exception() -> None:
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed %s", ("here",), exc_info=sys.exc_info())
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "failed here"
    assert "RuntimeError: boom" in line["exc_info"]
    assert line["level"] == "error"


def test_json_log_time_is_written_as_the_auth_server_writes_it() -> None:
    # pino's isoTime is `toISOString()`: UTC with `Z` and three fraction digits, on a whole second too.
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "m", None, None)
    record.created = 1796044449.0  # 2026-11-30T13:14:09Z
    assert json.loads(JsonFormatter().format(record))["time"] == "2026-11-30T13:14:09.000Z"
    record.created = 1796044449.0316
    assert json.loads(JsonFormatter().format(record))["time"] == "2026-11-30T13:14:09.031Z"


def test_configure_logging_installs_one_json_handler() -> None:
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        configure_logging("WARNING")
        assert len(root.handlers) == 1
        assert isinstance(root.handlers[0].formatter, JsonFormatter)
        assert root.level == logging.WARNING
        assert logging.getLogger("uvicorn.access").disabled
        assert logging.getLogger("httpx").getEffectiveLevel() == logging.WARNING  # its INFO lines hold URLs
        assert logging.getLogger("aiosqlite").getEffectiveLevel() == logging.INFO  # DEBUG holds SQL parameters
    finally:
        root.handlers[:], level = saved
        root.setLevel(level)
        logging.getLogger("uvicorn.access").disabled = False
        for name in ("httpx", "httpcore", "aiosqlite"):
            logging.getLogger(name).setLevel(logging.NOTSET)


async def test_outgoing_calls_carry_the_current_request_id() -> None:
    seen: list[str | None] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("x-request-id"))
        return httpx.Response(200)

    transport = httpx.MockTransport(handler)
    async with httpx.AsyncClient(transport=transport, event_hooks={"request": [forward_request_id]}) as http:
        await http.get("http://auth/jwks")  # outside any request: nothing to forward
        token = request_id_var.set("call-7")
        try:
            await http.get("http://auth/jwks")
            await http.get("http://auth/jwks", headers={"X-Request-ID": "explicit"})
        finally:
            request_id_var.reset(token)
    assert seen == [None, "call-7", "explicit"]


def test_dev_formatter_writes_one_readable_line() -> None:
    record = logging.LogRecord("gatehouse.access", logging.DEBUG, __file__, 1, "request", None, None)
    for key, value in {"method": "GET", "path": "/api/v1/tasks", "status": 200, "duration_ms": 3.1}.items():
        setattr(record, key, value)
    token = request_id_var.set("abc")
    try:
        line = DevFormatter(colour=False).format(record)
    finally:
        request_id_var.reset(token)
    assert line.endswith(" DEBUG: GET /api/v1/tasks 200 3.1ms request_id=abc")
    other = logging.LogRecord("app", logging.WARNING, __file__, 1, "jwks refreshed", None, None)
    other.note = "two words"
    assert DevFormatter(colour=False).format(other).endswith(' WARN: jwks refreshed note="two words"')


def test_request_lines_are_debug_in_dev_and_info_in_json() -> None:
    assert request_log_level(200, "json") == logging.INFO
    assert request_log_level(404, "json") == logging.INFO
    assert request_log_level(401, "pretty") == logging.DEBUG
    assert request_log_level(500, "pretty") == logging.ERROR
