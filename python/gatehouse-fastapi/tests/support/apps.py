"""A small protected FastAPI app built only from the package's public API."""

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import Depends, FastAPI

from gatehouse_fastapi import (
    AdminUser,
    AuthUser,
    CurrentPrincipal,
    CurrentUser,
    Gatehouse,
    OptionalUser,
    VerifiedUser,
    require_role,
)


def protected_app(auth: Gatehouse) -> FastAPI:
    """Routes behind each dependency, plus `/status`."""
    app = FastAPI(lifespan=auth.lifespan, exception_handlers=auth.exception_handlers)

    @app.get("/me")
    async def me(user: CurrentUser) -> dict[str, Any]:
        return {"id": user.id, "email": user.email, "roles": sorted(user.roles), "verified": user.email_verified}

    @app.get("/optional")
    async def optional(user: OptionalUser) -> dict[str, Any]:
        return {"id": None if user is None else user.id}

    @app.get("/verified")
    async def verified(user: VerifiedUser) -> dict[str, str]:
        return {"id": user.id}

    @app.get("/admin")
    async def admin(user: AdminUser) -> dict[str, str]:
        return {"id": user.id}

    @app.get("/editors")
    async def editors(user: Annotated[AuthUser, Depends(require_role("editor", "admin"))]) -> dict[str, str]:
        return {"id": user.id}

    @app.get("/principal")
    async def principal(p: CurrentPrincipal) -> dict[str, Any]:
        return {"credential": p.credential.value, "session": p.session.id, "user": p.user.id}

    @app.get("/status")
    async def status() -> dict[str, Any]:
        return asdict(auth.status())

    return app
