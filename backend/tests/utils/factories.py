"""Rows in the auth tables, written the way better-auth writes them (ids, tokens, timestamp format)."""

import secrets
import string
from dataclasses import dataclass
from datetime import datetime, timedelta

from gatehouse_fastapi._cookie_signature import sign, sign_cookie_value
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Account, Task, User, UserSession, utcnow

TEST_SECRET = "test-secret-0123456789-abcdefghijklmnopqrstuvwxyz"
COOKIE_NAME = "better-auth.session_token"
WEB_ORIGIN = "http://localhost:5173"
"""The web app's origin in the tests' settings (CORS_ORIGINS' default): the page a browser writes from."""
_ALPHABET = string.ascii_letters + string.digits


def random_id(length: int = 32) -> str:
    """Like better-auth's generateId: alphanumeric."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))


@dataclass
class Actor:
    """A user with one live session, and the three ways to present it."""

    user: User
    session: UserSession

    @property
    def token(self) -> str:
        """The raw session token."""
        return self.session.token

    def bearer(self) -> dict[str, str]:
        """`Authorization: Bearer <raw token>`."""
        return {"Authorization": f"Bearer {self.token}"}

    def signed_bearer(self) -> dict[str, str]:
        """`Authorization: Bearer <token.signature>` (the set-auth-token form)."""
        return {"Authorization": f"Bearer {sign(self.token, TEST_SECRET.encode())}"}

    def cookie(self, name: str = COOKIE_NAME) -> dict[str, str]:
        """The signed session cookie, URL-encoded as better-call sets it."""
        return {"Cookie": f"{name}={sign_cookie_value(self.token, TEST_SECRET.encode())}"}

    def browser(self) -> dict[str, str]:
        """The session cookie as a browser on the web app's pages sends it: with the app's `Origin`, which a
        cookie-authenticated write needs (403 INVALID_ORIGIN / MISSING_OR_NULL_ORIGIN otherwise)."""
        return {**self.cookie(), "Origin": WEB_ORIGIN}


async def make_user(
    db: AsyncSession,
    *,
    email: str | None = None,
    name: str = "Test User",
    role: str | None = "user",
    email_verified: bool = True,
    banned: bool | None = False,
    ban_expires: datetime | None = None,
    created_at: datetime | None = None,
) -> User:
    """Insert a user."""
    now = created_at or utcnow()
    user = User(
        id=random_id(),
        name=name,
        email=email or f"{random_id(10).lower()}@example.com",
        email_verified=email_verified,
        created_at=now,
        updated_at=now,
        role=role,
        banned=banned,
        ban_expires=ban_expires,
    )
    db.add(user)
    await db.commit()
    return user


async def make_session(
    db: AsyncSession,
    user: User,
    *,
    expires_in: timedelta = timedelta(days=7),
    user_agent: str | None = "pytest",
    ip_address: str | None = "127.0.0.1",
) -> UserSession:
    """Insert a session for `user`."""
    now = utcnow()
    session = UserSession(
        id=random_id(),
        token=random_id(),
        user_id=user.id,
        expires_at=now + expires_in,
        created_at=now,
        updated_at=now,
        user_agent=user_agent,
        ip_address=ip_address,
    )
    db.add(session)
    await db.commit()
    return session


async def make_actor(db: AsyncSession, **user_fields: object) -> Actor:
    """A user plus one live session."""
    user = await make_user(db, **user_fields)  # type: ignore[arg-type]
    return Actor(user=user, session=await make_session(db, user))


async def make_account(db: AsyncSession, user: User, *, provider_id: str = "credential") -> Account:
    """A linked account holding secrets that must never be exposed."""
    now = utcnow()
    account = Account(
        id=random_id(),
        account_id=user.id,
        provider_id=provider_id,
        user_id=user.id,
        access_token="secret-access-token",
        refresh_token="secret-refresh-token",
        id_token="secret-id-token",
        password="$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA",
        created_at=now,
        updated_at=now,
    )
    db.add(account)
    await db.commit()
    return account


async def make_task(db: AsyncSession, user: User, *, title: str = "A task", completed: bool = False) -> Task:
    """Insert a task for `user`."""
    now = utcnow()
    task = Task(user_id=user.id, title=title, completed=completed, created_at=now, updated_at=now)
    db.add(task)
    await db.commit()
    return task
