"""ORM mappings: the auth server's tables (read-mostly, never created here) and the backend's `tasks`.

The auth tables' schema belongs to the auth server's migrations; these classes only describe it, and
`tests/contract/` proves they match what the auth server created.
"""

import uuid
from datetime import datetime

# One rule for timestamps in both Python code bases: the package's (re-exported for the backend's modules).
from gatehouse_fastapi._time import UtcDateTime, format_iso_ms, parse_timestamp, utcnow
from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, String, Text, false
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

__all__ = [
    "AUTH_TABLES",
    "Account",
    "AuthEvent",
    "Base",
    "Jwks",
    "Task",
    "User",
    "UserSession",
    "UtcDateTime",
    "Verification",
    "format_iso_ms",
    "parse_timestamp",
    "utcnow",
]


class Base(DeclarativeBase):
    """Declarative base for every mapped table."""


class User(Base):
    """better-auth `user` model, admin plugin fields included."""

    __tablename__ = "users"

    id: Mapped[str] = mapped_column(Text, primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    email: Mapped[str] = mapped_column(Text, unique=True)
    email_verified: Mapped[bool] = mapped_column(Boolean(create_constraint=False))
    image: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    role: Mapped[str | None] = mapped_column(Text)
    banned: Mapped[bool | None] = mapped_column(Boolean(create_constraint=False))
    ban_reason: Mapped[str | None] = mapped_column(Text)
    ban_expires: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # better-auth two-factor plugin: TOTP confirmed and on (the auth server writes it)
    two_factor_enabled: Mapped[bool | None] = mapped_column(Boolean(create_constraint=False))


class UserSession(Base):
    """better-auth `session` model (bearer token in `token`)."""

    __tablename__ = "user_sessions"

    id: Mapped[str] = mapped_column(Text, primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    token: Mapped[str] = mapped_column(Text, unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    ip_address: Mapped[str | None] = mapped_column(Text)
    user_agent: Mapped[str | None] = mapped_column(Text)
    user_id: Mapped[str] = mapped_column(Text, ForeignKey("users.id", ondelete="CASCADE"))
    impersonated_by: Mapped[str | None] = mapped_column(Text)
    # Last use the auth server saw (plugins/session-activity, written at most once a minute); null until then.
    last_active_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # How and when the session was authenticated (auth server plugins/mfa): RFC 8176 values, space-separated
    amr: Mapped[str | None] = mapped_column(Text)
    auth_time: Mapped[datetime | None] = mapped_column(UtcDateTime)


class Account(Base):
    """better-auth `account` model: credentials and linked providers. Never serialise it whole."""

    __tablename__ = "accounts"

    id: Mapped[str] = mapped_column(Text, primary_key=True)
    account_id: Mapped[str] = mapped_column(Text)
    provider_id: Mapped[str] = mapped_column(Text)
    user_id: Mapped[str] = mapped_column(Text, ForeignKey("users.id", ondelete="CASCADE"))
    access_token: Mapped[str | None] = mapped_column(Text)
    refresh_token: Mapped[str | None] = mapped_column(Text)
    id_token: Mapped[str | None] = mapped_column(Text)
    access_token_expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    refresh_token_expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    scope: Mapped[str | None] = mapped_column(Text)
    password: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Verification(Base):
    """better-auth `verification` model (email verification and reset tokens)."""

    __tablename__ = "verifications"

    id: Mapped[str] = mapped_column(Text, primary_key=True)
    identifier: Mapped[str] = mapped_column(Text)
    value: Mapped[str] = mapped_column(Text)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Jwks(Base):
    """better-auth jwt plugin key store (`auth_jwks`: stock better-auth's own table is `jwks`). The backend reads
    public keys over HTTP, not from here."""

    __tablename__ = "auth_jwks"

    id: Mapped[str] = mapped_column(Text, primary_key=True)
    public_key: Mapped[str] = mapped_column(Text)
    private_key: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    alg: Mapped[str | None] = mapped_column(Text)
    crv: Mapped[str | None] = mapped_column(Text)


class AuthEvent(Base):
    """The shared audit log (created by the auth server; both services append to it)."""

    __tablename__ = "auth_events"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"), primary_key=True)
    type: Mapped[str] = mapped_column(Text)
    user_id: Mapped[str | None] = mapped_column(Text)
    session_id: Mapped[str | None] = mapped_column(Text)
    actor_id: Mapped[str | None] = mapped_column(Text)
    ip: Mapped[str | None] = mapped_column(Text)
    user_agent: Mapped[str | None] = mapped_column(Text)
    success: Mapped[bool] = mapped_column(Boolean(create_constraint=False))
    reason: Mapped[str | None] = mapped_column(Text)
    # Declared `text` on SQLite (not better-auth's `date`), same ISO form.
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, info={"sqlite_type": "text"})
    # What the row is about, as a JSON object in text (the auth server's audit plugin writes it).
    details: Mapped[str | None] = mapped_column(Text)


AUTH_TABLES = frozenset({"users", "user_sessions", "accounts", "verifications", "auth_jwks", "auth_events"})


class Task(Base):
    """A user's to-do item; the backend's own table, migrated by Alembic."""

    __tablename__ = "tasks"
    __table_args__ = (Index("ix_tasks_user_id_created_at", "user_id", "created_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=lambda: str(uuid.uuid4()))
    user_id: Mapped[str] = mapped_column(Text, ForeignKey("users.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    completed: Mapped[bool] = mapped_column(Boolean(create_constraint=False), default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)
