"""Revocation feed and cache settings: defaults, the auth server's JWT lifetime as fallback, bounds."""

from typing import Any

import pytest
from pydantic import ValidationError

from app.core.config import Settings

SECRET = "s" * 40


def make(**values: Any) -> Settings:
    return Settings(_env_file=None, better_auth_secret=SECRET, **values)


def test_revocation_defaults() -> None:
    settings = make()
    assert settings.revocation_poll_interval_seconds == 0.25
    assert settings.revocation_max_staleness_seconds == 5.0
    assert (settings.auth_user_cache_ttl_seconds, settings.auth_session_cache_ttl_seconds) == (60.0, 60.0)
    assert settings.revocation_window_seconds == 900 + 5 + 60


def test_window_follows_the_auth_servers_jwt_lifetime(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JWT_EXPIRES_IN_SECONDS", "300")
    monkeypatch.setenv("JWT_LEEWAY_SECONDS", "10")
    assert make().revocation_window_seconds == 300 + 10 + 60
    monkeypatch.setenv("JWT_MAX_LIFETIME_SECONDS", "600")  # the backend's own name wins
    assert make().jwt_max_lifetime_seconds == 600


@pytest.mark.parametrize(
    "values",
    [
        pytest.param({"revocation_poll_interval_seconds": 1.0}, id="poll-slower-than-250ms"),
        pytest.param({"revocation_poll_interval_seconds": 0}, id="poll-zero"),
        pytest.param({"revocation_max_staleness_seconds": 0}, id="staleness-zero"),
        pytest.param({"auth_cache_max_entries": 10}, id="tiny-cache"),
    ],
)
def test_revocation_settings_out_of_bounds_are_refused(values: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        make(**values)
