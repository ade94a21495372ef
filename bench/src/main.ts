/**
 * `npm run bench` / `npm run bench:smoke`: starts every server it needs on 127.0.0.1, runs the
 * issue-8 scenarios against Gatehouse and the stock baseline on SQLite and PostgreSQL, stops
 * everything, and writes bench/RESULTS.md (smoke: bench/.work/RESULTS.smoke.md, and fails on any
 * error so the harness cannot rot).
 *
 * Options: --smoke, --db sqlite|postgres|sqlite,postgres, --out <file>,
 * --only sign-in,session,backend,revocation (a partial run, for profiling),
 * --gatehouse-env KEY=VALUE / --backend-env KEY=VALUE (repeatable: try a setting on the auth server or the
 * backend; the report lists it).
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadAverage, machineInfo } from "./machine.js";
import { type Check, type Ctx, FULL, MB, type Row, SMOKE } from "./model.js";
import { memoryOf, stopAll, WORK_DIR } from "./proc.js";
import { type MemoryLine, NOTES_FILE, renderReport } from "./report.js";
import { backendScenarios } from "./scenarios/backend.js";
import { revocationScenario } from "./scenarios/revocation.js";
import { sessionCheckScenario } from "./scenarios/session-check.js";
import { createUsers, signInScenario } from "./scenarios/sign-in.js";
import {
  backendUnavailable,
  type DbKind,
  migrateBackend,
  openDatabases,
  REPO_ROOT,
  type Service,
  startBackend,
  startGatehouse,
  startStock,
} from "./servers.js";

const AUTH_RSS_LIMIT_MB = 200;
const AUTH_BOOT_RSS_LIMIT_MB = 120;
const WORKER_RSS_LIMIT_MB = 150;

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
}

/** `--gatehouse-env KEY=VALUE` (repeatable): an experiment's settings, printed in the report. */
function gatehouseOverrides(): Record<string, string> {
  return envOverrides("--gatehouse-env");
}

/** `--backend-env KEY=VALUE` (repeatable): the same for the backend's workers. */
function backendOverrides(): Record<string, string> {
  return envOverrides("--backend-env");
}

function envOverrides(flag: string): Record<string, string> {
  const out: Record<string, string> = {};
  process.argv.forEach((a, i) => {
    const kv = a === flag ? process.argv[i + 1] : undefined;
    const eq = kv?.indexOf("=") ?? -1;
    if (kv && eq > 0) out[kv.slice(0, eq)] = kv.slice(eq + 1);
  });
  return out;
}

const t0 = performance.now();
const log = (message: string): void => {
  process.stdout.write(`[bench ${((performance.now() - t0) / 1000).toFixed(0).padStart(4)} s] ${message}\n`);
};

/** One database pass: fresh servers, every scenario, memory, then everything stopped. */
async function runPass(
  db: DbKind,
  mode: typeof FULL,
  rows: Row[],
  checks: Check[],
  memory: MemoryLine[],
): Promise<void> {
  log(`=== ${db} ===`);
  const runDir = join(WORK_DIR, `run-${db}`);
  rmSync(runDir, { recursive: true, force: true });
  const databases = await openDatabases(db, runDir);
  try {
    const stockStarting = startStock(databases.stockUrl, db);
    stockStarting.catch(() => {}); // awaited below; this only keeps an early failure from being "unhandled"
    const gatehouse = await startGatehouse(databases.gatehouseUrl, db, gatehouseOverrides());
    // Boot RSS: the compiled server answering /health, before any user or load exists.
    const bootMB = MB(memoryOf(gatehouse.serverPid ?? gatehouse.proc.pid).rssMiB * 1024);
    let backend: Service | null = null;
    let backendWhyNot = backendUnavailable();
    if (!backendWhyNot) {
      try {
        await migrateBackend(databases.gatehouseUrl, gatehouse.url);
        backend = await startBackend(databases.gatehouseUrl, gatehouse.url, db, 2, backendOverrides());
      } catch (err) {
        if (mode.name === "smoke") throw err;
        backendWhyNot = `backend did not start: ${(err as Error).message.split("\n")[0]}`;
      }
    }
    const stock = await stockStarting;
    log(`servers up${backend ? "" : ` (backend: ${backendWhyNot})`}`);
    const ctx: Ctx = {
      mode,
      db,
      databaseUrl: databases.gatehouseUrl,
      gatehouse,
      stock,
      backend,
      backendWhyNot,
      rows,
      checks,
      log,
    };
    const only = arg("only")?.split(",");
    const want = (name: string): boolean => !only || only.includes(name);
    await createUsers(ctx);
    log(`${mode.users} users on each server`);
    if (want("sign-in")) await signInScenario(ctx);
    if (want("session")) await sessionCheckScenario(ctx);
    if (want("backend")) await backendScenarios(ctx);
    if (want("revocation")) await revocationScenario(ctx, gatehouse.url, databases.gatehouseUrl);

    // Scenario 6: peak RSS of each process over the whole pass.
    const lines: MemoryLine[] = [
      {
        db,
        process: "Gatehouse auth server",
        hwmMB: MB(memoryOf(gatehouse.serverPid ?? gatehouse.proc.pid).hwmMiB * 1024),
        limitMB: AUTH_RSS_LIMIT_MB,
      },
      {
        db,
        process: "stock better-auth server",
        hwmMB: MB(memoryOf(stock.serverPid ?? stock.proc.pid).hwmMiB * 1024),
        limitMB: null,
      },
    ];
    for (const [pid, label] of backend?.memoryPids() ?? []) {
      lines.push({
        db,
        process: `backend ${label}`,
        hwmMB: MB(memoryOf(pid).hwmMiB * 1024),
        limitMB: WORKER_RSS_LIMIT_MB,
      });
    }
    memory.push(...lines);
    const auth = lines[0] as MemoryLine;
    checks.push({
      db,
      target: `auth server peak RSS ≤ ${AUTH_RSS_LIMIT_MB} MB`,
      measured: `${auth.hwmMB.toFixed(0)} MB`,
      met: auth.hwmMB <= AUTH_RSS_LIMIT_MB,
    });
    checks.push({
      db,
      target: `auth server boot RSS ≤ ${AUTH_BOOT_RSS_LIMIT_MB} MB`,
      measured: `${bootMB.toFixed(0)} MB`,
      met: bootMB <= AUTH_BOOT_RSS_LIMIT_MB,
    });
    const workers = lines.filter((l) => l.process.startsWith("backend"));
    checks.push({
      db,
      target: `each backend worker peak RSS ≤ ${WORKER_RSS_LIMIT_MB} MB`,
      measured: workers.length
        ? workers.map((w) => `${w.hwmMB.toFixed(0)} MB`).join(", ")
        : `not available: ${backendWhyNot}`,
      met: workers.length ? workers.every((w) => w.hwmMB <= WORKER_RSS_LIMIT_MB) : null,
    });
  } finally {
    await stopAll();
    await databases.stop();
  }
}

