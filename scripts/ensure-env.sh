#!/usr/bin/env bash
# Creates .env from .env.example with a fresh random BETTER_AUTH_SECRET when none exists.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f .env ]; then
  secret=$(node -e "process.stdout.write(require('node:crypto').randomBytes(32).toString('base64url'))")
  sed "s|^BETTER_AUTH_SECRET=.*|BETTER_AUTH_SECRET=${secret}|" .env.example > .env
  echo "created .env with a fresh BETTER_AUTH_SECRET"
fi
