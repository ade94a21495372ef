#!/usr/bin/env bash
# Installs Debian's redis-server when missing (tests start their own instance on a free port).
set -euo pipefail
if ! command -v redis-server >/dev/null 2>&1; then
  echo "installing redis-server (Debian package) for the shared rate-limit tests"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends redis-server >/dev/null
fi
