"""`python -m app.core.migrate`: waits (bounded) for the auth server's tables, then upgrades."""

from pathlib import Path

import pytest

from app.core.migrate import main, wait_for_auth_schema


def test_wait_for_auth_schema_gives_up_on_empty_database(tmp_path: Path) -> None:
    assert wait_for_auth_schema(f"sqlite:{tmp_path}/empty.db", timeout_seconds=0) is False


def test_wait_for_auth_schema_unreachable_database_counts_as_missing() -> None:
    assert wait_for_auth_schema("postgres://nobody:x@127.0.0.1:9/none", timeout_seconds=0) is False


def test_main_without_auth_tables_returns_1(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:{tmp_path}/empty.db")
    assert main(["--wait", "0"]) == 1


def test_main_upgrades_a_database_the_auth_server_created(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    assert wait_for_auth_schema(database_url, timeout_seconds=5) is True
    assert main(["--wait", "5"]) == 0  # already at head: a no-op that must still succeed
