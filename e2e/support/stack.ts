/**
 * Starts the real Gatehouse stack for the e2e run — an OpenID provider, auth server, backend, built
 * web app behind `vite preview` — on free 127.0.0.1 ports with a fresh SQLite file, and stops all of
 * it again. Global setup starts the shared one; a spec that needs other settings starts its own
 * (`StackOptions`) in `beforeAll` and stops it in `afterAll`.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { type OidcInfo, type RunningOidc, startOidc } from "./oidc";

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
/** Where global setup leaves the URLs for the test workers. */
export const STATE_FILE = join(REPO_ROOT, "e2e", "test-results", "stack.json");
/** Becomes an admin on sign-up (ADMIN_EMAILS). */
export const ADMIN_EMAIL = "admin@e2e.gatehouse.test";

export interface StackInfo {
  webUrl: string;
  authUrl: string;
  apiUrl: string | null;
  /** The OpenID provider behind the "Acme SSO" button (see oidc.ts). */
  oidc: OidcInfo;
  tmp: string;
  /** The stack's BETTER_AUTH_SECRET: tests sign what a late click would send (an expired link). */
  secret: string;
}

interface Proc {
  name: string;
  child: ChildProcess;
  log: string[];
}

async function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", fail);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => ok(port));
    });
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Output is kept (last 200 lines) and printed only when something fails: quiet when green. */
function start(name: string, cmd: string, args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv }): Proc {
  // detached: its own process group, so stopping it also stops what it spawned (tsx → node, uv → python).
  const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  const log: string[] = [];
  const keep = (buf: Buffer): void => {
    for (const line of buf.toString().split("\n")) if (line) log.push(line);
    if (log.length > 200) log.splice(0, log.length - 200);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  return { name, child, log };
}

async function waitForHttp(proc: Proc, url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.child.exitCode !== null)
      throw new Error(`${proc.name} exited with ${proc.child.exitCode}:\n${proc.log.join("\n")}`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await sleep(250);
  }
  throw new Error(`${proc.name} did not answer ${url} within ${timeoutMs / 1000}s:\n${proc.log.join("\n")}`);
}

async function waitForExit(proc: Proc, timeoutMs: number): Promise<void> {
  if (proc.child.exitCode !== null) {
    if (proc.child.exitCode !== 0)
      throw new Error(`${proc.name} failed (${proc.child.exitCode}):\n${proc.log.join("\n")}`);
    return;
  }
  await new Promise<void>((ok, fail) => {
    const t = setTimeout(
      () => fail(new Error(`${proc.name} took longer than ${timeoutMs / 1000}s:\n${proc.log.join("\n")}`)),
      timeoutMs,
    );
    proc.child.once("exit", (code) => {
      clearTimeout(t);
      if (code === 0) ok();
      else fail(new Error(`${proc.name} failed (${code}):\n${proc.log.join("\n")}`));
    });
  });
}

async function stop(proc: Proc): Promise<void> {
  const { child } = proc;
  if (child.exitCode !== null || child.signalCode !== null || !child.pid) return;
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  try {
    process.kill(-child.pid, "SIGTERM");
  } catch {
    return; // already gone
  }
  const timedOut = await Promise.race([exited.then(() => false), sleep(5000).then(() => true)]);
  if (timedOut) {
    try {
      process.kill(-child.pid, "SIGKILL");
    } catch {
      // gone meanwhile
    }
    await exited;
  }
}

export interface Stack {
  info: StackInfo;
  stop: () => Promise<void>;
}

/** What a spec's own stack does differently from the shared one. */
export interface StackOptions {
  /**
   * Host name of the web app's public URL, the one the browser opens (default 127.0.0.1). The
   * servers still listen on 127.0.0.1 only. `localhost` gives passkeys a relying party: WebAuthn
   * refuses IP addresses as RP ID, and Chromium treats http://localhost as a secure context.
   */
  webHost?: string;
  /** Extra settings for both the auth server and the backend (e.g. ADMIN_REQUIRE_MFA), over the defaults. */
  env?: Record<string, string>;
  /** A web build to serve (e.g. the shared stack's, `webDistOf(info)`) instead of building one. */
  webDist?: string;
}

/** Where a stack's web build lives: specs starting their own stack serve it rather than build again. */
export function webDistOf(info: StackInfo): string {
  return join(info.tmp, "web-dist");
}

