"""User, role, ban, session and account schemas."""

from typing import Annotated

from gatehouse_fastapi._contract import FieldLimits
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from app.schemas.common import STRICT_INPUT, Page, Timestamp, limited_text

# The contract's limits (fieldLimits), the ones the auth server applies to the same fields.
Name = Annotated[str, limited_text(FieldLimits.USER_NAME)]
ImageUrl = Annotated[str, limited_text(FieldLimits.USER_IMAGE)]
BanReason = Annotated[str, limited_text(FieldLimits.BAN_REASON)]
# Checked against the contract's role names by the route (unknown → 400 INVALID_ROLE), exactly as written:
# never trimmed, as better-auth compares stored roles exactly.
Role = Annotated[str, StringConstraints(min_length=1, max_length=64)]


class UserPublic(BaseModel):
    """A user profile (no credentials, ever)."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    email: str
    name: str
    image: str | None
    email_verified: bool
    role: str | None
    created_at: Timestamp
    updated_at: Timestamp


class UserAdmin(UserPublic):
    """What admins see: the profile plus ban state."""

    banned: bool | None
    ban_reason: str | None
    ban_expires: Timestamp | None


UsersPublic = Page[UserAdmin]


class UserUpdate(BaseModel):
    """PATCH /users/{id}: name and image for everyone, email_verified for admins only."""

    model_config = STRICT_INPUT

    name: Name | None = None
    image: ImageUrl | None = None
    email_verified: bool | None = None


class RoleUpdate(BaseModel):
    """PUT /users/{id}/role body: one of the configured role names (contract/gatehouse.json `roles.names`)."""

    model_config = STRICT_INPUT

    role: Role


class BanRequest(BaseModel):
    """POST /users/{id}/ban body; without `expires_in_seconds` the ban is permanent."""

    model_config = STRICT_INPUT

    reason: BanReason | None = None
    expires_in_seconds: int | None = Field(
        default=None, ge=FieldLimits.BAN_EXPIRES_IN_SECONDS.min, le=FieldLimits.BAN_EXPIRES_IN_SECONDS.max
    )


class SessionPublic(BaseModel):
    """A session as listed to its owner or an admin (never its token)."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    created_at: Timestamp
    updated_at: Timestamp
    expires_at: Timestamp
    ip_address: str | None
    user_agent: str | None
    impersonated_by: str | None
    is_current: bool = False


SessionsPublic = Page[SessionPublic]


class SessionsRevoked(BaseModel):
    """How many sessions a bulk revocation removed."""

    revoked: int


class CurrentSession(BaseModel):
    """GET /auth/session: the caller's session and user."""

    session: SessionPublic
    user: UserPublic


class MePublic(BaseModel):
    """GET /auth/me: the caller as the credential proved them."""

    id: str
    email: str
    name: str
    image: str | None
    email_verified: bool
    role: str | None


class AccountPublic(BaseModel):
    """A linked sign-in method (no tokens, no password hash)."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    provider_id: str
    account_id: str
    scope: str | None
    created_at: Timestamp
    updated_at: Timestamp
