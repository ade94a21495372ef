"""Rows in better-auth's tables, written as better-auth writes them, under any `Schema` (test arrangement only)."""

import secrets
import string
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Boolean, Column, MetaData, Table, Text, delete, update
from sqlalchemy.ext.asyncio import AsyncEngine

from gatehouse_fastapi import Schema
from gatehouse_fastapi._cookie_signature import sign, sign_cookie_value
from gatehouse_fastapi._time import UtcDateTime, utcnow

TEST_SECRET = "test-secret-0123456789-abcdefghijklmnopqrstuvwxyz"
_ALPHABET = string.ascii_letters + string.digits
_DATES = {"createdAt", "updatedAt", "expiresAt", "banExpires"}
_FLAGS = {"emailVerified", "banned"}
USER = ("id", "name", "email", "emailVerified", "image", "createdAt", "updatedAt", "role", "banned", "banReason",
        "banExpires")  # fmt: skip
SESSION = ("id", "expiresAt", "token", "createdAt", "updatedAt", "ipAddress", "userAgent", "userId", "impersonatedBy")
ACCOUNT = ("id", "accountId", "providerId", "userId", "password", "createdAt", "updatedAt")
ADMIN = {"role", "banned", "banReason", "banExpires", "impersonatedBy"}


def random_id(length: int = 32) -> str:
    """Like better-auth's generateId: alphanumeric."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))


@dataclass(frozen=True)
class Actor:
    """A user with one live session, and the ways to present it."""

    user_id: str
    session_id: str
    token: str
    email: str

    def bearer(self) -> dict[str, str]:
        """`Authorization: Bearer <raw token>`."""
        return {"Authorization": f"Bearer {self.token}"}

    def signed_bearer(self, secret: str = TEST_SECRET) -> dict[str, str]:
        """`Authorization: Bearer <token.signature>` (the set-auth-token form)."""
        return {"Authorization": f"Bearer {sign(self.token, secret.encode())}"}

    def cookie(self, name: str = "better-auth.session_token", secret: str = TEST_SECRET) -> dict[str, str]:
        """The signed session cookie, URL-encoded as better-call sets it."""
        return {"Cookie": f"{name}={sign_cookie_value(self.token, secret.encode())}"}


class AuthRows:
    """Writes users, sessions and accounts through `engine` with the names of `schema`."""

    def __init__(self, engine: AsyncEngine, schema: Schema, *, admin: bool = True) -> None:
        self.engine = engine
        self.schema = schema
        self.admin = admin
        metadata = MetaData()
        self.users = self._table(metadata, schema.user_table, USER, schema.user_column)
        self.sessions = self._table(metadata, schema.session_table, SESSION, schema.session_column)
        self.accounts = self._table(metadata, schema.account_table, ACCOUNT, schema.account_column)

    def _table(self, metadata: MetaData, name: str, fields: tuple[str, ...], column_of: Any) -> Table:
        columns = []
        for field in fields:
            if field in ADMIN and not self.admin:
                continue
            kind: Any = UtcDateTime() if field in _DATES else Boolean() if field in _FLAGS else Text()
            columns.append(Column(column_of(field), kind, key=field, primary_key=field == "id"))
        return Table(name, metadata, *columns)

    def _values(self, table: Table, values: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in values.items() if k in table.c}

    async def user(
        self,
        *,
        email: str | None = None,
        role: str | None = "user",
        verified: bool = True,
        banned: bool | None = False,
        ban_expires: datetime | None = None,
        user_id: str | None = None,
    ) -> str:
        """Insert a user; returns its id."""
        now = utcnow()
        user_id = user_id or random_id()
        values = {
            "id": user_id,
            "name": "Test User",
            "email": email or f"{random_id(10).lower()}@example.com",
            "emailVerified": verified,
            "createdAt": now,
            "updatedAt": now,
            "role": role,
            "banned": banned,
            "banExpires": ban_expires,
        }
        async with self.engine.begin() as conn:
            await conn.execute(self.users.insert().values(self._values(self.users, values)))
        return user_id

    async def session(
        self, user_id: str, *, expires_in: timedelta = timedelta(days=7), session_id: str | None = None
    ) -> tuple[str, str]:
        """Insert a session for `user_id`; returns (id, token)."""
        now = utcnow()
        session_id, token = session_id or random_id(), random_id()
        values = {
            "id": session_id,
            "token": token,
            "userId": user_id,
            "expiresAt": now + expires_in,
            "createdAt": now,
            "updatedAt": now,
            "userAgent": "pytest",
        }
        async with self.engine.begin() as conn:
            await conn.execute(self.sessions.insert().values(self._values(self.sessions, values)))
        return session_id, token

    async def actor(self, **user_fields: Any) -> Actor:
        """A user plus one live session."""
        user_id = await self.user(**user_fields)
        session_id, token = await self.session(user_id)
        async with self.engine.connect() as conn:
            email = (await conn.execute(self.users.select().where(self.users.c.id == user_id))).one().email
        return Actor(user_id=user_id, session_id=session_id, token=token, email=email)

    async def session_token(self, session_id: str) -> str:
        """The token of session `session_id`."""
        async with self.engine.connect() as conn:
            row = (await conn.execute(self.sessions.select().where(self.sessions.c.id == session_id))).one()
        token: str = row.token
        return token

    async def account(self, user_id: str, *, password: str | None = "hash-1") -> str:
        """Insert a credential account for `user_id`; returns its id."""
        now = utcnow()
        account_id = random_id()
        values = {
            "id": account_id,
            "accountId": user_id,
            "providerId": "credential",
            "userId": user_id,
            "password": password,
            "createdAt": now,
            "updatedAt": now,
        }
        async with self.engine.begin() as conn:
            await conn.execute(self.accounts.insert().values(values))
        return account_id

    async def update_user(self, user_id: str, **fields: Any) -> None:
        """Change user fields (better-auth names: role, banned, banExpires, emailVerified, email, name)."""
        async with self.engine.begin() as conn:
            await conn.execute(update(self.users).where(self.users.c.id == user_id).values(**fields))

    async def update_session(self, session_id: str, **fields: Any) -> None:
        """Change session fields (better-auth names)."""
        async with self.engine.begin() as conn:
            await conn.execute(update(self.sessions).where(self.sessions.c.id == session_id).values(**fields))

    async def set_password(self, user_id: str, password: str) -> None:
        """Change the credential account's password hash."""
        async with self.engine.begin() as conn:
            await conn.execute(update(self.accounts).where(self.accounts.c.userId == user_id).values(password=password))

    async def delete_session(self, session_id: str) -> None:
        """Delete one session (a revocation)."""
        async with self.engine.begin() as conn:
            await conn.execute(delete(self.sessions).where(self.sessions.c.id == session_id))

    async def delete_user(self, user_id: str) -> None:
        """Delete a user (sessions and accounts first, as better-auth's deleteUser does)."""
        async with self.engine.begin() as conn:
            await conn.execute(delete(self.sessions).where(self.sessions.c.userId == user_id))
            await conn.execute(delete(self.accounts).where(self.accounts.c.userId == user_id))
            await conn.execute(delete(self.users).where(self.users.c.id == user_id))