/** Aligns the tables with the repository's formatter, so `make lint` stays green on a fresh RESULTS.md. */
function formatMarkdown(file: string): void {
  try {
    const biome = join(REPO_ROOT, "node_modules", ".bin", "biome");
    execFileSync(biome, ["format", "--write", file], { cwd: REPO_ROOT, stdio: "pipe" });
  } catch (err) {
    const detail = String((err as { stderr?: Buffer }).stderr ?? err);
    // A Biome without Markdown support ignores the file, and then there is nothing to keep aligned.
    if (detail.includes("No files were processed")) return;
    log(`note: could not format ${file} with biome (${detail.trim().split("\n").at(-1)}); the numbers are unaffected`);
  }
}

/** Smoke mode's contract: every scenario produced numbers, and none had an error. */
function assertHealthy(rows: Row[]): void {
  const problems: string[] = [];
  for (const r of rows) {
    if (r.unavailable) continue;
    if (!r.result) problems.push(`${r.db} ${r.scenario} ${r.what} ${r.server}: no result`);
    else if (r.result.errors > 0)
      problems.push(
        `${r.db} ${r.scenario} ${r.what} ${r.server}: ${r.result.errors} errors ${JSON.stringify(r.result.statuses)}`,
      );
    else if (!(r.result.rps > 0) && !(r.result.p50 >= 0))
      problems.push(`${r.db} ${r.scenario} ${r.what} ${r.server}: no successful request`);
  }
  if (rows.length === 0) problems.push("no rows at all");
  if (problems.length > 0) throw new Error(`bench smoke failed:\n  ${problems.join("\n  ")}`);
}

async function main(): Promise<void> {
  const mode = process.argv.includes("--smoke") ? SMOKE : FULL;
  // Smoke covers SQLite only by default: PostgreSQL differs only in the database launcher, which the
  // auth server's and backend's suites already exercise; `--db sqlite,postgres` runs both.
  const dbs = (arg("db") ?? (mode.name === "smoke" ? "sqlite" : "sqlite,postgres")).split(",") as DbKind[];
  const out =
    arg("out") ??
    (mode.name === "smoke" ? join(WORK_DIR, "RESULTS.smoke.md") : join(import.meta.dirname, "..", "RESULTS.md"));
  mkdirSync(WORK_DIR, { recursive: true });
  const started = performance.now();
  const date = new Date();
  const rows: Row[] = [];
  const checks: Check[] = [];
  const memory: MemoryLine[] = [];
  const loadBefore = loadAverage();
  if (loadBefore > 1.5) log(`warning: load average ${loadBefore} — other work is running; numbers will be low`);
  for (const db of dbs) await runPass(db, mode, rows, checks, memory);
  const report = renderReport(
    {
      mode,
      date,
      elapsedS: (performance.now() - started) / 1000,
      machine: machineInfo(),
      load: [loadBefore, loadAverage()],
      overrides: gatehouseOverrides(),
      backendOverrides: backendOverrides(),
      dbs,
      rows,
      checks,
      memory,
    },
    NOTES_FILE,
  );
  writeFileSync(out, report);
  formatMarkdown(out);
  log(`wrote ${out} in ${((performance.now() - started) / 1000).toFixed(0)} s`);
  for (const c of checks)
    log(`${c.db}: ${c.met === null ? "n/a" : c.met ? "met   " : "MISSED"} ${c.target}: ${c.measured}`);
  if (mode.name === "smoke") assertHealthy(rows);
}

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    void stopAll().finally(() => process.exit(130));
  });
}

try {
  await main();
  process.exit(0);
} catch (err) {
  process.stderr.write(`[bench] FAILED: ${(err as Error).stack ?? err}\n`);
  await stopAll();
  process.exit(1);
}
