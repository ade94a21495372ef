-- What the backend's role may do in the Gatehouse database (issue 11, one writer). Run as the role that owns the
-- auth server's tables (the one in the auth server's DATABASE_URL), before the auth server's first start, so the
-- default privileges below cover every table its migrations create; on a database the auth server already
-- migrated, the GRANT ... ON ALL TABLES lines cover the tables that exist.
--
--   psql -v ON_ERROR_STOP=1 -v backend_role=gatehouse_backend -v owner_role=gatehouse -v database=gatehouse \
--        -f backend-grants.sql
--
-- The auth server alone writes the identity tables (users, user_sessions, accounts, verifications, auth_jwks,
-- auth_events, auth_revocations and whatever its later migrations add): the backend's role may read them and
-- point a foreign key at them (tasks.user_id → users.id), never INSERT, UPDATE, DELETE or TRUNCATE them. It owns
-- what its own migrations create (tasks, backend_alembic_version), so it needs CREATE in the schema.
-- The backend's test suite applies this file to every PostgreSQL database it tests on and connects as this role.

GRANT CONNECT ON DATABASE :"database" TO :"backend_role";
GRANT USAGE, CREATE ON SCHEMA public TO :"backend_role";

-- Tables the auth server's role creates from now on: readable and referenceable by the backend, nothing more.
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner_role" IN SCHEMA public GRANT SELECT, REFERENCES ON TABLES TO :"backend_role";

-- Tables that already exist (a deployment the auth server migrated before this ran).
GRANT SELECT, REFERENCES ON ALL TABLES IN SCHEMA public TO :"backend_role";
