#!/usr/bin/env bash
# docker-entrypoint.sh for shop-local/postgres:17-trixie.
#
# The part of the official postgres image's entrypoint interface the shop uses:
#   POSTGRES_USER      superuser name (default: postgres)
#   POSTGRES_PASSWORD  superuser password (required; TCP logins use scram-sha-256)
#   POSTGRES_DB        database created on first init (default: $POSTGRES_USER)
#   PGDATA             data directory (default /var/lib/postgresql/data)
#   *_FILE             POSTGRES_PASSWORD_FILE etc. read the value from a file
# POSTGRES_HOST_AUTH_METHOD and POSTGRES_INITDB_ARGS are refused rather than ignored.
# On first start (empty data dir): initdb, then a temporary server listening
# only on the unix socket runs /docker-entrypoint-initdb.d/*.sh (executed if
# executable, sourced otherwise), *.sql and *.sql.gz in name order, as
# $POSTGRES_USER against $POSTGRES_DB (PGUSER/PGPASSWORD exported, `psql`
# works without arguments except --dbname). If initialisation fails, the
# fresh data dir is emptied again so the next start retries it.
# Finally `exec postgres "$@"` as user postgres (postgres becomes PID 1 and
# receives SIGTERM/SIGINT directly).
set -Eeo pipefail

log() { printf '%s [entrypoint] %s\n' "$(date -u '+%Y-%m-%d %H:%M:%S UTC')" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# file_env VAR [DEFAULT]: VAR or VAR_FILE (not both) -> exported VAR
file_env() {
    local var="$1" file_var="${1}_FILE" def="${2:-}" val
    if [ -n "${!var:-}" ] && [ -n "${!file_var:-}" ]; then
        die "both $var and $file_var are set (they are exclusive)"
    fi
    val="$def"
    if [ -n "${!var:-}" ]; then
        val="${!var}"
    elif [ -n "${!file_var:-}" ]; then
        val="$(<"${!file_var}")"
    fi
    export "$var"="$val"
    unset "$file_var"
}

# docker_process_sql [psql args...]: run SQL as the superuser against
# $POSTGRES_DB (same helper name as the official image, for sourced scripts).
docker_process_sql() {
    local dbname="${POSTGRES_DB}"
    PGHOST='' PGHOSTADDR='' psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" \
        --no-password --no-psqlrc --dbname "$dbname" "$@"
}

# `docker run IMAGE -c foo=bar` -> postgres -c foo=bar
if [ "${1:0:1}" = '-' ]; then
    set -- postgres "$@"
fi
if [ "${1:-}" != postgres ]; then
    exec "$@"
fi

file_env POSTGRES_PASSWORD
file_env POSTGRES_USER postgres
file_env POSTGRES_DB "$POSTGRES_USER"
for unsupported in POSTGRES_HOST_AUTH_METHOD POSTGRES_INITDB_ARGS; do
    [ -z "${!unsupported:-}" ] || die "$unsupported is not supported by this stand-in"
done
export PGDATA="${PGDATA:-/var/lib/postgresql/data}"

# --- as root: fix ownership, then re-run this script as postgres ----------
if [ "$(id -u)" = 0 ]; then
    mkdir -p "$PGDATA" /var/run/postgresql
    chmod 00700 "$PGDATA" 2>/dev/null || true
    find "$PGDATA" \! -user postgres -exec chown postgres:postgres '{}' + 2>/dev/null || true
    chown postgres:postgres /var/run/postgresql
    chmod 03775 /var/run/postgresql
    HOME=/var/lib/postgresql exec setpriv --reuid=postgres --regid=postgres --init-groups \
        -- "${BASH_SOURCE[0]}" "$@"
fi

# --- as postgres -----------------------------------------------------------
if [ ! -s "$PGDATA/PG_VERSION" ]; then
    [ -n "$POSTGRES_PASSWORD" ] || die "database is uninitialized and no superuser password is set:
       set POSTGRES_PASSWORD (or POSTGRES_PASSWORD_FILE) to a non-empty value."
    mkdir -p "$PGDATA" 2>/dev/null || true
    [ -w "$PGDATA" ] || die "data directory $PGDATA is not writable by $(id -un) (uid $(id -u))"
    chmod 00700 "$PGDATA" 2>/dev/null || true
    if [ -n "$(ls -A "$PGDATA" 2>/dev/null)" ]; then
        die "$PGDATA is not empty but contains no PG_VERSION; refusing to initialise it"
    fi

    temp_server_running=0
    init_failed() {
        local rc=$?
        [ "$rc" -ne 0 ] || return 0
        log "initialisation FAILED (exit $rc); emptying $PGDATA so the next start retries"
        if [ "$temp_server_running" = 1 ]; then
            pg_ctl -D "$PGDATA" -m immediate -w stop >/dev/null 2>&1 || true
        fi
        find "$PGDATA" -mindepth 1 -delete 2>/dev/null || true
        exit "$rc"
    }
    trap init_failed EXIT

    log "initialising database cluster in $PGDATA (superuser $POSTGRES_USER)"
    # The password goes through a pipe (never a file, never argv).
    initdb --username="$POSTGRES_USER" --auth-local=trust --auth-host=scram-sha-256 \
        --pwfile=<(printf '%s\n' "$POSTGRES_PASSWORD") >&2

    {
        echo
        echo "# added by docker-entrypoint.sh"
        echo "listen_addresses = '*'"
    } >>"$PGDATA/postgresql.conf"
    {
        echo
        echo "# added by docker-entrypoint.sh: any host, password auth"
        echo "host all all all scram-sha-256"
    } >>"$PGDATA/pg_hba.conf"

    # temporary server: unix socket only
    export PGUSER="${PGUSER:-$POSTGRES_USER}"
    export PGPASSWORD="${PGPASSWORD:-$POSTGRES_PASSWORD}"
    log "starting temporary server (unix socket only)"
    pg_ctl -D "$PGDATA" -o "-c listen_addresses='' -p ${PGPORT:-5432}" -w start >&2
    temp_server_running=1

    psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" \
        --no-password --no-psqlrc --dbname postgres --set db="$POSTGRES_DB" >/dev/null <<'EOSQL'
SELECT format('CREATE DATABASE %I', :'db')
 WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = :'db') \gexec
EOSQL

    shopt -s nullglob
    for f in /docker-entrypoint-initdb.d/*; do
        case "$f" in
            *.sh)
                if [ -x "$f" ]; then
                    log "running $f"
                    "$f"
                else
                    log "sourcing $f"
                    # shellcheck disable=SC1090  # an init script: known only at run time
                    . "$f"
                fi
                ;;
            *.sql)    log "running $f"; docker_process_sql -f "$f" >/dev/null ;;
            *.sql.gz) log "running $f"; gunzip -c "$f" | docker_process_sql >/dev/null ;;
            *)        log "ignoring $f" ;;
        esac
    done
    shopt -u nullglob

    log "stopping temporary server"
    pg_ctl -D "$PGDATA" -m fast -w stop >&2
    temp_server_running=0
    unset PGPASSWORD
    trap - EXIT
    log "PostgreSQL init process complete; ready for start up."
else
    log "PostgreSQL database directory appears to contain a database; skipping initialization"
fi

exec "$@"
