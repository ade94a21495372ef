import { cpus } from "node:os";
import type { LoadResult } from "./load.js";
import { type LoadOptions, runLoad } from "./load.js";
import { cpuMsOf, machineBusyMs, ourCpuMs, RssSampler } from "./proc.js";
import type { DbKind, Service } from "./servers.js";

/** How long things run: the full benchmark, or the smoke mode that only proves the harness works. */
export interface Mode {
  name: "full" | "smoke";
  /** Seconds of each measured load run. */
  durationS: number;
  /** Seconds of each sign-in run (stock needs over a second per sign-in at 16 connections). */
  signInS: number;
  /** Seconds of unrecorded load before each measured run (JIT, pools, caches). */
  warmupS: number;
  /** The two sign-in connection counts (issue 8: 8 and 16). */
  signInConns: [number, number];
  /** Users created per server for sign-in. */
  users: number;
  /** Connections of the "many connections" backend run. */
  manyConns: number;
  /** Revocations measured. */
  revocations: number;
  /** Seconds of each raw hash-rate measurement. */
  hashSeconds: number;
}

export const FULL: Mode = {
  name: "full",
  durationS: 10,
  signInS: 10,
  signInConns: [8, 16],
  warmupS: 2,
  users: 16,
  manyConns: 1000,
  revocations: 100,
  hashSeconds: 4,
};

export const SMOKE: Mode = {
  name: "smoke",
  durationS: 1,
  signInS: 2,
  // Stock scrypt needs over a second per sign-in at 16 connections: a 2 s run would see none finish.
  signInConns: [2, 4],
  // Long enough for each uvicorn worker's first JWKS fetch, short enough to stay a smoke test.
  warmupS: 0.5,
  users: 2,
  manyConns: 100,
  revocations: 3,
  hashSeconds: 0.5,
};

/** One line of a results table. */
export interface Row {
  db: DbKind;
  /** Scenario number and name from issue 8, e.g. "1 sign-in". */
  scenario: string;
  /** What was called, e.g. "POST /api/auth/sign-in/email". */
  what: string;
  server: string;
  tool: string;
  conns: number | null;
  result: LoadResult | null;
  /** Peak VmRSS (MB) of the measured server's processes during the run (largest process). */
  rssMB: number | null;
  /** Server CPU time (all its measured processes) per expected-status response, in microseconds. */
  cpuUsPerReq?: number;
  /** Share of the machine's CPU (all cores) that processes not started by the bench used during the run. */
  othersPct?: number;
  /** Gatehouse/stock ratio of req/s, when the row has a stock twin. */
  ratio?: number;
  note?: string;
  /** Set when the scenario could not run: the row says why instead of showing a number. */
  unavailable?: string;
}

/** A target from issue 8, judged from this run's numbers. */
export interface Check {
  db: DbKind;
  target: string;
  measured: string;
  /** null: could not be judged (scenario not available). */
  met: boolean | null;
}

export interface Ctx {
  mode: Mode;
  db: DbKind;
  gatehouse: Service;
  stock: Service;
  backend: Service | null;
  /** Why the backend scenarios cannot run, when `backend` is null. */
  backendWhyNot: string | null;
  rows: Row[];
  checks: Check[];
  log(message: string): void;
}

export const AUTOCANNON = "autocannon";

export const MB = (kib: number): number => (kib * 1024) / 1e6;

/** Runs one load against `service` (warm-up first), sampling its processes' RSS, and records a row. */
export async function measure(
  ctx: Ctx,
  service: Service,
  row: Pick<Row, "scenario" | "what" | "note">,
  load: LoadOptions,
): Promise<Row> {
  service.proc.assertAlive();
  if (ctx.mode.warmupS > 0) await runLoad({ ...load, durationS: ctx.mode.warmupS });
  const pids = [...service.memoryPids().keys()];
  const sampler = new RssSampler(() => pids);
  const cpuBefore = pids.reduce((ms, pid) => ms + cpuMsOf(pid), 0);
  const machineBefore = machineBusyMs();
  const oursBefore = ourCpuMs();
  const wallBefore = performance.now();
  sampler.start();
  const result = await runLoad(load);
  const wallMs = performance.now() - wallBefore;
  // Processes that exited during the run take their CPU time with them; clamp at zero.
  const othersMs = Math.max(0, machineBusyMs() - machineBefore - (ourCpuMs() - oursBefore));
  const peaks = sampler.stop();
  const cpuMs = pids.reduce((ms, pid) => ms + cpuMsOf(pid), 0) - cpuBefore;
  service.proc.assertAlive();
  const rssMiB = Math.max(0, ...peaks.values());
  const out: Row = {
    db: ctx.db,
    ...row,
    server: service.name,
    tool: AUTOCANNON,
    conns: load.connections,
    result,
    rssMB: rssMiB > 0 ? MB(rssMiB * 1024) : null,
    cpuUsPerReq: result.ok > 0 ? (cpuMs * 1000) / result.ok : undefined,
    othersPct: (100 * othersMs) / (wallMs * cpus().length),
  };
  ctx.rows.push(out);
  const fmt = (n: number): string => (Number.isFinite(n) ? n.toFixed(1) : "-");
  ctx.log(
    `  ${service.name.padEnd(9)} ${row.what} c=${load.connections}: ${fmt(result.rps)} req/s, p50 ${fmt(result.p50)} p95 ${fmt(result.p95)} p99 ${fmt(result.p99)} ms, CPU ${out.cpuUsPerReq?.toFixed(0) ?? "-"} µs/req, errors ${result.errors}${result.errors > 0 ? ` ${JSON.stringify(result.statuses)}` : ""}, peak RSS ${out.rssMB?.toFixed(0) ?? "-"} MB, others ${out.othersPct?.toFixed(0)}% CPU`,
  );
  return out;
}

/** A row that says why a scenario did not run, never a number. */
export function unavailableRow(ctx: Ctx, scenario: string, what: string, server: string, reason: string): void {
  ctx.rows.push({
    db: ctx.db,
    scenario,
    what,
    server,
    tool: "-",
    conns: null,
    result: null,
    rssMB: null,
    unavailable: reason,
  });
  ctx.log(`  ${scenario} ${what}: not available: ${reason}`);
}
