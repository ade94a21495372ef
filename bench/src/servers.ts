import { existsSync, mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import pg from "pg";
// @ts-expect-error -- plain ESM script shared with the test suites, no type declarations.
import { startEmbeddedPostgres } from "../../scripts/embedded-pg.mjs";
import {
  cmdlineOf,
  descendantsOf,
  freePort,
  listenerPid,
  type ManagedProcess,
  startProcess,
  WORK_DIR,
} from "./proc.js";

export const REPO_ROOT = resolve(import.meta.dirname, "..", "..");
export const SECRET = "bench-secret-0123456789-abcdefghijklmnopqrstuvwxyz";

export type DbKind = "sqlite" | "postgres";

/** Where each server keeps its data for one database kind. */
export interface Databases {
  kind: DbKind;
  gatehouseUrl: string;
  stockUrl: string;
  stop(): Promise<void>;
}

/** One running HTTP service and the processes whose memory we report. */
export interface Service {
  name: string;
  url: string;
  proc: ManagedProcess;
  /** The process that serves requests (the listener), when it is a single process. */
  serverPid?: number;
  /** pid → label of every process whose RSS counts (uvicorn: each worker). */
  memoryPids(): Map<number, string>;
}

/** Fresh databases for Gatehouse and the stock baseline: two SQLite files, or two PostgreSQL databases. */
export async function openDatabases(kind: DbKind, runDir: string): Promise<Databases> {
  if (kind === "sqlite") {
    mkdirSync(runDir, { recursive: true });
    return {
      kind,
      gatehouseUrl: `sqlite:${join(runDir, "gatehouse.db")}`,
      stockUrl: `sqlite:${join(runDir, "stock.db")}`,
      stop: async () => {},
    };
  }
  const server = (await startEmbeddedPostgres()) as {
    url: string;
    createDatabase(name: string): Promise<string>;
    stop(): Promise<void>;
  };
  return {
    kind,
    gatehouseUrl: server.url,
    stockUrl: await server.createDatabase("stock"),
    stop: () => server.stop(),
  };
}

/** Environment every Node server gets: nothing inherited but what running node needs. */
function baseEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const key of ["PATH", "HOME", "LANG", "TMPDIR"]) {
    const v = process.env[key];
    if (v) env[key] = v;
  }
  return env;
}

function logPath(name: string): string {
  mkdirSync(WORK_DIR, { recursive: true });
  return join(WORK_DIR, `${name}.log`);
}

/**
 * Starts an HTTP server through its npm script, exactly as the team runs it, and finds the process
 * that actually listens (npm and tsx are wrappers) so its memory and CPU are what we report.
 */
async function startNpmServer(
  name: string,
  tag: string,
  args: string[],
  env: Record<string, string>,
  port: number,
): Promise<Service> {
  const url = `http://127.0.0.1:${port}`;
  const proc = await startProcess({
    name: `${name}-${tag}`,
    command: "npm",
    args: ["run", "--silent", ...args],
    cwd: REPO_ROOT,
    env: { ...baseEnv(), ...env, PORT: String(port), HOST: "127.0.0.1" },
    logFile: logPath(`${name}-${tag}`),
    readyUrl: `${url}/health`,
  });
  const server = listenerPid(port, [proc.pid, ...descendantsOf(proc.pid)]);
  if (!server) {
    await proc.stop();
    throw new Error(`${name}: no process of ours listens on port ${port}`);
  }
  return {
    name: name === "gatehouse" ? "Gatehouse" : "stock",
    url,
    proc,
    serverPid: server,
    memoryPids: () => new Map([[server, `${cmdlineOf(server).slice(0, 80)}`]]),
  };
}

/**
 * The Gatehouse auth server via `npm run start -w auth-server`. Every setting that changes
 * performance is pinned, so a developer's .env cannot skew a run.
 */
export async function startGatehouse(
  databaseUrl: string,
  tag: string,
  overrides: Record<string, string> = {},
): Promise<Service> {
  const port = await freePort();
  return startNpmServer(
    "gatehouse",
    tag,
    ["start", "-w", "auth-server"],
    {
      DATABASE_URL: databaseUrl,
      BETTER_AUTH_SECRET: SECRET,
      BETTER_AUTH_URL: `http://127.0.0.1:${port}`,
      FRONTEND_URL: "http://127.0.0.1:5173",
      CORS_ORIGINS: "http://127.0.0.1:5173",
      EMAIL_TRANSPORT: "outbox",
      NODE_ENV: "test",
      LOG_LEVEL: "warn",
      RATE_LIMIT_ENABLED: "false",
      SESSION_COOKIE_CACHE_SECONDS: "0",
      SESSION_EXPIRES_IN_SECONDS: String(7 * 24 * 3600),
      SESSION_UPDATE_AGE_SECONDS: String(24 * 3600),
      JWT_EXPIRES_IN_SECONDS: "900",
      ADMIN_EMAILS: "bench-admin@example.com",
      ...overrides,
    },
    port,
  );
}

