"""The authenticated caller, whichever credential proved it: `AuthUser`, `Session`, `Principal`."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from gatehouse_fastapi._contract import DEFAULT_ROLE, ROLE_SEPARATOR


class CredentialKind(StrEnum):
    """Which credential produced the principal."""

    COOKIE = "cookie"
    """better-auth's signed session cookie (`better-auth.session_token`, `__Secure-` prefixed over HTTPS)."""
    BEARER = "bearer"
    """An opaque session token in `Authorization: Bearer` (better-auth's bearer plugin), raw or signed."""
    JWT = "jwt"
    """A JWT from better-auth's jwt plugin (`/api/auth/token`), verified against the JWKS."""


def parse_roles(stored: str | None, *, known: Iterable[str], default: str = DEFAULT_ROLE) -> frozenset[str]:
    """The role names a stored `role` value grants.

    Exactly as better-auth's admin plugin reads it (`hasPermission`): an empty or missing value means
    `default`; otherwise the value is split on "," and every part is compared as is, never trimmed, so
    `"user, admin"` grants `user` only (" admin" is not a role). Names not in `known` grant nothing.
    """
    names = (stored or default).split(ROLE_SEPARATOR)
    allowed = frozenset(known)
    return frozenset(name for name in names if name in allowed)


@dataclass(frozen=True, slots=True)
class AuthUser:
    """The user behind a credential: the fields authorisation decisions need.

    `role` is the stored value; `roles` the names it grants (see `parse_roles`). `banned` already applies
    the stored flag's truthiness; whether the ban is still in force depends on `ban_expires` (`is_banned`).
    """

    id: str
    email: str
    name: str
    email_verified: bool
    role: str | None = None
    roles: frozenset[str] = frozenset()
    image: str | None = None
    banned: bool = False
    ban_reason: str | None = None
    ban_expires: datetime | None = None

    def is_banned(self, now: datetime) -> bool:
        """Whether a ban is in force at `now` (aware UTC): until `ban_expires` if set, forever otherwise."""
        return self.banned and (self.ban_expires is None or self.ban_expires > now)

    def has_role(self, *names: str) -> bool:
        """Whether the user holds at least one of `names` (exact names)."""
        return not self.roles.isdisjoint(names)


@dataclass(frozen=True, slots=True)
class Session:
    """The better-auth session behind the credential (never its token). Times are aware UTC datetimes."""

    id: str
    user_id: str
    expires_at: datetime
    impersonated_by: str | None = None
    created_at: datetime | None = None
    amr: frozenset[str] = frozenset()
    """How the session was authenticated: RFC 8176 values (`pwd`, `otp`, `hwk`, `swk`, `mfa`). From the JWT's
    `amr` claim for a JWT, else from the session row (Gatehouse records it); empty when unknown."""
    auth_time: datetime | None = None
    """When the user last proved a factor in this session (OpenID Connect Core §2 `auth_time`), aware UTC;
    None when unknown (stock better-auth records nothing)."""

    @property
    def is_multi_factor(self) -> bool:
        """Whether the session was authenticated with more than one factor (`mfa` in `amr`, RFC 8176 §2)."""
        return "mfa" in self.amr


def parse_amr(stored: object) -> frozenset[str]:
    """RFC 8176 values from the session row's `amr` (space- or comma-separated text) or a JWT's `amr` array.
    Anything else (None, numbers, nested lists) yields nothing, so a malformed value never grants `mfa`.
    """
    if isinstance(stored, str):
        return frozenset(v for v in stored.replace(",", " ").split() if v)
    if isinstance(stored, list | tuple):
        return frozenset(v for v in stored if isinstance(v, str) and v)
    return frozenset()


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: the user, their session, and which credential proved it."""

    user: AuthUser
    session: Session
    credential: CredentialKind
