"""Capture the backend's log lines exactly as production writes them: JSON, formatted when emitted."""

import io
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from app.core.logging import JsonFormatter, quiet_verbose_loggers


@dataclass
class LogCapture:
    """The raw text of every line, and the lines parsed."""

    stream: io.StringIO = field(default_factory=io.StringIO)

    @property
    def text(self) -> str:
        return self.stream.getvalue()

    def lines(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.text.splitlines() if line.strip()]


@contextmanager
def capture_json_logs(level: int = logging.DEBUG) -> Iterator[LogCapture]:
    """A JSON handler on the root logger (where configure_logging puts it), at `level`, for the block.

    The request id is read when a record is formatted, i.e. when it is emitted, as in production; the
    libraries configure_logging quiets are quieted here too.
    """
    quiet_verbose_loggers()
    capture = LogCapture()
    handler = logging.StreamHandler(capture.stream)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    saved_level = root.level
    root.addHandler(handler)
    root.setLevel(level)
    try:
        yield capture
    finally:
        root.removeHandler(handler)
        root.setLevel(saved_level)
