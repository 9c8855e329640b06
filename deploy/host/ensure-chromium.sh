#!/usr/bin/env bash
# Installs Debian's chromium when missing: tests/e2e/test_docs_pages.py drives it headless
# (through Playwright, which cannot download a browser of its own on CI's machine).
set -euo pipefail
command -v chromium >/dev/null && exit 0
if [ -f /etc/debian_version ] && [ "$(id -u)" -eq 0 ]; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends --no-upgrade chromium >/dev/null ||
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends --no-upgrade chromium >/dev/null; }
  exit 0
fi
echo "the docs pages' browser test needs chromium (Debian's package: apt-get install chromium); install it and try again" >&2
exit 1