/** The stock better-auth baseline in bench/baseline/ via `npm run baseline -w bench` (tsx, like Gatehouse). */
export async function startStock(databaseUrl: string, tag: string): Promise<Service> {
  const port = await freePort();
  return startNpmServer(
    "stock",
    tag,
    ["baseline", "-w", "bench"],
    {
      DATABASE_URL: databaseUrl,
      BETTER_AUTH_SECRET: SECRET,
      BETTER_AUTH_URL: `http://127.0.0.1:${port}`,
      NODE_ENV: "test",
    },
    port,
  );
}

const BACKEND_DIR = join(REPO_ROOT, "backend");
const BACKEND_PYTHON = join(BACKEND_DIR, ".venv", "bin", "python");

/** Why the backend cannot run here, or null when it can. */
export function backendUnavailable(): string | null {
  if (!existsSync(join(BACKEND_DIR, "app", "main.py"))) return "backend/app/main.py not found";
  if (!existsSync(BACKEND_PYTHON)) return "backend/.venv missing (run `make setup`)";
  return null;
}

function backendEnv(databaseUrl: string, authUrl: string): Record<string, string> {
  return {
    ...baseEnv(),
    DATABASE_URL: databaseUrl,
    BETTER_AUTH_SECRET: SECRET,
    AUTH_URL: authUrl,
    NODE_ENV: "test",
    ENVIRONMENT: "test",
    LOG_LEVEL: "WARNING",
    CORS_ORIGINS: "http://127.0.0.1:5173",
  };
}

/** Applies the backend's Alembic migrations (the auth tables must exist: start Gatehouse first). */
export async function migrateBackend(databaseUrl: string, authUrl: string): Promise<void> {
  const { execFile } = await import("node:child_process");
  await new Promise<void>((resolveRun, reject) => {
    execFile(
      BACKEND_PYTHON,
      ["-m", "app.core.migrate", "--wait", "30"],
      { cwd: BACKEND_DIR, env: backendEnv(databaseUrl, authUrl), timeout: 120_000 },
      (err, _stdout, stderr) =>
        err ? reject(new Error(`backend migration failed: ${stderr || err.message}`)) : resolveRun(),
    );
  });
}

/** The FastAPI backend under uvicorn with `workers` worker processes on one port. */
export async function startBackend(
  databaseUrl: string,
  authUrl: string,
  tag: string,
  workers = 2,
  overrides: Record<string, string> = {},
): Promise<Service> {
  return startUvicorn({
    name: "backend",
    tag,
    app: [
      "app.main:create_production_app",
      "--factory",
      "--http",
      "app.core.http_protocol:HeaderLimitedHttpToolsProtocol",
      "--no-server-header",
    ],
    cwd: BACKEND_DIR,
    env: { ...backendEnv(databaseUrl, authUrl), ...overrides },
    workers,
    readyPath: "/api/v1/health",
  });
}

/**
 * The peer baseline (bench/baseline/peer_backend.py: PyJWT + a session query per request, what better-auth's
 * docs lead a FastAPI team to write) under uvicorn with the backend's interpreter, on the same database.
 */
export async function startPeerBackend(
  databaseUrl: string,
  authUrl: string,
  tag: string,
  workers = 2,
): Promise<Service> {
  return startUvicorn({
    name: "peer",
    tag,
    app: ["--app-dir", join(REPO_ROOT, "bench", "baseline"), "peer_backend:app"],
    cwd: BACKEND_DIR,
    env: { ...baseEnv(), DATABASE_URL: databaseUrl, AUTH_URL: authUrl, BETTER_AUTH_SECRET: SECRET },
    workers,
    readyPath: "/api/v1/health",
  });
}

async function startUvicorn(o: {
  name: string;
  tag: string;
  app: string[];
  cwd: string;
  env: Record<string, string>;
  workers: number;
  readyPath: string;
}): Promise<Service> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const proc = await startProcess({
    name: `${o.name}-${o.tag}`,
    command: BACKEND_PYTHON,
    args: [
      "-m",
      "uvicorn",
      ...o.app,
      "--host",
      "127.0.0.1",
      "--port",
      String(port),
      "--workers",
      String(o.workers),
      "--no-access-log",
      "--log-level",
      "warning",
    ],
    cwd: o.cwd,
    env: o.env,
    logFile: logPath(`${o.name}-${o.tag}`),
    readyUrl: `${url}${o.readyPath}`,
  });
  const memoryPids = (): Map<number, string> => {
    const out = new Map<number, string>();
    let n = 0;
    for (const pid of descendantsOf(proc.pid)) {
      // uvicorn's workers are multiprocessing children of the supervisor; the resource tracker is not one.
      const cmd = cmdlineOf(pid);
      if (cmd.includes("multiprocessing") && !cmd.includes("resource_tracker")) out.set(pid, `worker ${++n}`);
    }
    if (o.workers === 1 && out.size === 0) out.set(proc.pid, "worker 1");
    return out;
  };
  return { name: o.name, url, proc, memoryPids };
}

/** A short-lived pg client for setup steps (seeding, revocations). */
export async function withPg<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}
