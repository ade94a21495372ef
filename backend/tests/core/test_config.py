"""Settings: defaults, derived values, comma-separated lists, fail-fast validation."""

from typing import Any

import pytest
from pydantic import ValidationError

from app.core.config import Settings, get_settings

SECRET = "s" * 40


def make(**values: Any) -> Settings:
    return Settings(_env_file=None, better_auth_secret=SECRET, **values)


def test_settings_defaults_follow_auth_url() -> None:
    settings = make(auth_url="http://auth.test:3000/")
    assert settings.effective_jwks_url == "http://auth.test:3000/api/auth/jwks"
    assert settings.effective_issuer == "http://auth.test:3000/"
    assert settings.effective_audience == "http://auth.test:3000/"
    assert settings.jwt_algorithms == ["EdDSA"]


def test_settings_explicit_issuer_audience_and_jwks_url() -> None:
    settings = make(jwt_issuer="iss", jwt_audience="aud", jwks_url="http://keys/jwks")
    assert (settings.effective_issuer, settings.effective_audience, settings.effective_jwks_url) == (
        "iss",
        "aud",
        "http://keys/jwks",
    )


def test_settings_reads_csv_lists_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CORS_ORIGINS", "http://a.test, http://b.test")
    monkeypatch.setenv("JWT_ALGORITHMS", "EdDSA,ES256")
    monkeypatch.setenv("BETTER_AUTH_URL", "http://from-better-auth-url:3000")
    settings = make()
    assert settings.cors_origins == ["http://a.test", "http://b.test"]
    assert settings.jwt_algorithms == ["EdDSA", "ES256"]
    assert settings.auth_url == "http://from-better-auth-url:3000"


@pytest.mark.parametrize("algorithms", ["none", "EdDSA,HS256", "hs512", ""])
def test_settings_refuses_weak_algorithms(algorithms: str) -> None:
    with pytest.raises(ValidationError):
        make(jwt_algorithms=algorithms)


def test_settings_requires_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BETTER_AUTH_SECRET", raising=False)
    with pytest.raises(ValidationError):
        Settings(_env_file=None)
    with pytest.raises(ValidationError):
        Settings(_env_file=None, better_auth_secret="")


@pytest.mark.parametrize("secret", ["changeme", "short-secret"])
def test_settings_production_refuses_placeholder_secret(secret: str) -> None:
    with pytest.raises(ValidationError, match="placeholder"):
        Settings(_env_file=None, better_auth_secret=secret, environment="production")
    assert Settings(_env_file=None, better_auth_secret=secret, environment="development")


@pytest.mark.parametrize("seconds", [0, 30])
def test_settings_refuses_a_jwks_refetch_spacing_that_would_stall_a_rotation(seconds: float) -> None:
    with pytest.raises(ValidationError):
        make(jwks_min_refetch_seconds=seconds)


def test_get_settings_reads_environment_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BETTER_AUTH_SECRET", SECRET)
    monkeypatch.setenv("LOG_LEVEL", "DEBUG")
    get_settings.cache_clear()
    try:
        assert get_settings().log_level == "DEBUG"
        assert get_settings() is get_settings()
    finally:
        get_settings.cache_clear()


@pytest.mark.parametrize(("given", "expected"), [("info", "INFO"), ("warn", "WARNING"), ("silent", "ERROR")])
def test_settings_accepts_pino_log_levels(given: str, expected: str) -> None:
    assert make(log_level=given).log_level == expected


def test_settings_treats_empty_variables_as_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JWT_ISSUER", "")
    monkeypatch.setenv("AUTH_URL", "http://auth.test")
    assert make().effective_issuer == "http://auth.test"
