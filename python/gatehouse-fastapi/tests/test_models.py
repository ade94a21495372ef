"""Reading stored values as better-auth and Gatehouse's auth server do: roles, ban flags, timestamps."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from gatehouse_fastapi import AuthUser, parse_roles
from gatehouse_fastapi._schema import ban_flag_set, session_from_row, strictly_true, user_from_row
from gatehouse_fastapi._time import as_iso_ms, format_iso_ms, parse_timestamp

KNOWN = frozenset({"user", "admin"})


@pytest.mark.parametrize(
    ("stored", "roles"),
    [
        (None, {"user"}),
        ("", {"user"}),
        ("admin", {"admin"}),
        ("user,admin", {"user", "admin"}),
        ("user, admin", {"user"}),  # never trimmed
        ("Admin", set()),  # exact names
        ("editor", set()),  # not a configured role
        ("admin,", {"admin"}),
    ],
)
def test_roles_are_split_on_commas_and_compared_exactly(stored: str | None, roles: set[str]) -> None:
    assert parse_roles(stored, known=KNOWN) == roles


@pytest.mark.parametrize(
    ("value", "banned"),
    [
        (None, False), (False, False), (0, False), (0.0, False), ("", False), ("0", False), ("f", False),
        ("false", False), (" FALSE ", False), ("n", False), ("no", False), ("off", False),
        (True, True), (1, True), (2, True), ("1", True), ("true", True), ("yes", True), ("banned", True), (b"x", True),
    ],
)  # fmt: skip
def test_ban_flag_matches_the_auth_servers_rule(value: Any, banned: bool) -> None:
    assert ban_flag_set(value) is banned


@pytest.mark.parametrize(("value", "verified"), [(True, True), (1, True), ("true", True), ("1", True), ("yes", False),
                                                 (0, False), (None, False), ("false", False), (2, False)])  # fmt: skip
def test_verified_flag_counts_only_when_unambiguous(value: Any, verified: bool) -> None:
    assert strictly_true(value) is verified


def row(**overrides: Any) -> dict[str, Any]:
    base = {"u_id": "u", "u_email": "a@example.com", "u_name": None, "u_emailVerified": 1, "u_role": "admin"}
    return {**base, **overrides}


def test_user_rows_fail_closed_on_unreadable_ban_ends() -> None:
    now = datetime.now(UTC)
    for expires in ("", "not a date", None):
        user = user_from_row(row(u_banned=1, u_banExpires=expires), known_roles=KNOWN, default_role="user")
        assert user.is_banned(now), expires
    ended = user_from_row(row(u_banned="true", u_banExpires=format_iso_ms(now - timedelta(seconds=1))),
                          known_roles=KNOWN, default_role="user")  # fmt: skip
    assert not ended.is_banned(now)
    assert ended.name == ""
    assert ended.has_role("admin")


def test_session_rows_with_unreadable_expiry_are_no_sessions() -> None:
    assert session_from_row({"s_id": "s", "s_userId": "u", "s_expiresAt": "garbage"}) is None
    session = session_from_row({"s_id": "s", "s_userId": "u", "s_expiresAt": 1_700_000_000_000})  # epoch ms
    assert session is not None
    assert session.expires_at == datetime.fromtimestamp(1_700_000_000, UTC)


@pytest.mark.parametrize(
    "raw",
    ["2026-11-29T10:31:22.760Z", "2026-11-29 10:31:22.760", "2026-11-29T11:31:22.760+01:00", 1795948282760,
     datetime(2026, 11, 29, 10, 31, 22, 760_000)],  # noqa: DTZ001 - a naive value as a driver may return it
)  # fmt: skip
def test_timestamps_in_every_stored_form(raw: Any) -> None:
    assert parse_timestamp(raw) == datetime(2026, 11, 29, 10, 31, 22, 760_000, tzinfo=UTC)


@pytest.mark.parametrize(
    "raw",
    ["2026-11-29T10:31:22.760Z", "2026-11-29 10:31:22.760", "2026-11-29T11:31:22.760+01:00", 1795948282760,
     "2026-11-29T10:31:22.760999Z", datetime(2026, 11, 29, 10, 31, 22, 760_999, tzinfo=UTC)],
)  # fmt: skip
def test_every_stored_form_is_written_in_the_one_form(raw: Any) -> None:
    # toISOString's form: the millisecond truncated, never rounded up into the next one.
    assert as_iso_ms(raw) == "2026-11-29T10:31:22.760Z"
    assert format_iso_ms(datetime(999, 1, 1, tzinfo=UTC)) == "0999-01-01T00:00:00.000Z"


def test_timestamps_refuse_what_they_cannot_read() -> None:
    with pytest.raises(TypeError):
        parse_timestamp(True)
    with pytest.raises(ValueError, match="naive"):
        format_iso_ms(datetime(2026, 1, 1))  # noqa: DTZ001


def test_auth_user_defaults() -> None:
    assert AuthUser(id="u", email="e", name="n", email_verified=True).roles == frozenset()
