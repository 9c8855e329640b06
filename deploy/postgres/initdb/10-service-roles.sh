#!/usr/bin/env bash
# /docker-entrypoint-initdb.d/10-service-roles.sh - runs once, on the first
# start with an empty data directory, against the temporary init server.
#
# In database $POSTGRES_DB, for each service (users catalog orders), two LOGIN roles:
#   * <service>_owner, the migration role: owns schema <service> (AUTHORIZATION) and so every
#     table its migrations create. Only the migration job logs in as it, straight to Postgres.
#   * <service>_svc, the runtime role the service logs in as through its PgBouncer: USAGE on
#     its schema and SELECT/INSERT/UPDATE/DELETE on its tables and sequences (present and
#     future ones, through default privileges of the owner), no DDL, no other schema. Its
#     sessions carry statement_timeout, lock_timeout and idle_in_transaction_session_timeout
#     (SERVICE_STATEMENT_TIMEOUT, SERVICE_LOCK_TIMEOUT, SERVICE_IDLE_IN_TRANSACTION_TIMEOUT;
#     defaults 5s, 2s, 10s), so no request can hold a server connection for long.
# Each role's password is a SCRAM secret (SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:
# <ServerKey>, stored as given, so the service's PgBouncer can hold the very same secret and
# log in with it): <SERVICE>_DB_SCRAM_SECRET for the runtime role and
# <SERVICE>_DB_OWNER_SCRAM_SECRET for the owner, or files named by the same with _FILE.
# No role-level search_path: the services qualify every table with its schema, and Alembic
# must see the schema as a named one.
# For the database: no CREATE on schema public for PUBLIC, no CONNECT/TEMP for PUBLIC,
# CONNECT for the service roles only. The superuser may log in over the local socket only:
# pg_hba.conf refuses it on every network address.
#
# Secrets travel as psql variables (\getenv) and are quoted by format('%L');
# they are never spliced into SQL text by the shell. Needs psql >= 15. Idempotent (re-running updates
# passwords and reapplies grants).
set -Eeuo pipefail

SERVICES=(users catalog orders)

: "${POSTGRES_USER:?POSTGRES_USER is not set (run by the postgres image entrypoint)}"
: "${POSTGRES_DB:?POSTGRES_DB is not set (run by the postgres image entrypoint)}"

missing=()
for svc in "${SERVICES[@]}"; do
    for var in "${svc^^}_DB_SCRAM_SECRET" "${svc^^}_DB_OWNER_SCRAM_SECRET"; do
        file_var="${var}_FILE"   # a mounted secret wins, as the official image's *_FILE do
        if [ -n "${!file_var:-}" ]; then
            [ -r "${!file_var}" ] || { echo "10-service-roles.sh: error: cannot read $file_var" >&2; exit 1; }
            export "$var=$(head -n 1 "${!file_var}")"
        fi
        [[ "${!var:-}" == SCRAM-SHA-256\$* ]] || missing+=("$var")
    done
done
if [ "${#missing[@]}" -gt 0 ]; then
    echo "10-service-roles.sh: error: missing or not a SCRAM secret: ${missing[*]}" >&2
    echo "10-service-roles.sh: set one SCRAM secret per service role (python -m service_kit.scram)." >&2
    exit 1
fi

timeouts=(
    "statement_timeout=${SERVICE_STATEMENT_TIMEOUT:-5s}"
    "lock_timeout=${SERVICE_LOCK_TIMEOUT:-2s}"
    "idle_in_transaction_timeout=${SERVICE_IDLE_IN_TRANSACTION_TIMEOUT:-10s}"
)
psql_vars=(--set "db=$POSTGRES_DB")
for setting in "${timeouts[@]}"; do
    [[ "${setting#*=}" =~ ^[0-9]+(ms|s|min)$ ]] ||
        { echo "10-service-roles.sh: error: ${setting%%=*} must look like 500ms, 5s or 1min" >&2; exit 1; }
    psql_vars+=(--set "$setting")
