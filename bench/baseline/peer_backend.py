"""The peer baseline for the backend: the FastAPI verifier most teams write after reading better-auth's docs.

What better-auth's docs and its answer to "how do I use better-auth with FastAPI?" (better-auth issue #2685)
lead to: PyJWT's `PyJWKClient` fetches the JWKS once per process (and caches it), every JWT is verified with
`jwt.decode` (signature, `exp`, `iss`, `aud`), and every request — JWT or opaque session token — looks its
session up in the database with the ORM, joined to its user, and refuses an expired session or a banned user.
The tasks read is the usual ORM query plus a Pydantic response model. Nothing is cached beyond the JWKS and
nothing is left out that the docs show, so it answers the same three requests Gatehouse's backend is measured
on, with the same checks, on the same database.

Not part of Gatehouse: `make bench` runs it beside the backend (uvicorn, as many workers) so RESULTS.md shows
the backend against what a user would build instead. Environment: DATABASE_URL (the auth server's form:
`sqlite:/path.db` or `postgres://…`), AUTH_URL (the auth server: JWKS, issuer and audience),
BETTER_AUTH_SECRET (to check a signed session token's HMAC, as the bearer plugin does).
"""

import base64
import hashlib
import hmac
import os
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import unquote

import jwt
from fastapi import Depends, FastAPI, Header, HTTPException
from pydantic import BaseModel, ConfigDict
from sqlalchemy import Boolean, Text, TypeDecorator, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def _async_url(url: str) -> str:
    if url.startswith("sqlite:"):
        return "sqlite+aiosqlite:///" + url.removeprefix("sqlite:").removeprefix("//")
    return "postgresql+asyncpg://" + url.split("://", 1)[1]


class Timestamp(TypeDecorator[datetime]):
    """better-auth's dates: ISO text on SQLite, timestamptz on PostgreSQL."""

    impl = Text
    cache_ok = True

    def load_dialect_impl(self, dialect: Any) -> Any:
        from sqlalchemy import DateTime

        return dialect.type_descriptor(DateTime(timezone=True) if dialect.name == "postgresql" else Text())

    def process_bind_param(self, value: datetime | None, dialect: Any) -> Any:
        return value if value is None or dialect.name == "postgresql" else value.isoformat()

    def process_result_value(self, value: Any, dialect: Any) -> datetime | None:
        if value is None or isinstance(value, datetime):
            return value
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


class Base(DeclarativeBase):
    """Declarative base."""


class User(Base):
    """better-auth's user table (Gatehouse's names)."""

    __tablename__ = "users"
    id: Mapped[str] = mapped_column(Text, primary_key=True)
    email: Mapped[str] = mapped_column(Text)
    name: Mapped[str] = mapped_column(Text)
    image: Mapped[str | None] = mapped_column(Text)
    email_verified: Mapped[bool] = mapped_column(Boolean)
    role: Mapped[str | None] = mapped_column(Text)
    banned: Mapped[bool | None] = mapped_column(Boolean)


class UserSession(Base):
    """better-auth's session table."""

    __tablename__ = "user_sessions"
    id: Mapped[str] = mapped_column(Text, primary_key=True)
    token: Mapped[str] = mapped_column(Text)
    user_id: Mapped[str] = mapped_column(Text)
    expires_at: Mapped[datetime] = mapped_column(Timestamp)


class Task(Base):
    """The backend's tasks table."""

    __tablename__ = "tasks"
    id: Mapped[str] = mapped_column(Text, primary_key=True)
    user_id: Mapped[str] = mapped_column(Text)
    title: Mapped[str] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    completed: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(Timestamp)
    updated_at: Mapped[datetime] = mapped_column(Timestamp)


AUTH_URL = os.environ["AUTH_URL"].rstrip("/")
SECRET = os.environ["BETTER_AUTH_SECRET"].encode()
engine = create_async_engine(_async_url(os.environ["DATABASE_URL"]))
sessions = async_sessionmaker(engine, expire_on_commit=False)
jwks_client = jwt.PyJWKClient(f"{AUTH_URL}/api/auth/jwks")  # fetched on first use, cached per process
app = FastAPI()


async def get_db() -> AsyncIterator[AsyncSession]:
    """One ORM session per request."""
    async with sessions() as db:
        yield db


Db = Annotated[AsyncSession, Depends(get_db)]


async def current_user(db: Db, authorization: Annotated[str | None, Header()] = None) -> User:
    """The caller: a JWT (verified against the JWKS, then its session looked up) or a session token."""
    scheme, _, credential = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not credential:
        raise HTTPException(401, "Not authenticated")
    query = select(UserSession, User).join(User, User.id == UserSession.user_id)
    if credential.count(".") == 2:
        try:
            key = jwks_client.get_signing_key_from_jwt(credential)
            claims = jwt.decode(credential, key.key, algorithms=["EdDSA"], audience=AUTH_URL, issuer=AUTH_URL)
        except jwt.PyJWTError as exc:
            raise HTTPException(401, "Invalid token") from exc
        query = query.where(UserSession.id == claims.get("sid"), UserSession.user_id == claims["sub"])
    else:
        query = query.where(UserSession.token == _session_token(credential))
    row = (await db.execute(query)).first()
    if row is None or row.UserSession.expires_at <= datetime.now(UTC):
        raise HTTPException(401, "Session expired or revoked")
    if row.User.banned:
        raise HTTPException(403, "Banned")
    user: User = row.User
    return user


CurrentUser = Annotated[User, Depends(current_user)]


def _session_token(credential: str) -> str:
    # The `token.signature` form (set-auth-token, the cookie value): check the HMAC; a raw token as it is.
    token, dot, signature = unquote(credential).rpartition(".")
    if not dot:
        return credential
    expected = base64.b64encode(hmac.new(SECRET, token.encode(), hashlib.sha256).digest()).decode()
    if not hmac.compare_digest(expected.encode(), signature.encode()):
        raise HTTPException(401, "Invalid token")
    return token


class Me(BaseModel):
    """GET /auth/me."""

    model_config = ConfigDict(from_attributes=True)
    id: str
    email: str
    name: str
    image: str | None
    email_verified: bool
    role: str | None


class TaskOut(BaseModel):
    """One task."""

    model_config = ConfigDict(from_attributes=True)
    id: str
    user_id: str
    title: str
    description: str | None
    completed: bool
    created_at: datetime
    updated_at: datetime


class TaskPage(BaseModel):
    """GET /tasks."""

    data: list[TaskOut]
    count: int


@app.get("/api/v1/health")
async def health() -> dict[str, str]:
    """Unauthenticated."""
    return {"status": "ok"}


@app.get("/api/v1/auth/me")
async def me(user: CurrentUser) -> Me:
    """The caller."""
    return Me.model_validate(user)


@app.get("/api/v1/tasks")
async def list_tasks(user: CurrentUser, db: Db, limit: int = 20, offset: int = 0) -> TaskPage:
    """The caller's tasks, newest first."""
    if not user.email_verified:
        raise HTTPException(403, "Email not verified")
    count = await db.scalar(select(func.count()).select_from(Task).where(Task.user_id == user.id))
    rows = await db.scalars(
        select(Task).where(Task.user_id == user.id).order_by(Task.created_at.desc()).limit(limit).offset(offset)
    )
    return TaskPage(data=[TaskOut.model_validate(t) for t in rows], count=count or 0)