/** Starts everything; on any failure stops what already runs and rethrows. */
export async function startStack(opts: StackOptions = {}): Promise<Stack> {
  const tmp = mkdtempSync(join(tmpdir(), "gatehouse-e2e-"));
  const procs: Proc[] = [];
  let oidc: RunningOidc | null = null;
  // If the runner dies without teardown, still take the children down with it.
  const killSync = (): void => {
    for (const p of procs)
      if (p.child.pid && p.child.exitCode === null)
        try {
          process.kill(-p.child.pid, "SIGKILL");
        } catch {
          /* gone */
        }
  };
  process.once("exit", killSync);
  const stopAll = async (): Promise<void> => {
    process.off("exit", killSync);
    await Promise.all([...procs].reverse().map(stop));
    await oidc?.stop();
    rmSync(tmp, { recursive: true, force: true });
  };
  try {
    const [authPort, apiPort, webPort] = [await freePort(), await freePort(), await freePort()];
    const webHost = opts.webHost ?? "127.0.0.1";
    const webUrl = `http://${webHost}:${webPort}`;
    const authUrl = `http://127.0.0.1:${authPort}`;
    const apiUrl = `http://127.0.0.1:${apiPort}`;
    const databaseUrl = `sqlite:${join(tmp, "gatehouse.db")}`;
    const secret = randomBytes(32).toString("base64url");
    // Before the auth server, which reads the provider's discovery document at start.
    oidc = await startOidc(webUrl);
    const base = {
      ...process.env,
      DATABASE_URL: databaseUrl,
      BETTER_AUTH_SECRET: secret,
      NO_COLOR: "1",
      FORCE_COLOR: "0",
    };

    const auth = start("auth-server", process.execPath, ["--import", "tsx", "src/index.ts"], {
      cwd: join(REPO_ROOT, "auth-server"),
      env: {
        ...base,
        NODE_ENV: "test",
        HOST: "127.0.0.1",
        PORT: String(authPort),
        // The public URL is the web origin, which proxies /api/auth (as in a deployment): OAuth
        // callbacks come back through it, so cookies stay first-party (see oidc.ts).
        BETTER_AUTH_URL: webUrl,
        JWT_ISSUER: webUrl,
        JWT_AUDIENCE: webUrl,
        FRONTEND_URL: webUrl,
        CORS_ORIGINS: webUrl,
        ADMIN_EMAILS: ADMIN_EMAIL,
        EMAIL_TRANSPORT: "outbox",
        SESSION_COOKIE_CACHE_SECONDS: "0",
        // vite preview is the proxy in front: believe its X-Forwarded-For.
        TRUSTED_PROXIES: "127.0.0.1",
        LOG_LEVEL: "warn",
        OIDC_PROVIDERS: oidc.setting,
        // Passkey ceremonies run on the web origin, whose host is the relying party.
        PASSKEY_RP_ID: webHost,
        PASSKEY_ORIGIN: webUrl,
        ...opts.env,
      },
    });
    procs.push(auth);

    // Build the web app while the auth server starts; into tmp, so a developer's dist/ stays theirs.
    const webRequire = createRequire(join(REPO_ROOT, "web", "package.json"));
    const viteBin = join(dirname(webRequire.resolve("vite/package.json")), "bin", "vite.js");
    const outDir = opts.webDist ?? join(tmp, "web-dist");
    const build = opts.webDist
      ? null
      : start(
          "web build",
          process.execPath,
          [viteBin, "build", "--outDir", outDir, "--emptyOutDir", "--logLevel", "warn"],
          {
            cwd: join(REPO_ROOT, "web"),
            env: { ...process.env, VITE_DEV_MAILBOX: "true" },
          },
        );
    if (build) procs.push(build);

    await waitForHttp(auth, `${authUrl}/health`, 60_000);

    let backendUrl: string | null = null;
    const backendDir = join(REPO_ROOT, "backend");
    if (existsSync(join(backendDir, "app", "main.py"))) {
      const env = {
        ...base,
        // Reaches the auth server directly (JWKS, revocation feed); the tokens name the public URL.
        AUTH_URL: authUrl,
        JWT_ISSUER: webUrl,
        JWT_AUDIENCE: webUrl,
        CORS_ORIGINS: webUrl,
        ENVIRONMENT: "test",
        LOG_LEVEL: "WARNING",
        ...opts.env,
      };
      const migrate = start(
        "backend migrate",
        "uv",
        ["run", "--locked", "--quiet", "python", "-m", "app.core.migrate"],
        { cwd: backendDir, env },
      );
      procs.push(migrate);
      await waitForExit(migrate, 120_000);
      const api = start(
        "backend",
        "uv",
        [
          "run",
          "--locked",
          "--quiet",
          "uvicorn",
          "app.main:create_production_app",
          "--factory",
          "--http",
          "app.core.http_protocol:HeaderLimitedHttpToolsProtocol",
          "--no-server-header",
          "--host",
          "127.0.0.1",
          "--port",
          String(apiPort),
        ],
        { cwd: backendDir, env },
      );
      procs.push(api);
      await waitForHttp(api, `${apiUrl}/api/v1/health`, 60_000);
      backendUrl = apiUrl;
    }

    if (build) await waitForExit(build, 180_000);
    const web = start(
      "web preview",
      process.execPath,
      [viteBin, "preview", "--outDir", outDir, "--host", "127.0.0.1", "--port", String(webPort), "--strictPort"],
      {
        cwd: join(REPO_ROOT, "web"),
        env: { ...process.env, AUTH_PROXY_TARGET: authUrl, API_PROXY_TARGET: apiUrl },
      },
    );
    procs.push(web);
    // Asked at the address it listens on: Node may resolve another host name (localhost) to ::1 first.
    const webListen = `http://127.0.0.1:${webPort}`;
    await waitForHttp(web, `${webListen}/sign-in`, 30_000);
    await waitForHttp(web, `${webListen}/api/auth/ok`, 10_000); // the proxy reaches the auth server

    const info: StackInfo = { webUrl, authUrl, apiUrl: backendUrl, oidc: oidc.info, tmp, secret };
    return { info, stop: stopAll };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

/** Debian's Chromium (the root Makefile's test-e2e installs it); Playwright's own download cannot run here. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

export function writeState(info: StackInfo): void {
  mkdirSync(dirname(STATE_FILE), { recursive: true });
  writeFileSync(STATE_FILE, JSON.stringify(info, null, 2));
}

export function chromiumVersion(): string {
  try {
    return execFileSync(CHROMIUM, ["--version"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return "missing";
  }
}
