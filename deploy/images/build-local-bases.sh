#!/usr/bin/env bash
# build-local-bases.sh - build stand-ins for the official base images from
# Debian packages, for machines where no container registry is reachable.
#
#   deploy/images/build-local-bases.sh [--rebuild] [debian|python|postgres|nginx ...]
#
# Images (all FROM shop-local/debian:trixie, built with the legacy builder):
#   shop-local/debian:trixie       debootstrap minbase + host CA bundle
#   shop-local/python:3.13-trixie  Debian python3 + venv ("python" on PATH)
#   shop-local/postgres:17-trixie  Debian postgresql-17 + official-style entrypoint
#   shop-local/nginx:trixie        Debian nginx, official-style layout
#
# Without names, all four are built. Images that already exist are skipped
# unless --rebuild is given. debian is always built first when missing.
#
# Env:
#   DEBIAN_MIRROR           (default http://deb.debian.org/debian)
#   DEBIAN_SECURITY_MIRROR  (default http://deb.debian.org/debian-security)
#   HOST_CA_BUNDLE          CA bundle baked into the base
#                           (default /etc/ssl/certs/ca-certificates.crt)
#   TMPDIR                  where the debootstrap rootfs is made (default /var/tmp;
#                           must not be mounted noexec)
#   LOCAL_IMAGE_PREFIX      repository prefix (default shop-local; for trial
#                           builds that must not replace the images in use)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

DEBIAN_MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
DEBIAN_SECURITY_MIRROR="${DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}"
HOST_CA_BUNDLE="${HOST_CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}"
SUITE=trixie

P="${LOCAL_IMAGE_PREFIX:-shop-local}"
DEBIAN_TAG="$P/debian:trixie"
ROOTFS_TAG="$P/debian-rootfs:trixie"   # intermediate, untagged afterwards
declare -A TAGS=(
    [debian]="$DEBIAN_TAG"
    [python]="$P/python:3.13-trixie"
    [postgres]="$P/postgres:17-trixie"
    [nginx]="$P/nginx:trixie"
)
ORDER=(debian python postgres nginx)

log() { printf 'build-local-bases: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

usage() { awk 'NR == 1 { next } /^#/ { sub(/^# ?/, ""); print; next } { exit }' "${BASH_SOURCE[0]}"; }

REBUILD=0
WANT=()
for arg in "$@"; do
    case "$arg" in
        --rebuild) REBUILD=1 ;;
        -h|--help) usage; exit 0 ;;
        debian|python|postgres|nginx) WANT+=("$arg") ;;
        *) usage >&2; die "unknown argument: $arg" ;;
    esac
done
[ "${#WANT[@]}" -gt 0 ] || WANT=("${ORDER[@]}")

image_exists() { docker image inspect "$1" >/dev/null 2>&1; }

