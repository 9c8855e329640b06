#!/usr/bin/env bash
# ensure-docker.sh - make sure a working Docker engine and a compose tool exist.
# Setting up the machine, not building the shop: make runs it first, so that CI's fresh
# Debian machine (and a developer's of the same kind) needs nothing installed by hand.
#
# * If `docker info` answers and a compose (`docker compose` v2 or
#   `docker-compose` v1) is available: exit 0 immediately (idempotent, fast).
# * Otherwise, on Debian/Ubuntu as root: install docker.io / docker-compose
#   from apt if missing, start the daemon (systemd if it is PID 1, else a
#   background `dockerd` logging to $DOCKERD_LOG) and wait until it answers.
# * Anywhere else: print how to install/start Docker and exit 1.
#
# Env: DOCKERD_LOG (default /var/log/dockerd.log), DOCKER_WAIT_SECONDS (60).
set -euo pipefail

DOCKERD_LOG="${DOCKERD_LOG:-/var/log/dockerd.log}"
DOCKER_WAIT_SECONDS="${DOCKER_WAIT_SECONDS:-60}"

log() { printf 'ensure-docker: %s\n' "$*" >&2; }

docker_ok() {
    command -v docker >/dev/null 2>&1 && timeout 20 docker info >/dev/null 2>&1
}

compose_ok() {
    if command -v docker >/dev/null 2>&1 && docker compose version >/dev/null 2>&1; then
        return 0
    fi
    command -v docker-compose >/dev/null 2>&1
}

can_use_apt() {
    [ -f /etc/debian_version ] && [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1
}

manual_help() {
    cat >&2 <<'EOF'
ensure-docker: Docker is not usable and cannot be set up automatically here
(automatic setup needs Debian/Ubuntu and root).
Install and start it yourself, e.g.:
  Debian/Ubuntu : sudo apt-get install docker.io docker-compose && sudo systemctl start docker
                  (without systemd: sudo dockerd >/var/log/dockerd.log 2>&1 &)
  other Linux   : https://docs.docker.com/engine/install/
  macOS/Windows : install Docker Desktop and start it
If the daemon runs but you get "permission denied" on /var/run/docker.sock,
add your user to the `docker` group (sudo usermod -aG docker "$USER") and log in again.
Then check with: docker info && (docker compose version || docker-compose version)
EOF
}

APT_UPDATED=0
DOCKERD_PID=""
apt_install() {
    export DEBIAN_FRONTEND=noninteractive
    if [ "$APT_UPDATED" -eq 0 ]; then
        log "apt-get update"
        apt-get update -qq
        APT_UPDATED=1
    fi
    log "apt-get install $*"
    apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

dockerd_running() {
    if command -v pgrep >/dev/null 2>&1; then
        pgrep -x dockerd >/dev/null 2>&1
    else
        [ -s /var/run/docker.pid ] && kill -0 "$(cat /var/run/docker.pid)" 2>/dev/null
    fi
}

start_daemon() {
    if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
        log "starting docker via systemd"
        systemctl start docker || true
        return 0
    fi
    if dockerd_running; then
        log "dockerd already running; waiting for it to answer"
        return 0
    fi
    mkdir -p "$(dirname "$DOCKERD_LOG")"
    log "starting dockerd in the background (log: $DOCKERD_LOG)"
    # setsid + nohup: the daemon must outlive this script and its terminal.
    setsid nohup dockerd >>"$DOCKERD_LOG" 2>&1 </dev/null &
    DOCKERD_PID=$!
}

wait_for_docker() {
    local deadline=$((SECONDS + DOCKER_WAIT_SECONDS))
    until docker_ok; do
        if [ -n "$DOCKERD_PID" ] && ! kill -0 "$DOCKERD_PID" 2>/dev/null; then
            log "dockerd exited during startup; last lines of $DOCKERD_LOG:"
            tail -n 20 "$DOCKERD_LOG" >&2 2>/dev/null || true
            return 1
        fi
        if [ "$SECONDS" -ge "$deadline" ]; then
            log "docker did not answer within ${DOCKER_WAIT_SECONDS}s; last lines of $DOCKERD_LOG:"
            tail -n 20 "$DOCKERD_LOG" >&2 2>/dev/null || true
            return 1
        fi
        sleep 1
    done
}

# --- fast path --------------------------------------------------------------
if docker_ok && compose_ok; then
    exit 0
fi

# --- docker engine ----------------------------------------------------------
if ! docker_ok; then
    if ! can_use_apt; then
        manual_help
        exit 1
    fi
    if ! command -v dockerd >/dev/null 2>&1 || ! command -v docker >/dev/null 2>&1; then
        # xz-utils is a docker.io "Recommends" that imports use. ca-certificates is left
        # alone on purpose: reinstalling it would regenerate the host's trust bundle and
        # could drop a CA the machine relies on (a TLS-inspecting proxy's, say).
        apt_install docker.io xz-utils
    fi
    docker_ok || start_daemon   # (a reachable socket may only have lacked a client)
    if ! wait_for_docker; then
        cat >&2 <<EOF
ensure-docker: Docker is installed but its daemon did not come up (see $DOCKERD_LOG).
Inside a container, dockerd needs --privileged (or use the host's engine by
mounting /var/run/docker.sock). Start it yourself and check with: docker info
EOF
        exit 1
    fi
    log "docker is up: $(docker version --format '{{.Server.Version}}' 2>/dev/null || echo '?')"
fi

# --- compose ----------------------------------------------------------------
if ! compose_ok; then
    if ! can_use_apt; then
        log "no compose found (neither 'docker compose' nor 'docker-compose')"
        manual_help
        exit 1
    fi
    apt_install docker-compose
    if ! compose_ok; then
        log "docker-compose was installed but is still not usable"
        exit 1
    fi
fi

exit 0
