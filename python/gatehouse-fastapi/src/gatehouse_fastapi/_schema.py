"""Where better-auth keeps users, sessions and accounts: table and column names, and how rows become models.

better-auth lets every table (`modelName`) and column (`fields`) be renamed. `Schema` takes the same two
kinds of names, so a team copies its better-auth options here. `Schema()` is better-auth's default layout
(`user`, `session`, `account`, camelCase columns); `Schema.gatehouse()` is Gatehouse's snake_case one.
Columns added by the admin plugin (role, ban, impersonation) are optional: a database without them
(better-auth without the admin plugin) works, with every user unbanned and holding the default role.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import Any

from sqlalchemy import ColumnClause, TableClause, column, inspect, table
from sqlalchemy.engine import Connection

from gatehouse_fastapi._models import AuthUser, Session, parse_amr, parse_roles
from gatehouse_fastapi._time import parse_timestamp

USER_FIELDS = ("id", "email", "name", "emailVerified", "image", "role", "banned", "banReason", "banExpires")
SESSION_FIELDS = ("id", "userId", "token", "expiresAt", "createdAt", "impersonatedBy", "amr", "authTime")
ACCOUNT_FIELDS = ("id", "userId", "password")
# The admin plugin's columns and Gatehouse's session methods (amr, authTime); every other one is part of
# better-auth's core schema.
OPTIONAL_FIELDS = frozenset({"role", "banned", "banReason", "banExpires", "impersonatedBy", "amr", "authTime"})

_EMPTY: Mapping[str, str] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class Schema:
    """Table and column names, in better-auth's own terms (`modelName` and `fields`).

    `*_fields` map a better-auth field name (`emailVerified`, `userId`, `expiresAt`, ...) to its column;
    unlisted fields keep their better-auth name. Raises nothing here; a name that does not exist in the
    database is reported when `Gatehouse` starts.
    """

    user_table: str = "user"
    session_table: str = "session"
    account_table: str = "account"
    user_fields: Mapping[str, str] = field(default_factory=lambda: _EMPTY)
    session_fields: Mapping[str, str] = field(default_factory=lambda: _EMPTY)
    account_fields: Mapping[str, str] = field(default_factory=lambda: _EMPTY)

    @classmethod
    def better_auth(cls) -> "Schema":
        """better-auth's default names: tables `user`, `session`, `account`; camelCase columns."""
        return cls()

    @classmethod
    def gatehouse(cls) -> "Schema":
        """Gatehouse's names: tables `users`, `user_sessions`, `accounts`; snake_case columns."""
        timestamps = {"createdAt": "created_at", "updatedAt": "updated_at"}
        return cls(
            user_table="users",
            session_table="user_sessions",
            account_table="accounts",
            user_fields={
                "emailVerified": "email_verified",
                "banReason": "ban_reason",
                "banExpires": "ban_expires",
                **timestamps,
            },
            session_fields={
                "userId": "user_id",
                "expiresAt": "expires_at",
                "impersonatedBy": "impersonated_by",
                "authTime": "auth_time",
                "ipAddress": "ip_address",
                "userAgent": "user_agent",
                **timestamps,
            },
            account_fields={"userId": "user_id", "accountId": "account_id", "providerId": "provider_id", **timestamps},
        )

    def user_column(self, name: str) -> str:
        """The column holding user field `name`."""
        return self.user_fields.get(name, name)

    def session_column(self, name: str) -> str:
        """The column holding session field `name`."""
        return self.session_fields.get(name, name)

    def account_column(self, name: str) -> str:
        """The column holding account field `name`."""
        return self.account_fields.get(name, name)


def detect_schema(conn: Connection) -> Schema:
    """Gatehouse's layout if its tables exist, else better-auth's default one.

    Raises LookupError when neither is there (a wrong database URL, or better-auth's migrations not run).
    """
    names = set(inspect(conn).get_table_names())
    for candidate in (Schema.gatehouse(), Schema.better_auth()):
        if {candidate.user_table, candidate.session_table} <= names:
            return candidate
    raise LookupError(
        "no better-auth tables found (looked for users/user_sessions and user/session); "
        "pass schema=Schema(...) with your better-auth modelName and fields"
    )


def present_fields(conn: Connection, schema: Schema) -> frozenset[str]:
    """The optional fields whose columns exist. Raises LookupError naming a missing required column."""
    inspector = inspect(conn)
    found: set[str] = set()
    for table_name, fields, column_of in (
        (schema.user_table, USER_FIELDS, schema.user_column),
        (schema.session_table, SESSION_FIELDS, schema.session_column),
    ):
        columns = {c["name"] for c in inspector.get_columns(table_name)}
        if not columns:
            raise LookupError(f"table {table_name!r} not found")
        for name in fields:
            if column_of(name) in columns:
                found.add(name)
            elif name not in OPTIONAL_FIELDS:
                raise LookupError(f"column {column_of(name)!r} (better-auth field {name!r}) not in {table_name!r}")
    return frozenset(found & OPTIONAL_FIELDS)


