#!/usr/bin/env bash
# Installs Debian's Chromium for the e2e tests when it is missing (Playwright's own browser
# download cannot run here). Needs root or sudo, as any apt-get install does.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then exit 0; fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "ensure-chromium: /usr/bin/chromium is missing and this is not root; install the 'chromium' package." >&2
    exit 1
  fi
fi
echo "installing Debian's chromium for the e2e tests…"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq chromium >/dev/null
/usr/bin/chromium --version 2>/dev/null || true