# ---------------------------------------------------------------------------
# debian: debootstrap minbase -> docker import -> Dockerfile (CA bundle, ENV)
# ---------------------------------------------------------------------------
WORKDIR=""
cleanup() {
    [ -n "$WORKDIR" ] && [ -d "$WORKDIR" ] || return 0
    # An interrupted debootstrap can leave proc/sys mounted in the target:
    # unmount them before deleting anything (deepest first).
    local mp
    awk -v p="$WORKDIR/" 'index($2, p) == 1 { print $2 }' /proc/mounts | sort -r |
        while read -r mp; do umount -l "$mp" 2>/dev/null || true; done
    rm -rf --one-file-system "$WORKDIR"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

build_debian() {
    [ "$(id -u)" -eq 0 ] || die "building $DEBIAN_TAG needs root (debootstrap)"
    if ! command -v debootstrap >/dev/null 2>&1; then
        [ -f /etc/debian_version ] || die "debootstrap not found (install Debian's debootstrap)"
        log "installing Debian's debootstrap"
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-upgrade debootstrap >/dev/null ||
            { apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
                apt-get install -y -qq --no-upgrade debootstrap >/dev/null; } ||
            die "could not install debootstrap"
    fi
    [ -s "$HOST_CA_BUNDLE" ] || die "CA bundle $HOST_CA_BUNDLE not found"

    WORKDIR="$(mktemp -d "${TMPDIR:-/var/tmp}/shop-debootstrap.XXXXXX")"
    local rootfs="$WORKDIR/rootfs" ctx="$WORKDIR/context"
    mkdir -p "$rootfs" "$ctx"

    log "debootstrap --variant=minbase $SUITE ($DEBIAN_MIRROR)"
    if ! debootstrap --variant=minbase "$SUITE" "$rootfs" "$DEBIAN_MIRROR" \
            >"$WORKDIR/debootstrap.log" 2>&1; then
        tail -n 30 "$WORKDIR/debootstrap.log" >&2
        [ -f "$rootfs/debootstrap/debootstrap.log" ] && tail -n 30 "$rootfs/debootstrap/debootstrap.log" >&2
        die "debootstrap failed"
    fi

    log "configuring rootfs (apt sources, docker-style apt/dpkg config, cleanup)"
    rm -f "$rootfs/etc/apt/sources.list"
    cat >"$rootfs/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: $DEBIAN_MIRROR
Suites: $SUITE $SUITE-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: $DEBIAN_SECURITY_MIRROR
Suites: $SUITE-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
    # Same knobs as the official debian images.
    cat >"$rootfs/etc/apt/apt.conf.d/docker-clean" <<'EOF'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
EOF
    echo 'Acquire::Languages "none";' >"$rootfs/etc/apt/apt.conf.d/docker-no-languages"
    echo 'Acquire::GzipIndexes "true";' >"$rootfs/etc/apt/apt.conf.d/docker-gzip-indexes"
    printf 'Apt::AutoRemove::SuggestsImportant "false";\n' >"$rootfs/etc/apt/apt.conf.d/docker-autoremove-suggests"
    # "slim": no docs/man pages/translations from packages installed later.
    mkdir -p "$rootfs/etc/dpkg/dpkg.cfg.d"
    cat >"$rootfs/etc/dpkg/dpkg.cfg.d/docker-slim" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
EOF
    # Packages must not try to start services inside a container build.
    printf '#!/bin/sh\nexit 101\n' >"$rootfs/usr/sbin/policy-rc.d"
    chmod 0755 "$rootfs/usr/sbin/policy-rc.d"
    # Apply the slim rules to what debootstrap already installed.
    find "$rootfs/usr/share/doc" -mindepth 1 -not -type d -not -name copyright -delete 2>/dev/null || true
    find "$rootfs/usr/share/doc" -mindepth 1 -type d -empty -delete 2>/dev/null || true
    rm -rf "$rootfs"/usr/share/{man,groff,info,lintian,linda}/*
    find "$rootfs/usr/share/locale" -mindepth 1 -maxdepth 1 -not -name locale.alias -exec rm -rf {} + 2>/dev/null || true
    # Runtime files docker provides itself, caches and logs.
    rm -f "$rootfs/etc/resolv.conf" "$rootfs/etc/hostname"
    rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin \
        "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/cache/debconf/*-old \
        "$rootfs"/var/log/*.log "$rootfs"/var/log/apt/* "$rootfs"/tmp/* "$rootfs"/root/.cache
    [ -f "$rootfs/etc/machine-id" ] && : >"$rootfs/etc/machine-id"

    log "docker import -> $ROOTFS_TAG"
    tar --numeric-owner -C "$rootfs" -c . | docker import - "$ROOTFS_TAG" >/dev/null

    cp "$HERE/debian/Dockerfile" "$ctx/Dockerfile"
    cp "$HOST_CA_BUNDLE" "$ctx/host-ca-bundle.crt"
    log "docker build -> $DEBIAN_TAG"
    if ! docker build --build-arg ROOTFS_IMAGE="$ROOTFS_TAG" -t "$DEBIAN_TAG" "$ctx" \
            >"$WORKDIR/build.log" 2>&1; then
        tail -n 40 "$WORKDIR/build.log" >&2
        die "docker build of $DEBIAN_TAG failed"
    fi
    docker rmi "$ROOTFS_TAG" >/dev/null 2>&1 || true   # only removes the tag
    cleanup
    WORKDIR=""
}

build_from_dir() {   # name
    local name="$1" tag="${TAGS[$1]}" out rc=0
    local args=(--build-arg DEBIAN_IMAGE="$DEBIAN_TAG" -t "$tag")
    [ "$REBUILD" -eq 1 ] && args+=(--no-cache)
    log "docker build deploy/images/$name -> $tag"
    out="$(mktemp "${TMPDIR:-/tmp}/shop-build-$name.XXXXXX")"
    docker build "${args[@]}" "$HERE/$name" >"$out" 2>&1 || rc=$?
    if [ "$rc" -ne 0 ]; then
        tail -n 40 "$out" >&2
        rm -f "$out"
        die "docker build of $tag failed"
    fi
    rm -f "$out"
}

command -v docker >/dev/null 2>&1 || die "docker not found (see deploy/scripts/ensure-docker.sh)"

# debian is the parent of everything else: build it first when needed.
need_debian=0
for name in "${WANT[@]}"; do
    if [ "$name" = debian ]; then
        { [ "$REBUILD" -eq 1 ] || ! image_exists "$DEBIAN_TAG"; } && need_debian=1
    elif ! image_exists "$DEBIAN_TAG"; then
        need_debian=1
    fi
done

start=$SECONDS
if [ "$need_debian" -eq 1 ]; then
    t=$SECONDS
    build_debian
    log "built $DEBIAN_TAG in $((SECONDS - t))s"
else
    log "skip $DEBIAN_TAG (exists)"
fi

for name in "${ORDER[@]}"; do
    [ "$name" = debian ] && continue
    case " ${WANT[*]} " in *" $name "*) ;; *) continue ;; esac
    tag="${TAGS[$name]}"
    if [ "$REBUILD" -eq 0 ] && image_exists "$tag"; then
        log "skip $tag (exists)"
        continue
    fi
    t=$SECONDS
    build_from_dir "$name"
    log "built $tag in $((SECONDS - t))s"
done
log "done in $((SECONDS - start))s"
