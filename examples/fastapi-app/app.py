"""A small protected notes API, built only on gatehouse-fastapi's public API.

Run it next to a Gatehouse (or stock better-auth) auth server:

    AUTH_URL=http://localhost:3000 BETTER_AUTH_SECRET=... DATABASE_URL=sqlite:/path/to/auth.db \\
        uvicorn app:app --port 8001

TRUSTED_ORIGINS (comma-separated, e.g. https://app.example.com) names the web pages that may write with the session
cookie; a cookie-authenticated write from any other origin is refused (403 INVALID_ORIGIN).
"""

import os
from dataclasses import asdict
from typing import Annotated, Any

from fastapi import Depends, FastAPI
from gatehouse_fastapi import AuthUser, CurrentPrincipal, Gatehouse, OptionalUser, VerifiedUser, require_role
from pydantic import BaseModel, Field

auth = Gatehouse(
    auth_url=os.environ["AUTH_URL"],
    secret=os.environ["BETTER_AUTH_SECRET"],
    database_url=os.environ["DATABASE_URL"],
    trusted_origins=[origin for origin in os.environ.get("TRUSTED_ORIGINS", "").split(",") if origin],
)
app = FastAPI(title="Notes", lifespan=auth.lifespan, exception_handlers=auth.exception_handlers)

AdminUser = Annotated[AuthUser, Depends(require_role("admin"))]


class NoteIn(BaseModel):
    """A note to add."""

    text: str = Field(min_length=1, max_length=500)


class Note(NoteIn):
    """A stored note."""

    id: int


NOTES: dict[str, list[Note]] = {}  # per user id; a real app would use its own database


@app.get("/health")
async def health() -> dict[str, Any]:
    """Liveness, and how sessions are checked (`revocation`: feed or database; `feed`: live or degraded)."""
    return {"status": "ok", "auth": asdict(auth.status())}


@app.get("/hello")
async def hello(user: OptionalUser) -> dict[str, str]:
    """Anyone; signed-in callers are greeted by name."""
    return {"message": f"Hello, {user.name}!" if user else "Hello, stranger!"}


@app.get("/me")
async def me(principal: CurrentPrincipal) -> dict[str, Any]:
    """The caller, their session and the credential they used."""
    user = principal.user
    return {
        "id": user.id,
        "email": user.email,
        "roles": sorted(user.roles),
        "email_verified": user.email_verified,
        "credential": principal.credential.value,
        "session_id": principal.session.id,
    }


@app.get("/notes")
async def list_notes(user: VerifiedUser) -> list[Note]:
    """The caller's notes (a verified email address is required)."""
    return NOTES.get(user.id, [])


@app.post("/notes", status_code=201)
async def add_note(user: VerifiedUser, body: NoteIn) -> Note:
    """Add a note for the caller."""
    notes = NOTES.setdefault(user.id, [])
    note = Note(id=len(notes) + 1, text=body.text)
    notes.append(note)
    return note


@app.get("/admin/stats")
async def stats(admin: AdminUser) -> dict[str, int]:
    """Administrators only."""
    return {"users_with_notes": len(NOTES), "notes": sum(len(n) for n in NOTES.values())}
