"""JSON logs with the request id; X-Request-ID kept when sane, generated otherwise, always echoed."""

import json
import logging
import sys

import httpx
import pytest

from app.core.logging import JsonFormatter, configure_logging, pick_request_id, request_id_var


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


def test_configure_logging_installs_one_json_handler() -> None:
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        configure_logging("WARNING")
        assert len(root.handlers) == 1
        assert isinstance(root.handlers[0].formatter, JsonFormatter)
        assert root.level == logging.WARNING
        assert logging.getLogger("uvicorn.access").disabled
    finally:
        root.handlers[:], level = saved
        root.setLevel(level)
        logging.getLogger("uvicorn.access").disabled = False
