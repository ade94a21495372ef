/**
 * `make dev` from a fresh clone: creates .env (naming the admin given as ADMIN_EMAIL), sets up, starts
 * every service, prints one banner once all answer — and every URL in that banner answers. Run by
 * `make test-dev` (part of `make test`) with `node --test`.
 *
 * Affordable on purpose: the clone is local, and it reuses what installing would fetch — the uv cache
 * (its `uv sync` still runs and builds backend/.venv) and, unless MAKE_DEV_TEST_NPM=ci, this checkout's
 * node_modules, hard-linked (npm ci would spend minutes compiling better-sqlite3 again). Ports are free
 * ones, so a developer's own `make dev` can keep running. Every process it starts is stopped: Ctrl-C
 * (SIGINT) to make's process group, as a person would, then KILL for anything left.
 */
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const ADMIN = "first-admin@example.com";
const START_TIMEOUT_S = 300;

const freePort = () =>
  new Promise((ok, fail) => {
    const srv = createServer();
    srv.on("error", fail);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => ok(port));
    });
  });

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function answers(url) {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
    await res.body?.cancel();
    return res.status;
  } catch (err) {
    return `unreachable (${err.cause?.code ?? err.message})`;
  }
}

/** Pids of processes running inside `dir` (their cwd): only ever ones this test started in its clone. */
function processesIn(dir) {
  const found = [];
  for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    try {
      if (readlinkSync(`/proc/${pid}/cwd`).startsWith(dir)) found.push(Number(pid));
    } catch {
      // gone, or not ours to read
    }
  }
  return found;
}

/** Copies node_modules trees as hard links; Vite's caches are left out, so nothing writes through a link. */
function linkNodeModules(clone) {
  for (const dir of ["", "auth-server", "web", "e2e", "bench"]) {
    const from = join(REPO, dir, "node_modules");
    if (!existsSync(from)) continue;
    execFileSync("cp", ["-al", from, join(clone, dir, "node_modules")]);
    rmSync(join(clone, dir, "node_modules", ".vite"), { recursive: true, force: true });
  }
  // Newer than the clone's package-lock.json, so scripts/ensure-node-deps.sh sees an installed tree.
  execFileSync("touch", [join(clone, "node_modules", ".package-lock.json")]);
}

test("make dev from a fresh clone: .env, setup, one banner, every URL in it answers", {
  timeout: 600_000,
}, async () => {
  const clone = mkdtempSync(join(tmpdir(), "gatehouse-make-dev-"));
  let child = null;
  let output = "";
  try {
    execFileSync("git", ["clone", "--quiet", REPO, clone]);
    assert.ok(!existsSync(join(clone, ".env")), "a fresh clone has no .env");
    if (process.env.MAKE_DEV_TEST_NPM !== "ci") linkNodeModules(clone);

    const [auth, api, web] = [await freePort(), await freePort(), await freePort()];
    // Only what a person's shell would have: nothing of this run's own configuration leaks in.
    const env = { PATH: process.env.PATH, HOME: process.env.HOME, LANG: "C.UTF-8", NO_COLOR: "1" };
    for (const k of ["UV_CACHE_DIR", "npm_config_cache", "TMPDIR", "XDG_CACHE_HOME"])
      if (process.env[k]) env[k] = process.env[k];
    Object.assign(env, {
      GATEHOUSE_AUTH_PORT: String(auth),
      GATEHOUSE_API_PORT: String(api),
      GATEHOUSE_WEB_PORT: String(web),
      DEV_START_TIMEOUT: String(START_TIMEOUT_S),
    });
    const started = Date.now();
    child = spawn("make", ["dev", `ADMIN_EMAIL=${ADMIN}`], {
      cwd: clone,
      env,
      detached: true, // its own process group: the SIGINT below is a person's Ctrl-C
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout.on("data", (b) => (output += b));
    child.stderr.on("data", (b) => (output += b));
    const exited = new Promise((r) => child.once("exit", (code, signal) => r({ code, signal })));

    const deadline = Date.now() + (START_TIMEOUT_S + 60) * 1000;
    while (!output.includes("Ctrl-C stops everything.")) {
      assert.ok(child.exitCode === null, `make dev exited early (${child.exitCode}):\n${output}`);
      assert.ok(Date.now() < deadline, `no banner after ${START_TIMEOUT_S + 60} s:\n${output}`);
      await sleep(250);
    }
    console.log(`make dev: banner after ${((Date.now() - started) / 1000).toFixed(1)} s`);

    const dotenv = readFileSync(join(clone, ".env"), "utf8");
    const secret = dotenv.match(/^BETTER_AUTH_SECRET=(.*)$/m)?.[1] ?? "";
    assert.ok(secret.length >= 40 && !secret.startsWith("replace-with"), ".env got a fresh secret");
    assert.match(dotenv, new RegExp(`^ADMIN_EMAILS=${ADMIN}$`, "m"));

    const banner = output.slice(output.lastIndexOf("Gatehouse is ready"));
    assert.equal(output.split("Gatehouse is ready").length, 2, "exactly one banner");
    assert.match(banner, new RegExp(`Admin\\s+${ADMIN}`));
    const urls = [...new Set(banner.match(/https?:\/\/[^\s,]+/g) ?? [])];
    assert.ok(urls.length >= 4, `the banner lists the app, mailbox, API docs, auth API:\n${banner}`);
    for (const port of [auth, api, web])
      assert.ok(
        urls.some((u) => u.includes(`:${port}`)),
        `a URL on port ${port}`,
      );
    const statuses = await Promise.all(urls.map(async (u) => [u, await answers(u)]));
    assert.deepEqual(
      statuses.filter(([, s]) => s !== 200),
      [],
      `every URL in the banner answers 200:\n${banner}`,
    );

    // Development lines are readable, not JSON.
    const serviceLines = output.split("\n").filter((l) => /^(auth|backend)\s*\|/.test(l));
    assert.ok(serviceLines.length > 0, "the services' own lines are shown");
    assert.deepEqual(
      serviceLines.filter((l) => /\|\s*\{"/.test(l)),
      [],
      "no JSON lines in the development log",
    );

    process.kill(-child.pid, "SIGINT");
    const result = await Promise.race([exited, sleep(30_000).then(() => null)]);
    assert.ok(result, `make dev still running 30 s after Ctrl-C:\n${output.slice(-3000)}`);
    for (const port of [auth, api, web]) {
      const status = await answers(`http://127.0.0.1:${port}/`);
      assert.match(String(status), /^unreachable/, `port ${port} still answers after Ctrl-C`);
    }
    assert.deepEqual(processesIn(clone), [], "no process of the clone is left after Ctrl-C");
  } finally {
    if (child?.pid && child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
    // dev.sh gives each service its own process group; should it have died, stop them here.
    for (const pid of processesIn(clone)) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // gone meanwhile
      }
    }
    rmSync(clone, { recursive: true, force: true });
  }
});
