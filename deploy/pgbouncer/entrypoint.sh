#!/usr/bin/env bash
# pgbouncer-entrypoint.sh - one PgBouncer beside one service (the sidecar pattern): write
# pgbouncer.ini and userlist.txt from the environment, then exec pgbouncer in the foreground.
#
# It knows one role, listens on a Unix socket only (a volume shared with its service and no
# one else: the private channel, docs/architecture.md) and pools server connections to
# Postgres, logging in with SCRAM from the role's stored secret. It never holds a password.
#
#   DB_NAME                  required; the one database served
#   DB_HOST, DB_PORT         default postgres, 5432
#   PGBOUNCER_USER           required; the service's role, e.g. catalog_svc
#   PGBOUNCER_AUTH_SECRET    required (or PGBOUNCER_AUTH_SECRET_FILE): the role's SCRAM secret,
#                            SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>, the
#                            same one Postgres stores (python -m service_kit.scram makes it)
#   SOCKET_DIR               default /var/run/pgbouncer (socket .s.PGSQL.$PGBOUNCER_PORT)
#   PGBOUNCER_PORT           default 6432 (names the socket; no TCP listener)
#   POOL_MODE                default transaction
#   DEFAULT_POOL_SIZE        default 10: server connections this service may hold
#   MAX_CLIENT_CONN          default 1000: client connections queue for those
#   MAX_PREPARED_STATEMENTS  default 200 per server connection (protocol-level, LRU-evicted)
#   QUERY_WAIT_TIMEOUT       default 5 s a client may wait for a server connection; past it
#                            the client gets an error (the service answers 503 + Retry-After)
#                            instead of queueing behind a starved pool for minutes
#   SERVER_CONNECT_TIMEOUT   default 5 s to open a connection to Postgres
#   SERVER_LOGIN_RETRY       default 1 s before retrying a failed login to Postgres (PgBouncer
#                            answers every client with the cached failure meanwhile, so this is
#                            how long a restarted Postgres stays unreachable after it is back)
#   SERVER_TLS_SSLMODE       default prefer (verify-full with SERVER_TLS_CA_FILE for a
#                            Postgres outside the private network)
#   SERVER_TLS_CA_FILE       optional CA bundle for verify-ca/verify-full
#
# With arguments that are not options, the arguments are run instead (a shell, psql, ...).
set -euo pipefail

if [ "$#" -gt 0 ] && [ "${1:0:1}" != "-" ]; then
    exec "$@"
fi

CONF_DIR=/etc/pgbouncer
INI="$CONF_DIR/pgbouncer.ini"
USERLIST="$CONF_DIR/userlist.txt"

die() { echo "pgbouncer-entrypoint: error: $*" >&2; exit 1; }

DB_HOST="${DB_HOST:-postgres}"
DB_PORT="${DB_PORT:-5432}"
DB_NAME="${DB_NAME:-}"
PGBOUNCER_USER="${PGBOUNCER_USER:-}"
SOCKET_DIR="${SOCKET_DIR:-/var/run/pgbouncer}"
PGBOUNCER_PORT="${PGBOUNCER_PORT:-6432}"
POOL_MODE="${POOL_MODE:-transaction}"
DEFAULT_POOL_SIZE="${DEFAULT_POOL_SIZE:-10}"
MAX_CLIENT_CONN="${MAX_CLIENT_CONN:-1000}"
MAX_PREPARED_STATEMENTS="${MAX_PREPARED_STATEMENTS:-200}"
QUERY_WAIT_TIMEOUT="${QUERY_WAIT_TIMEOUT:-5}"
SERVER_CONNECT_TIMEOUT="${SERVER_CONNECT_TIMEOUT:-5}"
SERVER_LOGIN_RETRY="${SERVER_LOGIN_RETRY:-1}"
SERVER_TLS_SSLMODE="${SERVER_TLS_SSLMODE:-prefer}"
SERVER_TLS_CA_FILE="${SERVER_TLS_CA_FILE:-}"

if [ -n "${PGBOUNCER_AUTH_SECRET_FILE:-}" ]; then
    [ -r "$PGBOUNCER_AUTH_SECRET_FILE" ] || die "cannot read PGBOUNCER_AUTH_SECRET_FILE"
    PGBOUNCER_AUTH_SECRET="$(head -n 1 "$PGBOUNCER_AUTH_SECRET_FILE")"
fi
PGBOUNCER_AUTH_SECRET="${PGBOUNCER_AUTH_SECRET:-}"

