#!/usr/bin/env bash
# Builds stand-ins for the official base images from Debian packages, for machines that reach
# no container registry (README.md here), and prints the settings that select them; make writes
# them to .images.env. A stand-in that exists is reused: `docker rmi` it to build it afresh.
#
#   shop-local/debian:trixie       debootstrap minbase + the host's CA bundle   debian:trixie-slim
#   shop-local/python:3.13-trixie  Debian's python3 3.13, venv                  python:3.13-slim-trixie
#   shop-local/postgres:17-trixie  Debian's postgresql-17, the official's       postgres:17-trixie
#                                  entrypoint interface
#   shop-local/nginx:trixie        Debian's nginx 1.26, the official's layout   nginx:stable-trixie
#
# A setting already in the environment (PYTHON_IMAGE, ...) is kept, and its stand-in not built.
# Env: DEBIAN_MIRROR, DEBIAN_SECURITY_MIRROR (deb.debian.org), HOST_CA_BUNDLE (the host's
# /etc/ssl/certs/ca-certificates.crt), TMPDIR (where the root file system is made: /var/tmp).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
DEBIAN_MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
DEBIAN_SECURITY_MIRROR="${DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}"
HOST_CA_BUNDLE="${HOST_CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}"
SUITE=trixie
DEBIAN_TAG=shop-local/debian:trixie
# The parent of DEBIAN_TAG (its Dockerfile's FROM): the imported root file system, untagged after.
ROOTFS_TAG=shop-local/debian-rootfs:trixie

# setting, directory here, stand-in; debian first: it is the parent of the others.
BASES=(
    "DEBIAN_IMAGE debian $DEBIAN_TAG"
    "PYTHON_IMAGE python shop-local/python:3.13-trixie"
    "POSTGRES_BASE_IMAGE postgres shop-local/postgres:17-trixie"
    "NGINX_BASE_IMAGE nginx shop-local/nginx:trixie"
)

log() { printf 'offline base images: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }
image_exists() { docker image inspect "$1" >/dev/null 2>&1; }

workdir=""
cleanup() {
    [ -n "$workdir" ] && [ -d "$workdir" ] || return 0
    # An interrupted debootstrap can leave proc/sys mounted in the target: unmount them
    # (deepest first) before deleting anything.
    local mount_point
    awk -v p="$workdir/" 'index($2, p) == 1 { print $2 }' /proc/mounts | sort -r |
        while read -r mount_point; do umount -l "$mount_point" 2>/dev/null || true; done
    rm -rf --one-file-system "$workdir"
    workdir=""
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Runs a command quietly: its output is shown only when it fails.
quietly() {   # command...
    local out status=0
    out="$(mktemp)"
    "$@" >"$out" 2>&1 || status=$?
    [ "$status" -eq 0 ] || tail -n 40 "$out" >&2
    rm -f "$out"
    [ "$status" -eq 0 ] || die "failed: $*"
}

install_debootstrap() {
    [ -f /etc/debian_version ] || die "debootstrap not found (install Debian's debootstrap)"
    log "installing Debian's debootstrap"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -qq --no-upgrade debootstrap >/dev/null ||
        { apt-get update -qq && apt-get install -y -qq --no-upgrade debootstrap >/dev/null; } ||
        die "could not install debootstrap"
}

# Apt sources, the official debian images' apt and dpkg settings, and no caches or logs.
configure_rootfs() {   # rootfs
    local rootfs="$1"
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
    cat >"$rootfs/etc/apt/apt.conf.d/docker-clean" <<'EOF'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
EOF
    echo 'Acquire::Languages "none";' >"$rootfs/etc/apt/apt.conf.d/docker-no-languages"
    echo 'Acquire::GzipIndexes "true";' >"$rootfs/etc/apt/apt.conf.d/docker-gzip-indexes"
    echo 'Apt::AutoRemove::SuggestsImportant "false";' >"$rootfs/etc/apt/apt.conf.d/docker-autoremove-suggests"
    # "slim": no docs, man pages or translations from the packages installed later...
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
    # ...nor from those debootstrap installed.
    find "$rootfs/usr/share/doc" -mindepth 1 -not -type d -not -name copyright -delete
    find "$rootfs/usr/share/doc" -mindepth 1 -type d -empty -delete
    rm -rf "$rootfs"/usr/share/{man,groff,info,lintian,linda}/*
    find "$rootfs/usr/share/locale" -mindepth 1 -maxdepth 1 -not -name locale.alias -exec rm -rf {} +
    # Packages must not try to start services inside a container build.
    printf '#!/bin/sh\nexit 101\n' >"$rootfs/usr/sbin/policy-rc.d"
    chmod 0755 "$rootfs/usr/sbin/policy-rc.d"
    # Docker provides these itself at run time.
    rm -f "$rootfs/etc/resolv.conf" "$rootfs/etc/hostname"
    rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin \
        "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/cache/debconf/*-old \
        "$rootfs"/var/log/*.log "$rootfs"/var/log/apt/* "$rootfs"/tmp/* "$rootfs"/root/.cache
    if [ -f "$rootfs/etc/machine-id" ]; then : >"$rootfs/etc/machine-id"; fi
}

# debootstrap minbase -> docker import -> debian/Dockerfile (the host's CA bundle, ENV).
build_debian() {
    [ "$(id -u)" -eq 0 ] || die "building $DEBIAN_TAG needs root (debootstrap)"
    command -v debootstrap >/dev/null 2>&1 || install_debootstrap
    [ -s "$HOST_CA_BUNDLE" ] || die "CA bundle $HOST_CA_BUNDLE not found"
    workdir="$(mktemp -d "${TMPDIR:-/var/tmp}/shop-debootstrap.XXXXXX")"
    local rootfs="$workdir/rootfs" context="$workdir/context"
    mkdir -p "$rootfs" "$context"

    log "debootstrap --variant=minbase $SUITE ($DEBIAN_MIRROR)"
    quietly debootstrap --variant=minbase "$SUITE" "$rootfs" "$DEBIAN_MIRROR"
    configure_rootfs "$rootfs"
    tar --numeric-owner -C "$rootfs" -c . | docker import - "$ROOTFS_TAG" >/dev/null

    cp "$here/debian/Dockerfile" "$context/Dockerfile"
    cp "$HOST_CA_BUNDLE" "$context/host-ca-bundle.crt"
    quietly docker build -t "$DEBIAN_TAG" "$context"
    docker rmi "$ROOTFS_TAG" >/dev/null   # only the tag: the layers are DEBIAN_TAG's
    cleanup
}

build() {   # directory stand-in
    local started=$SECONDS
    if [ "$1" = debian ]; then
        build_debian
    else
        image_exists "$DEBIAN_TAG" || build debian "$DEBIAN_TAG"
        quietly docker build -t "$2" "$here/$1"
    fi
    log "built $2 in $((SECONDS - started)) s"
}

command -v docker >/dev/null 2>&1 || die "docker not found (deploy/host/ensure-docker.sh)"
echo "# the offline stand-ins, from deploy/offline/base-images.sh: generated, do not commit"
for base in "${BASES[@]}"; do
    read -r setting directory stand_in <<<"$base"
    if [ -n "${!setting:-}" ]; then
        echo "$setting=${!setting}"
        continue
    fi
    image_exists "$stand_in" || build "$directory" "$stand_in"
    echo "$setting=$stand_in"
done
