#!/usr/bin/env bash
# /docker-entrypoint-initdb.d/10-service-roles.sh - runs once, on the first
# start with an empty data directory, against the temporary init server.
#
# In database $POSTGRES_DB, for each service (users catalog orders):
#   * LOGIN role <service>_svc whose password is the SCRAM secret in <SERVICE>_DB_SCRAM_SECRET
#     (SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>; stored as given, so the
#     service's PgBouncer can hold the very same secret and log in with it), or in the file
#     named by <SERVICE>_DB_SCRAM_SECRET_FILE
#   * schema <service> owned by that role (AUTHORIZATION), nothing granted
#     on it to anyone else. No role-level search_path: the services qualify every
#     table with its schema, and Alembic must see the schema as a named one.
# and for the database: no CREATE on schema public for PUBLIC, no
# CONNECT/TEMP for PUBLIC, CONNECT for the three service roles only.
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
    var="${svc^^}_DB_SCRAM_SECRET"
    file_var="${var}_FILE"   # a mounted secret wins, as the official image's *_FILE do
    if [ -n "${!file_var:-}" ]; then
        [ -r "${!file_var}" ] || { echo "10-service-roles.sh: error: cannot read $file_var" >&2; exit 1; }
        export "$var=$(head -n 1 "${!file_var}")"
    fi
    [[ "${!var:-}" == SCRAM-SHA-256\$* ]] || missing+=("$var")
done
if [ "${#missing[@]}" -gt 0 ]; then
    echo "10-service-roles.sh: error: missing or not a SCRAM secret: ${missing[*]}" >&2
    echo "10-service-roles.sh: set one SCRAM secret per service role (python -m service_kit.scram)." >&2
    exit 1
fi

psql_vars=(--set "db=$POSTGRES_DB")
for svc in "${SERVICES[@]}"; do
    psql_vars+=(--set "${svc}_role=${svc}_svc" --set "${svc}_schema=${svc}")
done

# SQL text only names psql variables (:'x' = quoted literal); values are bound
# by psql. Secrets are read with \getenv (psql >= 15), so they do not even
# appear on psql's command line.
service_sql() {
    local s="$1"
    cat <<SQL
-- ${s}
\getenv ${s}_pw ${s^^}_DB_SCRAM_SECRET
SELECT format('CREATE ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION', :'${s}_role')
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'${s}_role') \gexec
SELECT format('ALTER ROLE %I WITH LOGIN PASSWORD %L', :'${s}_role', :'${s}_pw') \gexec
SELECT format('CREATE SCHEMA IF NOT EXISTS %I AUTHORIZATION %I', :'${s}_schema', :'${s}_role') \gexec
SELECT format('ALTER SCHEMA %I OWNER TO %I', :'${s}_schema', :'${s}_role') \gexec
SELECT format('REVOKE ALL ON SCHEMA %I FROM PUBLIC', :'${s}_schema') \gexec
SELECT format('GRANT CONNECT ON DATABASE %I TO %I', :'db', :'${s}_role') \gexec
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

echo "10-service-roles.sh: created roles ${SERVICES[*]/%/_svc} with schemas ${SERVICES[*]} in database $POSTGRES_DB" >&2
