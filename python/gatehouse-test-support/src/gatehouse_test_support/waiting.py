"""Bounded waiting and query counting for tests of eventually-consistent behaviour."""

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine


async def eventually(check: Callable[[], bool | Awaitable[bool]], *, within: float = 1.0, step: float = 0.01) -> float:
    """Poll `check` until it is true; returns the seconds it took. Fails after `within` seconds (never loops
    forever).
    """
    started = time.monotonic()
    while True:
        result = check()
        if not isinstance(result, bool):
            result = await result
        if result:
            return time.monotonic() - started
        if time.monotonic() - started > within:
            raise AssertionError(f"condition still false after {within} s")
        await asyncio.sleep(step)


class QueryLog:
    """Statements sent through an engine while `count_queries` was active."""

    def __init__(self) -> None:
        self.statements: list[str] = []

    def __len__(self) -> int:
        return len(self.statements)

    def clear(self) -> None:
        """Forget the statements recorded so far."""
        self.statements.clear()


@contextmanager
def count_queries(engine: AsyncEngine) -> Iterator[QueryLog]:
    """Record every statement the engine executes (`before_cursor_execute`)."""
    log = QueryLog()

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        log.statements.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        yield log
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)
