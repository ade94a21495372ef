"""Gatehouse credential verification for FastAPI, self-contained (never imports `app.api`).

Three credentials (signed session cookie, bearer session token, EdDSA JWT) resolve to one `Principal`;
routes depend on `CurrentUser`, `VerifiedUser`, `AdminUser` or `require_role(...)` from `app.auth.deps`.
"""