# --- validation: values end up in an ini file, keep them boring ----------
name='^[A-Za-z0-9_][A-Za-z0-9_.-]*$'
[ -n "$DB_NAME" ] || die "DB_NAME is required (the database to pool, e.g. DB_NAME=shop)"
[[ "$DB_NAME" =~ $name ]] || die "DB_NAME has unsupported characters"
[[ "$PGBOUNCER_USER" =~ $name ]] || die "PGBOUNCER_USER is required: the service's role"
[[ "$DB_HOST" =~ ^[A-Za-z0-9_.:-]+$ ]] || die "DB_HOST has unsupported characters"
[[ "$SOCKET_DIR" =~ ^/[A-Za-z0-9_./-]+$ ]] || die "SOCKET_DIR must be an absolute path"
for v in DB_PORT PGBOUNCER_PORT DEFAULT_POOL_SIZE MAX_CLIENT_CONN MAX_PREPARED_STATEMENTS \
         QUERY_WAIT_TIMEOUT SERVER_CONNECT_TIMEOUT SERVER_LOGIN_RETRY; do
    [[ "${!v}" =~ ^[0-9]+$ ]] || die "$v must be a number (got '${!v}')"
done
case "$POOL_MODE" in
    session|transaction|statement) ;;
    *) die "POOL_MODE must be session, transaction or statement" ;;
esac
case "$SERVER_TLS_SSLMODE" in
    disable|allow|prefer|require|verify-ca|verify-full) ;;
    *) die "SERVER_TLS_SSLMODE must be a libpq sslmode" ;;
esac
# A stored secret only: a plaintext password must never reach a PgBouncer file.
[[ "$PGBOUNCER_AUTH_SECRET" =~ ^SCRAM-SHA-256\$[0-9]+:[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+$ ]] ||
    die "PGBOUNCER_AUTH_SECRET must be a SCRAM-SHA-256 secret (python -m service_kit.scram), never a password"

umask 077
[ -d "$SOCKET_DIR" ] && [ -w "$SOCKET_DIR" ] || die "$SOCKET_DIR must be a writable directory (the socket volume)"

printf '"%s" "%s"\n' "$PGBOUNCER_USER" "$PGBOUNCER_AUTH_SECRET" >"$USERLIST.tmp"
mv -f "$USERLIST.tmp" "$USERLIST"

tls_ca=""
[ -n "$SERVER_TLS_CA_FILE" ] && tls_ca="server_tls_ca_file = $SERVER_TLS_CA_FILE"

cat >"$INI.tmp" <<INI
; generated by pgbouncer-entrypoint.sh at container start - edits are lost
[databases]
; no user= here: PgBouncer logs in as the client's role, with the SCRAM keys the client's
; own SCRAM login gave it (that is what lets it hold only the stored secret)
$DB_NAME = host=$DB_HOST port=$DB_PORT dbname=$DB_NAME

[pgbouncer]
; the Unix socket only: no TCP listener, no pid file, one foreground process
listen_addr =
listen_port = $PGBOUNCER_PORT
unix_socket_dir = $SOCKET_DIR
; who may connect is decided by who may mount the socket's volume
unix_socket_mode = 0777
pidfile =

auth_type = scram-sha-256
auth_file = $USERLIST
admin_users =
stats_users =

pool_mode = $POOL_MODE
default_pool_size = $DEFAULT_POOL_SIZE
min_pool_size = 0
max_client_conn = $MAX_CLIENT_CONN
query_wait_timeout = $QUERY_WAIT_TIMEOUT
server_connect_timeout = $SERVER_CONNECT_TIMEOUT
server_login_retry = $SERVER_LOGIN_RETRY
; nothing to reset between transactions in transaction pooling
server_reset_query =
; protocol-level prepared statements are tracked per server connection and evicted LRU, so
; clients may prepare freely and the server never accumulates them
max_prepared_statements = $MAX_PREPARED_STATEMENTS
server_tls_sslmode = $SERVER_TLS_SSLMODE
$tls_ca
ignore_startup_parameters = extra_float_digits

logfile =
syslog = 0
log_connections = 0
log_disconnections = 0
INI
mv -f "$INI.tmp" "$INI"

echo "pgbouncer-entrypoint: $PGBOUNCER_USER@$DB_NAME -> $DB_HOST:$DB_PORT, pool $DEFAULT_POOL_SIZE, socket $SOCKET_DIR/.s.PGSQL.$PGBOUNCER_PORT" >&2
exec pgbouncer "$@" "$INI"
