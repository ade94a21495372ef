"""The audit log as admins read it."""

import json
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from app.schemas.common import Page, Timestamp


class AuthEventPublic(BaseModel):
    """One row of `auth_events`, written by the auth server or the backend."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    type: str = Field(
        description="sign_up, email_verified, sign_in, sign_in_failed, sign_out, password_reset_requested, "
        "password_reset_completed, password_changed, session_revoked, role_changed, user_banned, user_unbanned, "
        "impersonation_started, impersonation_stopped, oauth_linked, oauth_unlinked, user_deleted, user_created, "
        "email_change_requested, email_changed"
    )
    user_id: str | None = Field(description="The user the event is about (none for a failed sign-in).")
    session_id: str | None = Field(description="The session concerned, if any (an id, never a token).")
    actor_id: str | None = Field(description="Who acted, when not the user themself (an admin).")
    ip: str | None
    user_agent: str | None
    success: bool
    reason: str | None = Field(description="A short machine-readable reason (an error code, a role, a path).")
    details: dict[str, Any] | None = Field(
        default=None,
        description="What the event is about, for people reading the log (snake_case keys; strings, booleans, "
        "null or lists of strings; never a secret): role_changed {from, to}; user_banned {reason, expires_at}; "
        "sign_in {method}; sign_in_failed {email}; session_revoked {cause}; user_created {email, role, invited}; "
        "user_deleted {email, name}; user_updated {fields}; email_verified {email}; email_change_requested and "
        "email_changed {from, to}; oauth_linked and oauth_unlinked {provider}. Null on older rows.",
    )
    created_at: Timestamp

    @field_validator("details", mode="before")
    @classmethod
    def _parse_details(cls, value: object) -> object:
        """The column holds a JSON object as text (the auth server writes it); anything else reads as none."""
        if value is None or isinstance(value, dict):
            return value
        try:
            parsed = json.loads(value) if isinstance(value, (str, bytes)) else None
        except ValueError:
            return None
        return parsed if isinstance(parsed, dict) else None


AuthEventsPublic = Page[AuthEventPublic]
