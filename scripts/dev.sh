#!/usr/bin/env bash
# Runs every Gatehouse service with prefixed logs, prints one banner once each answers its health check,
# and stops them all on Ctrl-C, or when one of them stops or never comes up.
#
# Ports: GATEHOUSE_AUTH_PORT (default: PORT from .env, else 3000), GATEHOUSE_API_PORT (8000) and
# GATEHOUSE_WEB_PORT (5173); when one is set, the URLs that name it (links in mails, CORS) follow.
# DEV_START_TIMEOUT: seconds to wait for every service (default 300: a first start migrates and bundles).
set -uo pipefail
cd "$(dirname "$0")/.."

dotenv() { [ -f .env ] && sed -n "s/^$1=//p" .env | tail -n 1; }

auth_port=${GATEHOUSE_AUTH_PORT:-$(dotenv PORT)}
auth_port=${auth_port:-3000}
api_port=${GATEHOUSE_API_PORT:-8000}
web_port=${GATEHOUSE_WEB_PORT:-5173}
export PORT=$auth_port
[ -n "${GATEHOUSE_AUTH_PORT:-}" ] && export BETTER_AUTH_URL="http://localhost:$auth_port"
[ -n "${GATEHOUSE_WEB_PORT:-}" ] && export FRONTEND_URL="http://localhost:$web_port" CORS_ORIGINS="http://localhost:$web_port"
export AUTH_PROXY_TARGET="http://127.0.0.1:$auth_port" API_PROXY_TARGET="http://127.0.0.1:$api_port"
# Readable, coloured lines from both services (JSON stays the default everywhere else).
LOG_FORMAT=${LOG_FORMAT:-$(dotenv LOG_FORMAT)}
export LOG_FORMAT=${LOG_FORMAT:-pretty}
colour=0
if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then
  colour=1
  export FORCE_COLOR=1
fi

pids=()
names=()
prefix() { # name colour: label each line of a service's output
  local label
  if [ "$colour" = 1 ]; then label=$(printf '\033[%sm%-7s|\033[0m' "$2" "$1"); else label=$(printf '%-7s|' "$1"); fi
  while IFS= read -r line; do printf '%s %s\n' "$label" "$line"; done
}
run() { # name colour command...: its own process group (setsid), so stopping it stops what it spawned
  local name=$1 col=$2
  shift 2
  setsid "$@" < /dev/null > >(prefix "$name" "$col") 2>&1 &
  pids+=($!)
  names+=("$name")
}
stop() { # exit status
  trap - INT TERM EXIT
  echo "stopping..."
  local pid
  for pid in "${pids[@]}"; do kill -TERM -- "-$pid" 2>/dev/null; done
  for _ in $(seq 100); do # up to 10 s for a clean shutdown, then KILL
    local alive=0
    for pid in "${pids[@]}"; do kill -0 -- "-$pid" 2>/dev/null && alive=1; done
    [ "$alive" = 0 ] && break
    sleep 0.1
  done
  for pid in "${pids[@]}"; do kill -KILL -- "-$pid" 2>/dev/null; done
  wait 2>/dev/null
  exit "${1:-0}"
}
trap 'stop 0' INT TERM
trap 'stop $?' EXIT

started=$(date +%s)
run auth 36 npm run dev --silent -w auth-server
checks=("auth=http://127.0.0.1:$auth_port/health")
if [ -f backend/Makefile ]; then
  run backend 33 make --no-print-directory -C backend dev DEV_PORT="$api_port"
  checks+=("backend=http://127.0.0.1:$api_port/api/v1/health")
fi
if [ -f web/package.json ]; then
  run web 35 npm run dev --silent -w web -- --port "$web_port" --strictPort
  checks+=("web=http://127.0.0.1:$web_port/" "--then=web=http://127.0.0.1:$web_port/api/auth/ok")
fi

pid_args=()
for i in "${!pids[@]}"; do pid_args+=("--pid=${names[$i]}=${pids[$i]}"); done
admins=${ADMIN_EMAILS:-$(dotenv ADMIN_EMAILS)}
if ! node scripts/dev-ready.mjs --timeout="${DEV_START_TIMEOUT:-300}" --started="$started" \
  --auth-port="$auth_port" --api-port="$api_port" --web-port="$web_port" --admins="$admins" \
  "${pid_args[@]}" "${checks[@]}"; then
  stop 1
fi
# Running until Ctrl-C; if one service stops by itself, say which and stop the rest.
wait -n "${pids[@]}"
for i in "${!pids[@]}"; do kill -0 "${pids[$i]}" 2>/dev/null || echo "${names[$i]} stopped; stopping the others."; done
stop 1
