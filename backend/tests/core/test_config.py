"""Settings: defaults, derived values, comma-separated lists, fail-fast validation."""

import base64
import re
import secrets
from typing import Any

import pytest
from gatehouse_fastapi._contract import PLACEHOLDER_SECRETS
from pydantic import AliasChoices, ValidationError

from app.core.config import REPO_ROOT, Settings, get_settings
from app.core.secret_strength import weak_secret_reason

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


def env_example_secret() -> str:
    text = (REPO_ROOT / ".env.example").read_text()
    return next(line.split("=", 1)[1] for line in text.splitlines() if line.startswith("BETTER_AUTH_SECRET="))


WEAK_SECRETS = [
    *sorted(PLACEHOLDER_SECRETS),
    env_example_secret(),
    "CHANGE-ME",
    "short-secret",
    "a" * 32,
    "Z" * 64,
    "abcdefgh" * 4,
    "0123456789abcdef" * 2,
    "ab" * 20 + "c",  # 41 characters, 3 distinct: ~65 bits
]


@pytest.mark.parametrize("secret", WEAK_SECRETS)
def test_settings_production_refuses_weak_secret(secret: str) -> None:
    """Issue 12 item 17: the contract's placeholders (.env.example's included), short, repeated, low-entropy."""
    with pytest.raises(ValidationError, match="BETTER_AUTH_SECRET"):
        Settings(_env_file=None, better_auth_secret=secret, environment="production")
    assert Settings(_env_file=None, better_auth_secret=secret, environment="development")


@pytest.mark.parametrize(
    "random_secret",
    [secrets.token_hex(16), secrets.token_urlsafe(32), base64.b64encode(secrets.token_bytes(32)).decode()],
)
def test_settings_production_accepts_random_secret(random_secret: str) -> None:
    assert Settings(_env_file=None, better_auth_secret=random_secret, environment="production")


def test_weak_secret_rule_keeps_random_hex_of_128_bits() -> None:
    """The entropy floor refuses patterns, not real secrets: 1,000 draws of `openssl rand -hex 16` all pass
    (each would be refused with p < 1e-7)."""
    assert all(weak_secret_reason(secrets.token_hex(16)) is None for _ in range(1_000))


@pytest.mark.parametrize(
    ("origins", "ok"),
    [
        ("https://app.example.com", True),
        ("http://localhost:8080,http://127.0.0.1:5173,http://[::1]:3000", True),
        ("https://app.example.com,http://app.example.com", False),
        ("http://10.0.0.5:8080", False),
    ],
)
def test_settings_production_refuses_plain_http_cors_origin(origins: str, ok: bool) -> None:
    def build() -> Settings:
        return Settings(
            _env_file=None, better_auth_secret=secrets.token_urlsafe(32), environment="production", cors_origins=origins
        )

    if ok:
        assert build()
    else:
        with pytest.raises(ValidationError, match="CORS_ORIGINS"):
            build()


@pytest.mark.parametrize("origins", ["*", "https://*.example.com", "app.example.com", "https://app.example.com/app"])
def test_settings_refuses_cors_origins_that_are_not_origins(origins: str) -> None:
    # CORS_ORIGINS are also the pages trusted to write with the session cookie: exact origins only.
    with pytest.raises(ValidationError, match=r"CORS_ORIGINS: .* is not an http"):
        make(cors_origins=origins)


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


def env_example_names() -> set[str]:
    """Every variable .env.example sets or shows (commented out), by name."""
    text = (REPO_ROOT / ".env.example").read_text()
    return {m.group(1) for m in re.finditer(r"^#? ?([A-Z][A-Z0-9_]*)=", text, re.MULTILINE)}


def test_env_example_names_every_backend_setting_with_a_comment() -> None:
    """A setting missing from .env.example is one an operator never hears of; each one shown is explained by the
    comment lines above it."""
    names = env_example_names()
    missing = []
    for name, field in Settings.model_fields.items():
        alias = field.validation_alias
        spellings = [str(c) for c in alias.choices] if isinstance(alias, AliasChoices) else [name.upper()]
        if not any(spelling in names for spelling in spellings):
            missing.append(spellings[0])
    assert missing == []
    lines = (REPO_ROOT / ".env.example").read_text().splitlines()
    for i, line in enumerate(lines):
        if re.match(r"^[A-Z][A-Z0-9_]*=", line):
            above = next(
                (lines[j] for j in range(i - 1, -1, -1) if not re.match(r"^#? ?[A-Z][A-Z0-9_]*=", lines[j])), ""
            )
            assert above.startswith("# "), f"{line.split('=')[0]} has no comment above it"


@pytest.mark.parametrize("name", ["DATABASE_STATEMENT_TIMEOUT_SECONDS", "MAX_HEADER_BYTES", "DATABASE_POOL_SIZE"])
@pytest.mark.parametrize("value", [" ", "10.0", "+10", "1_000", "0x10", "1e1", "-1"])
def test_an_integer_setting_is_digits_as_in_the_auth_server(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    """The auth server refuses these spellings of a number (auth-server/src/env.ts `whole`); so does the backend, so
    one shared `.env` starts both services or neither."""
    monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError, match="must be a whole number"):
        Settings(_env_file=None, better_auth_secret=SECRET)


def test_an_integer_setting_may_have_spaces_around_its_digits(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_STATEMENT_TIMEOUT_SECONDS", " 20 ")
    assert Settings(_env_file=None, better_auth_secret=SECRET).database_statement_timeout_seconds == 20
