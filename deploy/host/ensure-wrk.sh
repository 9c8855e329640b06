#!/usr/bin/env bash
# Installs wrk (the HTTP load generator `make bench` uses) from Debian's packages when missing.
set -euo pipefail
command -v wrk >/dev/null && exit 0
if [ -f /etc/debian_version ] && [ "$(id -u)" -eq 0 ]; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-upgrade wrk >/dev/null ||
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-upgrade wrk >/dev/null; }
  exit 0
fi
echo "make bench needs wrk (https://github.com/wg/wrk); install it and try again" >&2
exit 1
