-- The backend's PostgreSQL role (issue 11, one writer): once per PostgreSQL cluster, as a superuser or a role
-- with CREATEROLE. backend-grants.sql then gives it what it may do in the Gatehouse database.
--
--   psql -v ON_ERROR_STOP=1 -v backend_role=gatehouse_backend -v backend_password=... -f backend-role.sql
--
-- It can log in and nothing more until granted: no superuser, no CREATEDB, no CREATEROLE, no inheritance of
-- the auth server's role.
CREATE ROLE :"backend_role" LOGIN PASSWORD :'backend_password' NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT;