class AuthTables:
    """SQLAlchemy Core views of the user and session tables under `schema`, selecting fields by their
    better-auth names (as labels), so the rest of the package never sees a column name.
    """

    def __init__(self, schema: Schema, optional: frozenset[str] = OPTIONAL_FIELDS) -> None:
        self.schema = schema
        user_fields = [f for f in USER_FIELDS if f not in OPTIONAL_FIELDS or f in optional]
        session_fields = [f for f in SESSION_FIELDS if f not in OPTIONAL_FIELDS or f in optional]
        self.users: TableClause = table(schema.user_table, *(column(schema.user_column(f)) for f in user_fields))
        self.sessions: TableClause = table(
            schema.session_table, *(column(schema.session_column(f)) for f in session_fields)
        )
        self.user_columns: list[Any] = [self.users.c[schema.user_column(f)].label(f"u_{f}") for f in user_fields]
        self.session_columns: list[Any] = [
            self.sessions.c[schema.session_column(f)].label(f"s_{f}") for f in session_fields
        ]

    def user_col(self, name: str) -> ColumnClause[Any]:
        """The user table's column for field `name`."""
        col: ColumnClause[Any] = self.users.c[self.schema.user_column(name)]
        return col

    def session_col(self, name: str) -> ColumnClause[Any]:
        """The session table's column for field `name`."""
        col: ColumnClause[Any] = self.sessions.c[self.schema.session_column(name)]
        return col


_FALSE_SPELLINGS = frozenset({"", "0", "f", "false", "n", "no", "off"})


def ban_flag_set(value: Any) -> bool:
    """Whether a stored `banned` value means "banned": anything but null, false, 0 or a recognisable "no" (fail
    closed). The "no" spellings are PostgreSQL's boolean input forms for false, so a value means the same in
    both databases; Gatehouse's auth server applies the same rule (`isBanFlagSet`), in code and in its triggers.
    """
    if value is None or value is False:
        return False
    if isinstance(value, int | float):
        return value != 0
    if isinstance(value, str):
        return value.strip().lower() not in _FALSE_SPELLINGS
    return True


def strictly_true(value: Any) -> bool:
    """A verified flag counts only when it is unambiguously true (fail closed on odd stored values)."""
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true"}
    return value is True or (isinstance(value, int) and value == 1)


def _timestamp(raw: Any) -> datetime | None:
    if raw is None:
        return None
    try:
        return parse_timestamp(raw)
    except (TypeError, ValueError, OverflowError):
        return None


def user_from_row(row: Mapping[Any, Any], *, known_roles: frozenset[str], default_role: str) -> AuthUser:
    """An `AuthUser` from a row selected with `AuthTables.user_columns`."""
    role = row.get("u_role")
    role = role if isinstance(role, str) else None
    banned = ban_flag_set(row.get("u_banned"))
    raw_expiry = row.get("u_banExpires")
    # No end date (null or ""), or one that cannot be read: the ban counts until lifted (fail closed).
    ban_expires = None if raw_expiry == "" else _timestamp(raw_expiry)
    image = row.get("u_image")
    ban_reason = row.get("u_banReason")
    return AuthUser(
        id=str(row["u_id"]),
        email=str(row["u_email"]),
        name=str(row["u_name"] or ""),
        email_verified=strictly_true(row["u_emailVerified"]),
        role=role,
        roles=parse_roles(role, known=known_roles, default=default_role),
        image=image if isinstance(image, str) else None,
        banned=banned,
        ban_reason=ban_reason if isinstance(ban_reason, str) else None,
        ban_expires=ban_expires,
    )


def session_from_row(row: Mapping[Any, Any]) -> Session | None:
    """A `Session` from a row selected with `AuthTables.session_columns`; None if its expiry is unreadable."""
    expires_at = _timestamp(row["s_expiresAt"])
    if expires_at is None:
        return None
    impersonated_by = row.get("s_impersonatedBy")
    return Session(
        id=str(row["s_id"]),
        user_id=str(row["s_userId"]),
        expires_at=expires_at,
        impersonated_by=impersonated_by if isinstance(impersonated_by, str) else None,
        created_at=_timestamp(row.get("s_createdAt")),
        amr=parse_amr(row.get("s_amr")),
        auth_time=_timestamp(row.get("s_authTime")),
    )
