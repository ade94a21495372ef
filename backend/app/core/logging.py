"""Logs carrying the request id (JSON, or one readable line under `make dev`), and the middleware that
assigns it."""

import json
import logging
import os
import re
import sys
import time
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

import httpx
from gatehouse_fastapi._time import format_iso_ms
from starlette.types import ASGIApp, Message, Receive, Scope, Send

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)

# An incoming id is echoed into logs and headers, so only short, boring ids are kept.
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
# LogRecord's own attributes, plus uvicorn's ANSI-coloured duplicate of the message.
_RESERVED = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime", "color_message"}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request_id and any `extra` fields."""

    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, Any] = {
            # The auth server's form (pino's isoTime: `toISOString()`), so both services' lines sort together.
            "time": format_iso_ms(datetime.fromtimestamp(record.created, UTC)),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": request_id_var.get(),
        }
        for key, value in record.__dict__.items():
            if key not in _RESERVED and not key.startswith("_"):
                payload[key] = value
        if record.exc_info:
            payload["exc_info"] = self.formatException(record.exc_info)
        return json.dumps(payload, default=str)


_NEEDS_QUOTES = re.compile(r'[\s"=]')


def _logfmt(fields: dict[str, Any]) -> str:
    """`key=value`, quoting values with spaces: what a person scans for in a terminal."""
    parts = []
    for key, value in fields.items():
        if value is None:
            continue
        text = value if isinstance(value, str) else json.dumps(value, default=str)
        parts.append(f"{key}={json.dumps(text) if _NEEDS_QUOTES.search(text) else text}")
    return " ".join(parts)


_LEVEL_COLOURS = {"DEBUG": 34, "INFO": 32, "WARNING": 33, "ERROR": 31, "CRITICAL": 31}
_PINO_LEVEL_NAMES = {"WARNING": "WARN", "CRITICAL": "FATAL"}


def _use_colour() -> bool:
    """NO_COLOR wins; FORCE_COLOR=1 (what `make dev` sets, its output being a pipe) or a terminal turn it on."""
    if "NO_COLOR" in os.environ:
        return False
    return os.environ.get("FORCE_COLOR") == "1" or sys.stderr.isatty()


class DevFormatter(logging.Formatter):
    """One readable line, the layout of the auth server's development format (pino-pretty):
    `14:03:07 INFO: message key=value`, a request as `14:03:07 DEBUG: GET /api/v1/tasks 200 3.1ms request_id=…`,
    then a traceback if there is one."""

    def __init__(self, colour: bool | None = None) -> None:
        super().__init__()
        self.colour = _use_colour() if colour is None else colour

    def format(self, record: logging.LogRecord) -> str:
        extra = {k: v for k, v in record.__dict__.items() if k not in _RESERVED and not k.startswith("_")}
        extra["request_id"] = request_id_var.get()
        message = record.getMessage()
        if message == "request" and "method" in extra:
            method, path, status, ms = (extra.pop(k, None) for k in ("method", "path", "status", "duration_ms"))
            message = f"{method} {path} {status} {ms}ms"
        tail = _logfmt(extra)
        text = f"{message} {tail}" if tail else message
        level = _PINO_LEVEL_NAMES.get(record.levelname, record.levelname)
        if self.colour:
            level = f"\033[{_LEVEL_COLOURS.get(record.levelname, 0)}m{level}\033[39m"
            text = f"\033[36m{text}\033[39m"
        line = f"{datetime.fromtimestamp(record.created, UTC).astimezone().strftime('%H:%M:%S')} {level}: {text}"
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


def request_log_level(status: int, fmt: str) -> int:
    """JSON keeps every request line at INFO (log shippers and tests count them); the development format shows
    requests below 500 only at DEBUG, so the terminal keeps starts, warnings and failures in view."""
    if fmt == "json":
        return logging.INFO
    return logging.ERROR if status >= 500 else logging.DEBUG


# Libraries whose lines carry request data verbatim, tokens included: httpx/httpcore print full URLs at INFO
# (the JWKS cache logs its own line), aiosqlite prints every statement with its parameters at DEBUG.
_VERBOSE_LOGGERS = {"httpx": logging.WARNING, "httpcore": logging.WARNING, "aiosqlite": logging.INFO}


def quiet_verbose_loggers() -> None:
    """Keep those libraries above the levels where they would log credentials, whatever LOG_LEVEL says."""
    for name, level in _VERBOSE_LOGGERS.items():
        logging.getLogger(name).setLevel(level)


def configure_logging(level: str = "INFO", fmt: str = "json") -> None:
    """Route the root logger (and uvicorn's) through one handler on stderr: JSON, or with `fmt="pretty"` the
    development line (LOG_FORMAT)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(DevFormatter() if fmt == "pretty" else JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    # The middleware below writes the access line, with the request id.
    logging.getLogger("uvicorn.access").disabled = True
    quiet_verbose_loggers()


def pick_request_id(incoming: str | None) -> str:
    """Keep a well-formed incoming X-Request-ID, otherwise mint a new one."""
    if incoming and _SAFE_REQUEST_ID.match(incoming):
        return incoming
    return uuid.uuid4().hex


async def forward_request_id(request: httpx.Request) -> None:
    """httpx request hook: calls made while serving a request (the JWKS fetch) carry its X-Request-ID,
    so one id finds the call in both services' logs."""
    request_id = request_id_var.get()
    if request_id and "x-request-id" not in request.headers:
        request.headers["X-Request-ID"] = request_id


class RequestContextMiddleware:
    """Assigns the request id, echoes it as X-Request-ID and logs one access line per request."""

    def __init__(self, app: ASGIApp, log_format: str = "json") -> None:
        self.app = app
        self.log = logging.getLogger("gatehouse.access")
        self.log_format = log_format

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = None
        for name, value in scope.get("headers", []):
            if name == b"x-request-id":
                incoming = value.decode("latin-1")
                break
        request_id = pick_request_id(incoming)
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", request_id.encode("latin-1")))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            self.log.log(
                request_log_level(status, self.log_format),
                "request",
                extra={
                    "method": scope.get("method"),
                    "path": scope.get("path"),
                    "status": status,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                },
            )
            request_id_var.reset(token)
