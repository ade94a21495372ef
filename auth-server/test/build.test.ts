/**
 * The production build: `npm run build` compiles src/ to JavaScript that plain `node` runs (no
 * TypeScript loader), and the compiled server and CLI find their data files (package.json for the
 * version, data/common-passwords.txt) from the output directory. The build goes to a directory of its
 * own beside dist/ (same depth in the package), so a developer's dist/ and parallel runs are untouched.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TEST_SECRET } from "./harness.js";
import { type AuthProcess, spawnAuthServer } from "./support/spawn-auth.js";

const run = promisify(execFile);
const AUTH_DIR = fileURLToPath(new URL("..", import.meta.url));
const REPO_DIR = join(AUTH_DIR, "..");
const pkg = JSON.parse(readFileSync(join(AUTH_DIR, "package.json"), "utf8")) as {
  version: string;
  scripts: Record<string, string>;
  dependencies: Record<string, string>;
};

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)));
}

/** Runs `node <args>` in auth-server/ and returns its exit code and output (never throws on exit != 0). */
async function node(args: string[], env: Record<string, string> = {}): Promise<{ code: number; out: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, args, {
      cwd: AUTH_DIR,
      env: { PATH: process.env.PATH, ...env },
      timeout: 60_000,
    });
    return { code: 0, out: stdout + stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === "number" ? e.code : -1, out: `${e.stdout ?? ""}${e.stderr ?? ""}` };
  }
}

describe("compiled production build", () => {
  const outName = `.tmp/build-test-${process.pid}`;
  const out = join(AUTH_DIR, outName);
  const dataDir = mkdtempSync(join(tmpdir(), "gatehouse-build-"));
  let server: AuthProcess | undefined;

  beforeAll(async () => {
    rmSync(out, { recursive: true, force: true });
    // The package's own build script, only pointed at another directory.
    await run(
      "npm",
      ["run", "--silent", "build", "--", "--outDir", out, "--tsBuildInfoFile", join(out, ".tsbuildinfo")],
      {
        cwd: AUTH_DIR,
        timeout: 240_000,
      },
    );
  }, 300_000);

  afterAll(async () => {
    await server?.stop();
    rmSync(out, { recursive: true, force: true });
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("emits JavaScript only, without the tests, and production needs no TypeScript loader", () => {
    const files = filesUnder(out).filter((f) => f !== ".tsbuildinfo");
    expect(files).toEqual(expect.arrayContaining(["index.js", join("cli", "index.js"), "paths.js"]));
    expect(files.filter((f) => !f.endsWith(".js"))).toEqual([]);
    expect(files.filter((f) => f.endsWith(".test.js"))).toEqual([]);
    // The compiled entry, with the V8 heap settings the memory targets need (bench/PROFILE.md).
    expect(pkg.scripts.start).toBe("node --max-semi-space-size=4 --heap-growing-percent=50 dist/index.js");
    expect(pkg.dependencies).not.toHaveProperty("tsx");
    expect(pkg.dependencies).not.toHaveProperty("typescript");
    const dockerfile = readFileSync(join(AUTH_DIR, "Dockerfile"), "utf8");
    expect(dockerfile).toMatch(
      /^CMD \["node", "--max-semi-space-size=4", "--heap-growing-percent=50", "dist\/index\.js"\]$/m,
    );
    expect(dockerfile).not.toMatch(/tsx|--import|src\/index\.ts/);
  });

  it("serves /health with the package version and a whole sign-up from the compiled entry", async () => {
    // With the start command's V8 flags, so a flag this Node does not know fails here, not in production.
    const startFlags = (pkg.scripts.start ?? "").split(" ").filter((word: string) => word.startsWith("--"));
    server = await spawnAuthServer({ DATABASE_URL: `sqlite:${join(dataDir, "gatehouse.db")}` }, [
      ...startFlags,
      `${outName}/index.js`,
    ]);
    const health = await fetch(`${server.url}/health`);
    expect(await health.json()).toMatchObject({ status: "ok", database: "connected", version: pkg.version });

    const origin = { Origin: "http://localhost:5173", "Content-Type": "application/json" };
    // The common-password list is read from data/ beside the build: a listed password is refused.
    const common = await fetch(`${server.url}/api/auth/sign-up/email`, {
      method: "POST",
      headers: origin,
      body: JSON.stringify({ email: "common@example.com", password: "password123", name: "C" }),
    });
    expect(common.status).toBe(400);
    expect((await common.json()).code).toBe("PASSWORD_TOO_COMMON");

    const email = "compiled@example.com";
    const up = await fetch(`${server.url}/api/auth/sign-up/email`, {
      method: "POST",
      headers: origin,
      body: JSON.stringify({ email, password: "correct horse battery staple", name: "Compiled" }),
    });
    expect(up.status).toBe(200);
    const mails = (await (await fetch(`${server.url}/api/dev/outbox?to=${email}`)).json()) as { text: string }[];
    const token = mails[0]?.text.match(/verify-email\?token=(\S+)/)?.[1];
    expect(token).toBeTruthy();
    const verified = await fetch(`${server.url}/api/auth/verify-email?token=${token}`);
    expect(verified.status).toBe(200);
    const signIn = await fetch(`${server.url}/api/auth/sign-in/email`, {
      method: "POST",
      headers: origin,
      body: JSON.stringify({ email, password: "correct horse battery staple" }),
    });
    expect(signIn.status).toBe(200);
    const me = await fetch(`${server.url}/api/auth/get-session`, {
      headers: { Authorization: `Bearer ${signIn.headers.get("set-auth-token")}` },
    });
    expect((await me.json()).user).toMatchObject({ email, emailVerified: true });
  }, 120_000);

  it("runs the compiled CLI: --help exits 0, migrate and doctor work from the build", async () => {
    const help = await node([`${outName}/cli/index.js`, "--help"]);
    expect(help.code).toBe(0);
    expect(help.out).toContain("npm run -s gatehouse -w auth-server -- <command>");

    const env = { DATABASE_URL: `sqlite:${join(dataDir, "cli.db")}`, BETTER_AUTH_SECRET: TEST_SECRET };
    const migrate = await node([`${outName}/cli/index.js`, "migrate"], env);
    expect(migrate).toMatchObject({ code: 0, out: expect.stringContaining("database is up to date") });
    expect(existsSync(join(dataDir, "cli.db"))).toBe(true);

    const doctor = await node([`${outName}/cli/index.js`, "doctor"], env);
    expect(doctor.out).toMatch(/ok {4}common-password list loaded \(10000 entries\)/);
    expect(doctor.out).toMatch(/ok {4}migrations up to date/);
  }, 120_000);

  it("answers --help through npm from the repository root with exit code 0", async () => {
    const { stdout } = await run("npm", ["run", "--silent", "gatehouse", "-w", "auth-server", "--", "--help"], {
      cwd: REPO_DIR,
      timeout: 60_000,
    });
    expect(stdout).toContain("Commands:");
  }, 120_000);
});
