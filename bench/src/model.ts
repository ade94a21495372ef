import { cpus } from "node:os";
import { setTimeout as sleep } from "node:timers/promises";
import type { LoadResult } from "./load.js";
import { type LoadOptions, percentile, runLoad } from "./load.js";
import { cpuMsOf, machineBusyMs, ourCpuMs, RssSampler } from "./proc.js";
import type { DbKind, Service } from "./servers.js";

/** How long things run: the full benchmark, or the smoke mode that only proves the harness works. */
export interface Mode {
  name: "full" | "smoke";
  /** Seconds of each measured load run. */
  durationS: number;
  /** Seconds of each sign-in run (stock needs over a second per sign-in at 16 connections). */
  signInS: number;
  /** Slices each measured run is cut into when servers take turns (see measureInterleaved). */
  slices: number;
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
  slices: 4,
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
  slices: 1,
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
  /** Gatehouse's database (the backend and the peer baseline share it). */
  databaseUrl: string;
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

/** One measurement to take: which server, what the row says, and the load. */
export interface Measurement {
  service: Service;
  row: Pick<Row, "scenario" | "what" | "note">;
  load: LoadOptions;
}

/** What one slice of a run leaves behind, to be added up. */
interface Slice {
  result: LoadResult;
  cpuMs: number;
  wallMs: number;
  othersMs: number;
  peakMiB: number;
}

async function runSlice(m: Measurement, durationS: number): Promise<Slice> {
  m.service.proc.assertAlive();
  const pids = [...m.service.memoryPids().keys()];
  const sampler = new RssSampler(() => pids);
  const cpuBefore = pids.reduce((ms, pid) => ms + cpuMsOf(pid), 0);
  const machineBefore = machineBusyMs();
  const oursBefore = ourCpuMs();
  const wallBefore = performance.now();
  sampler.start();
  const result = await runLoad({ ...m.load, durationS });
  const wallMs = performance.now() - wallBefore;
  // Processes that exited during the run take their CPU time with them; clamp at zero.
  const othersMs = Math.max(0, machineBusyMs() - machineBefore - (ourCpuMs() - oursBefore));
  const peaks = sampler.stop();
  const cpuMs = pids.reduce((ms, pid) => ms + cpuMsOf(pid), 0) - cpuBefore;
  m.service.proc.assertAlive();
  await settle(pids);
  return { result, cpuMs, wallMs, othersMs, peakMiB: Math.max(0, ...peaks.values()) };
}

/**
 * Waits (up to 5 s) until the server has finished the requests still in flight when the load
 * stopped — a stock sign-in takes seconds — so that work does not land on the next server's slice.
 */
async function settle(pids: number[]): Promise<void> {
  const cpu = (): number => pids.reduce((ms, pid) => ms + cpuMsOf(pid), 0);
  const until = performance.now() + 5000;
  let last = cpu();
  while (performance.now() < until) {
    await sleep(100);
    const now = cpu();
    if (now - last < 10) return;
    last = now;
  }
}

/** Adds up the slices of one measurement into the numbers of a single run. */
function combine(slices: Slice[]): Slice {
  const all = slices.map((x) => x.result);
  const sorted = Float64Array.from(all.flatMap((r) => Array.from(r.latencies ?? []))).sort();
  const statuses: Record<string, number> = {};
  for (const r of all) for (const [k, v] of Object.entries(r.statuses)) statuses[k] = (statuses[k] ?? 0) + v;
  const ok = all.reduce((n, r) => n + r.ok, 0);
  const durationS = all.reduce((n, r) => n + r.durationS, 0);
  return {
    result: {
      connections: all[0]?.connections ?? 0,
      durationS,
      ok,
      errors: all.reduce((n, r) => n + r.errors, 0),
      rps: ok / durationS,
      p50: percentile(sorted, 50),
      p95: percentile(sorted, 95),
      p99: percentile(sorted, 99),
      statuses,
    },
    cpuMs: slices.reduce((n, x) => n + x.cpuMs, 0),
    wallMs: slices.reduce((n, x) => n + x.wallMs, 0),
    othersMs: slices.reduce((n, x) => n + x.othersMs, 0),
    peakMiB: Math.max(0, ...slices.map((x) => x.peakMiB)),
  };
}

/**
 * Runs several measurements interleaved: each gets its warm-up, then the run time is cut into
 * `ctx.mode.slices` slices taken in turns (A B, B A, A B, …), so background load that comes and goes
 * during a run falls on every server alike. Records one row per measurement.
 */
export async function measureInterleaved(ctx: Ctx, ms: Measurement[]): Promise<Row[]> {
  if (ctx.mode.warmupS > 0) for (const m of ms) await runLoad({ ...m.load, durationS: ctx.mode.warmupS });
  const slices: Slice[][] = ms.map(() => []);
  const n = ctx.mode.slices;
  for (let i = 0; i < n; i++) {
    const order = i % 2 === 0 ? ms.map((_, j) => j) : ms.map((_, j) => ms.length - 1 - j);
    for (const j of order) {
      const m = ms[j] as Measurement;
      (slices[j] as Slice[]).push(await runSlice(m, m.load.durationS / n));
    }
  }
  return ms.map((m, j) => record(ctx, m, combine(slices[j] as Slice[])));
}

/** Runs one load against a server (warm-up first) and records its row. */
export async function measure(
  ctx: Ctx,
  service: Service,
  row: Pick<Row, "scenario" | "what" | "note">,
  load: LoadOptions,
): Promise<Row> {
  const [out] = await measureInterleaved(ctx, [{ service, row, load }]);
  return out as Row;
}

function record(ctx: Ctx, m: Measurement, x: Slice): Row {
  const { result } = x;
  const out: Row = {
    db: ctx.db,
    ...m.row,
    server: m.service.name,
    tool: AUTOCANNON,
    conns: m.load.connections,
    result,
    rssMB: x.peakMiB > 0 ? MB(x.peakMiB * 1024) : null,
    cpuUsPerReq: result.ok > 0 ? (x.cpuMs * 1000) / result.ok : undefined,
    othersPct: (100 * x.othersMs) / (x.wallMs * cpus().length),
  };
  ctx.rows.push(out);
  const fmt = (v: number): string => (Number.isFinite(v) ? v.toFixed(1) : "-");
  ctx.log(
    `  ${m.service.name.padEnd(9)} ${m.row.what} c=${m.load.connections}: ${fmt(result.rps)} req/s, p50 ${fmt(result.p50)} p95 ${fmt(result.p95)} p99 ${fmt(result.p99)} ms, CPU ${out.cpuUsPerReq?.toFixed(0) ?? "-"} µs/req, errors ${result.errors}${result.errors > 0 ? ` ${JSON.stringify(result.statuses)}` : ""}, peak RSS ${out.rssMB?.toFixed(0) ?? "-"} MB, others ${out.othersPct?.toFixed(0)}% CPU`,
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
