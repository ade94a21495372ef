#!/bin/sh
# docker-compose's PostgreSQL runs this once, on an empty data volume (/docker-entrypoint-initdb.d), before any
# other service starts: the backend's role and its grants (backend-role.sql, backend-grants.sql; the SQL itself
# is mounted at /gatehouse/postgres). The database owner is POSTGRES_USER, the role the auth server connects as.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v backend_role="$GATEHOUSE_BACKEND_DB_USER" -v backend_password="$POSTGRES_BACKEND_PASSWORD" \
  -f /gatehouse/postgres/backend-role.sql
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v backend_role="$GATEHOUSE_BACKEND_DB_USER" -v owner_role="$POSTGRES_USER" -v database="$POSTGRES_DB" \
  -f /gatehouse/postgres/backend-grants.sql