done
for svc in "${SERVICES[@]}"; do
    psql_vars+=(--set "${svc}_role=${svc}_svc" --set "${svc}_owner=${svc}_owner" --set "${svc}_schema=${svc}")
done

# SQL text only names psql variables (:'x' = quoted literal); values are bound
# by psql. Secrets are read with \getenv (psql >= 15), so they do not even
# appear on psql's command line.
service_sql() {
    local s="$1"
    cat <<SQL
-- ${s}
\getenv ${s}_pw ${s^^}_DB_SCRAM_SECRET
\getenv ${s}_owner_pw ${s^^}_DB_OWNER_SCRAM_SECRET
SELECT format('CREATE ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION', role)
  FROM (VALUES (:'${s}_role'), (:'${s}_owner')) AS wanted (role)
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = role) \gexec
SELECT format('ALTER ROLE %I WITH LOGIN PASSWORD %L', :'${s}_role', :'${s}_pw') \gexec
SELECT format('ALTER ROLE %I WITH LOGIN PASSWORD %L', :'${s}_owner', :'${s}_owner_pw') \gexec
SELECT format('ALTER ROLE %I SET statement_timeout = %L', :'${s}_role', :'statement_timeout') \gexec
SELECT format('ALTER ROLE %I SET lock_timeout = %L', :'${s}_role', :'lock_timeout') \gexec
SELECT format('ALTER ROLE %I SET idle_in_transaction_session_timeout = %L', :'${s}_role', :'idle_in_transaction_timeout') \gexec
SELECT format('CREATE SCHEMA IF NOT EXISTS %I AUTHORIZATION %I', :'${s}_schema', :'${s}_owner') \gexec
SELECT format('ALTER SCHEMA %I OWNER TO %I', :'${s}_schema', :'${s}_owner') \gexec
SELECT format('REVOKE ALL ON SCHEMA %I FROM PUBLIC', :'${s}_schema') \gexec
SELECT format('GRANT USAGE ON SCHEMA %I TO %I', :'${s}_schema', :'${s}_role') \gexec
SELECT format('GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA %I TO %I', :'${s}_schema', :'${s}_role') \gexec
SELECT format('GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA %I TO %I', :'${s}_schema', :'${s}_role') \gexec
SELECT format('ALTER DEFAULT PRIVILEGES FOR ROLE %I IN SCHEMA %I GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO %I', :'${s}_owner', :'${s}_schema', :'${s}_role') \gexec
SELECT format('ALTER DEFAULT PRIVILEGES FOR ROLE %I IN SCHEMA %I GRANT USAGE, SELECT ON SEQUENCES TO %I', :'${s}_owner', :'${s}_schema', :'${s}_role') \gexec
SELECT format('GRANT CONNECT ON DATABASE %I TO %I, %I', :'db', :'${s}_role', :'${s}_owner') \gexec
SQL
}

{
    echo "\\set ON_ERROR_STOP on"
    echo "BEGIN;"
    echo "REVOKE CREATE ON SCHEMA public FROM PUBLIC;"
    echo "SELECT format('REVOKE ALL ON DATABASE %I FROM PUBLIC', :'db') \\gexec"
    for svc in "${SERVICES[@]}"; do
        service_sql "$svc"
    done
    echo "COMMIT;"
} | psql -v ON_ERROR_STOP=1 --no-psqlrc --no-password --quiet \
        --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" "${psql_vars[@]}" >/dev/null

# The superuser: the local socket only (docker exec psql); every network address is refused,
# before the image's own "host all all all" line can admit it.
hba="$PGDATA/pg_hba.conf"
reject_superuser="host all \"$POSTGRES_USER\" all reject"
if ! grep -qxF "$reject_superuser" "$hba"; then
    { echo "$reject_superuser"; cat "$hba"; } >"$hba.tmp"
    mv -f "$hba.tmp" "$hba"
fi

echo "10-service-roles.sh: created roles ${SERVICES[*]/%/_svc} and ${SERVICES[*]/%/_owner} with schemas ${SERVICES[*]} in database $POSTGRES_DB" >&2
