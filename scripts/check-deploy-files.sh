#!/usr/bin/env bash
# Checks the deploy files without a Docker engine (none runs on the dev or CI machines):
#   1. `docker compose config` accepts docker-compose.yml (with placeholder secrets, ignoring .env);
#   2. every path a Dockerfile COPYs from its build context exists, is not git-ignored (so a clean
#      checkout has it) and is not excluded by its ignore file (`<Dockerfile>.dockerignore`, else the
#      context's .dockerignore);
#   3. the Node images copy every npm workspace's package.json (or `npm ci` in them fails);
#   4. render.yaml and auth-server/vercel.json point at files that exist;
#   5. files docker-compose.yml bind-mounts from the repository (PostgreSQL init) exist and are tracked.
# Compose v2 is installed as a docker CLI plugin when missing (built once from the Go module proxy).
set -euo pipefail
cd "$(dirname "$0")/.."

COMPOSE_VERSION=v2.40.3
PLUGIN="$HOME/.docker/cli-plugins/docker-compose"

ensure_compose() {
  if docker compose version >/dev/null 2>&1 || [ -x "$PLUGIN" ]; then return 0; fi
  # One build at a time on a machine: a second `make lint` waits for the first build, then uses it.
  exec 9>"${TMPDIR:-/tmp}/gatehouse-compose-build.lock"
  flock 9
  if [ -x "$PLUGIN" ]; then return 0; fi
  if ! command -v go >/dev/null 2>&1; then
    echo "check-deploy-files: docker compose is missing and no Go toolchain can build it" >&2
    return 1
  fi
  echo "check-deploy-files: building docker compose $COMPOSE_VERSION (first run only, a few minutes)" >&2
  local work src
  work=$(mktemp -d)
  # A private module and build cache, removed afterwards (about 500 MB).
  export GOPATH="$work/gopath" GOMODCACHE="$work/gopath/pkg/mod" GOCACHE="$work/cache" GOFLAGS=-modcacherw
  src=$(go mod download -json "github.com/docker/compose/v2@$COMPOSE_VERSION" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["Dir"])')
  mkdir -p "$(dirname "$PLUGIN")"
  # Built under a temporary name and moved into place, so an interrupted build leaves no half-written plugin.
  (cd "$src" && go build -trimpath -ldflags "-s -w -X github.com/docker/compose/v2/internal.Version=$COMPOSE_VERSION" \
    -o "$PLUGIN.partial" ./cmd)
  mv "$PLUGIN.partial" "$PLUGIN"
  rm -rf "$work"
}

compose() {
  if docker compose version >/dev/null 2>&1; then docker compose "$@"; else "$PLUGIN" "$@"; fi
}

ensure_compose
# Placeholders for the required secrets; --env-file /dev/null keeps the developer's .env out of it.
BETTER_AUTH_SECRET=check-only-placeholder POSTGRES_PASSWORD=check0only POSTGRES_BACKEND_PASSWORD=check0only \
  compose --env-file /dev/null -f docker-compose.yml config --quiet
echo "docker compose config: ok"

CONFIG_JSON=$(BETTER_AUTH_SECRET=check-only-placeholder POSTGRES_PASSWORD=check0only POSTGRES_BACKEND_PASSWORD=check0only \
  compose --env-file /dev/null -f docker-compose.yml config --format json)
export CONFIG_JSON
python3 - <<'PY'
import glob, json, os, re, subprocess, sys

root = os.getcwd()
config = json.loads(os.environ["CONFIG_JSON"])
problems = []


def ignore_file(context, dockerfile):
    # BuildKit prefers `<Dockerfile>.dockerignore` next to the Dockerfile over the context's .dockerignore.
    for path in (dockerfile + ".dockerignore", os.path.join(context, ".dockerignore")):
        if os.path.exists(path):
            return path
    return None


def dockerignore(path):
    if path is None:
        return []
    rules = []
    for line in open(path):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        negate = line.startswith("!")
        pattern = line.lstrip("!").strip("/")
        # Docker's matcher: anchored at the context root, `**` crosses directories, `*` does not.
        rx = re.escape(pattern).replace(r"\*\*/", "(.*/)?").replace(r"\*\*", ".*").replace(r"\*", "[^/]*")
        rules.append((negate, re.compile(rx.replace(r"\?", "[^/]") + "$")))
    return rules


