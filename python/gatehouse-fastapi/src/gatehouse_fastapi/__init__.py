"""gatehouse-fastapi: trust Gatehouse (and stock better-auth) credentials in a FastAPI app.

auth = Gatehouse(auth_url="https://auth.example.com", secret=..., database_url="postgres://...")
app = FastAPI(lifespan=auth.lifespan, exception_handlers=auth.exception_handlers)

@app.get("/me")
async def me(user: CurrentUser) -> AuthUser: ...
"""

from importlib import metadata as _metadata

from gatehouse_fastapi._contract import AuditEventType, ErrorCode, FeedKind
from gatehouse_fastapi._deps import (
    AdminUser,
    CurrentPrincipal,
    CurrentUser,
    OptionalUser,
    VerifiedUser,
    admin_user,
    current_principal,
    current_user,
    error_codes,
    optional_user,
    require_mfa,
    require_recent_auth,
    require_role,
    verified_user,
)
from gatehouse_fastapi._errors import AuthError, auth_error_handler, database_unavailable_handler
from gatehouse_fastapi._gatehouse import Gatehouse, GatehouseStatus, RevocationMode
from gatehouse_fastapi._models import AuthUser, CredentialKind, Principal, Session, parse_amr, parse_roles
from gatehouse_fastapi._origin import SAFE_METHODS, parse_trusted_origins
from gatehouse_fastapi._schema import Schema
from gatehouse_fastapi._tuning import Tuning

__all__ = [
    "SAFE_METHODS",
    "AdminUser",
    "AuditEventType",
    "AuthError",
    "AuthUser",
    "CredentialKind",
    "CurrentPrincipal",
    "CurrentUser",
    "ErrorCode",
    "FeedKind",
    "Gatehouse",
    "GatehouseStatus",
    "OptionalUser",
    "Principal",
    "RevocationMode",
    "Schema",
    "Session",
    "Tuning",
    "VerifiedUser",
    "admin_user",
    "auth_error_handler",
    "current_principal",
    "current_user",
    "database_unavailable_handler",
    "error_codes",
    "optional_user",
    "parse_amr",
    "parse_roles",
    "parse_trusted_origins",
    "require_mfa",
    "require_recent_auth",
    "require_role",
    "verified_user",
]
__version__ = _metadata.version("gatehouse-fastapi")
