#!/usr/bin/env bash
# Creates .env from .env.example with a fresh random BETTER_AUTH_SECRET when none exists.
# ADMIN_EMAIL=you@example.com (make dev ADMIN_EMAIL=… or make env ADMIN_EMAIL=…) adds that address to
# ADMIN_EMAILS, so the account signed up (and verified) with it is an admin from the first start on.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f .env ]; then
  secret=$(node -e "process.stdout.write(require('node:crypto').randomBytes(32).toString('base64url'))")
  sed "s|^BETTER_AUTH_SECRET=.*|BETTER_AUTH_SECRET=${secret}|" .env.example > .env
  echo "created .env with a fresh BETTER_AUTH_SECRET"
fi
if [ -n "${ADMIN_EMAIL:-}" ]; then
  email=$(printf '%s' "$ADMIN_EMAIL" | tr '[:upper:]' '[:lower:]')
  if ! [[ "$email" =~ ^[^[:space:],|\&@]+@[^[:space:],|\&@]+\.[^[:space:],|\&@]+$ ]]; then
    echo "ADMIN_EMAIL=\"$ADMIN_EMAIL\" is not an email address." >&2
    exit 2
  fi
  current=$(sed -n 's/^ADMIN_EMAILS=//p' .env | tail -n 1)
  if [[ ",$current," != *",$email,"* ]]; then
    list=${current:+$current,}$email
    if grep -q '^ADMIN_EMAILS=' .env; then
      sed -i "s|^ADMIN_EMAILS=.*|ADMIN_EMAILS=${list}|" .env
    else
      echo "ADMIN_EMAILS=${list}" >> .env
    fi
    echo "ADMIN_EMAILS in .env now names $email: sign up with it and verify it in the same browser to become admin."
    echo "  (An account that already exists: npm run -s gatehouse -w auth-server -- create-admin --email $email)"
  fi
fi
