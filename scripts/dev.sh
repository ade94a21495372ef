#!/usr/bin/env bash
# Runs every Gatehouse service in the foreground with prefixed logs; Ctrl-C stops them all.
set -uo pipefail
cd "$(dirname "$0")/.."

pids=()
run() { # name color command...
  local name=$1 color=$2; shift 2
  ( "$@" 2>&1 | while IFS= read -r line; do printf '\033[%sm%-7s|\033[0m %s\n' "$color" "$name" "$line"; done ) &
  pids+=($!)
}
stop() {
  trap - INT TERM EXIT
  echo "stopping..."
  for pid in "${pids[@]}"; do pkill -TERM -P "$pid" 2>/dev/null; kill -TERM "$pid" 2>/dev/null; done
  wait 2>/dev/null
  exit 0
}
trap stop INT TERM EXIT

run auth 36 npm run dev --silent -w auth-server
[ -f backend/Makefile ] && run backend 33 make --no-print-directory -C backend dev
[ -f web/package.json ] && run web 35 npm run dev --silent -w web

url=http://localhost:3000/health
[ -f web/package.json ] && url=http://localhost:5173
echo "Gatehouse is starting: open $url  (Ctrl-C stops everything)"
wait