def excluded(rel, rules):
    parts = rel.split("/")
    verdict = False
    for i in range(1, len(parts) + 1):  # a parent directory's exclusion covers its files
        prefix = "/".join(parts[:i])
        for negate, rx in rules:
            if rx.match(prefix):
                verdict = not negate
    return verdict


def copy_sources(dockerfile):
    lines, heredoc, joined = [], None, ""
    for raw in open(dockerfile):
        line = raw.rstrip("\n")
        if heredoc:
            heredoc = None if line.strip() == heredoc else heredoc
            continue
        joined += line[:-1] + " " if line.endswith("\\") else line
        if line.endswith("\\"):
            continue
        lines.append(joined.strip())
        m = re.search(r'<<-?"?(\w+)"?', joined)
        heredoc = m.group(1) if m and re.match(r"(?i)(copy|add|run)\b", joined.strip()) else None
        joined = ""
    for line in lines:
        m = re.match(r"(?i)(copy|add)\s+(.*)", line)
        if not m or "<<" in line:
            continue
        args = m.group(2).strip()
        tokens = json.loads(args) if args.startswith("[") else args.split()
        if any(t.startswith("--from") for t in tokens):
            continue
        files = [t for t in tokens if not t.startswith("--")]
        yield from files[:-1]


builds = {}  # services that share an image share a Dockerfile: check each one once
for name, service in config.get("services", {}).items():
    if service.get("build"):
        build = service["build"]
        builds.setdefault((build["context"], build.get("dockerfile", "Dockerfile")), name)
for (context, dockerfile_name), name in builds.items():
    dockerfile = os.path.join(context, dockerfile_name)
    rel_df = os.path.relpath(dockerfile, root)
    if not os.path.exists(dockerfile):
        problems.append(f"{name}: {rel_df} does not exist")
        continue
    ignore = ignore_file(context, dockerfile)
    rules = dockerignore(ignore)
    for source in copy_sources(dockerfile):
        rel = os.path.normpath(source).lstrip("/")
        found = glob.glob(os.path.join(context, rel))
        if not found:
            problems.append(f"{rel_df}: COPY source {source!r} does not exist in {os.path.relpath(context, root)}")
        for full in found:
            repo_rel = os.path.relpath(full, root)
            if subprocess.run(["git", "check-ignore", "-q", repo_rel]).returncode == 0:
                problems.append(f"{rel_df}: COPY source {repo_rel} is git-ignored, so a clean checkout lacks it")
            if excluded(os.path.relpath(full, context), rules):
                problems.append(f"{rel_df}: COPY source {repo_rel} is excluded by {os.path.relpath(ignore, root)}")

workspaces = json.load(open("package.json")).get("workspaces", [])
for dockerfile in ("auth-server/Dockerfile", "web/Dockerfile"):
    text = open(dockerfile).read()
    for ws in workspaces:
        if not re.search(rf"^COPY {re.escape(ws)}/package.json ", text, re.M):
            problems.append(f"{dockerfile}: does not COPY {ws}/package.json (npm ci needs every workspace)")

# Files bind-mounted from the repository (the PostgreSQL init scripts) must exist in a clean checkout.
for name, service in config.get("services", {}).items():
    for volume in service.get("volumes", []):
        if volume.get("type") == "bind":
            rel = os.path.relpath(volume["source"], root)
            if not os.path.exists(volume["source"]):
                problems.append(f"{name}: bind mount {rel} does not exist")
            elif subprocess.run(["git", "ls-files", "--error-unmatch", rel], capture_output=True).returncode != 0:
                problems.append(f"{name}: bind mount {rel} is not in the repository")

render = open("render.yaml").read()
for key in ("dockerfilePath", "dockerContext"):
    for value in re.findall(rf"^\s*{key}:\s*(\S+)", render, re.M):
        if not os.path.exists(value):
            problems.append(f"render.yaml: {key} {value} does not exist")
vercel = json.load(open("auth-server/vercel.json"))
for pattern in vercel.get("functions", {}):
    if not os.path.exists(os.path.join("auth-server", pattern)):
        problems.append(f"auth-server/vercel.json: function {pattern} does not exist")

if problems:
    problems = list(dict.fromkeys(problems))  # stages that COPY the same path report it once
    print("deploy files: problems found\n  - " + "\n  - ".join(problems), file=sys.stderr)
    sys.exit(1)
print("Dockerfile paths, bind mounts, workspaces, render.yaml, vercel.json: ok")
PY
