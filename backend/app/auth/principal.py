"""The authenticated caller, whichever credential proved it."""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from gatehouse_fastapi._contract import ROLE_NAMES, ROLE_SEPARATOR

from app.models import User, UserSession


class CredentialKind(StrEnum):
    """Which credential produced the principal."""

    COOKIE = "cookie"
    BEARER = "bearer"
    JWT = "jwt"


@dataclass(frozen=True, slots=True)
class AuthUser:
    """The user fields authorisation decisions need."""

    id: str
    email: str
    name: str
    email_verified: bool
    role: str | None
    image: str | None = None
    banned: bool = False
    ban_reason: str | None = None
    ban_expires: datetime | None = None

    @property
    def roles(self) -> frozenset[str]:
        """The configured roles `role` names, parsed as the contract (contract/gatehouse.json `roles`) says.

        Split on the separator and compared exactly, never trimmed: better-auth's admin plugin
        (`hasPermission`) does the same, so `"user, admin"` grants `user` only on both services. Names that
        are not configured roles grant nothing.
        """
        return frozenset(part for part in (self.role or "").split(ROLE_SEPARATOR) if part in ROLE_NAMES)

    def is_banned(self, now: datetime) -> bool:
        """A ban counts until `ban_expires` (if any) has passed."""
        return self.banned and (self.ban_expires is None or self.ban_expires > now)

    @classmethod
    def from_row(cls, user: User) -> "AuthUser":
        """Copy the fields out of an ORM row."""
        return cls(
            id=user.id,
            email=user.email,
            name=user.name,
            email_verified=bool(user.email_verified),
            role=user.role,
            image=user.image,
            banned=bool(user.banned),
            ban_reason=user.ban_reason,
            ban_expires=user.ban_expires,
        )


@dataclass(frozen=True, slots=True)
class AuthSession:
    """The session behind the credential (never its token)."""

    id: str
    user_id: str
    expires_at: datetime
    impersonated_by: str | None = None

    @classmethod
    def from_row(cls, session: UserSession) -> "AuthSession":
        """Copy the fields out of an ORM row."""
        return cls(
            id=session.id,
            user_id=session.user_id,
            expires_at=session.expires_at,
            impersonated_by=session.impersonated_by,
        )


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: user + session + how they proved it."""

    user: AuthUser
    session: AuthSession
    credential: CredentialKind
