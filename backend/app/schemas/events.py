"""The audit log as admins read it."""

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from app.schemas.common import Page


class AuthEventPublic(BaseModel):
    """One row of `auth_events`, written by the auth server or the backend."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    type: str = Field(
        description="sign_up, email_verified, sign_in, sign_in_failed, sign_out, password_reset_requested, "
        "password_reset_completed, password_changed, session_revoked, role_changed, user_banned, user_unbanned, "
        "impersonation_started, impersonation_stopped, oauth_linked, oauth_unlinked, user_deleted"
    )
    user_id: str | None = Field(description="The user the event is about (none for a failed sign-in).")
    session_id: str | None = Field(description="The session concerned, if any (an id, never a token).")
    actor_id: str | None = Field(description="Who acted, when not the user themself (an admin).")
    ip: str | None
    user_agent: str | None
    success: bool
    reason: str | None = Field(description="A short machine-readable reason (an error code, a role, a path).")
    created_at: datetime


AuthEventsPublic = Page[AuthEventPublic]
