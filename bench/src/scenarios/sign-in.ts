import { hashPassword as stockHash, verifyPassword as stockVerify } from "better-auth/crypto";
import { createPasswordHasher, hashPassword as gatehouseHash } from "../../../auth-server/src/password.js";
import { createGatehouseUser, createStockUser, PASSWORD } from "../client.js";
import { percentile } from "../load.js";
import { type Ctx, type Measurement, measureInterleaved } from "../model.js";
import type { Service } from "../servers.js";

const SCENARIO = "1 sign-in";

interface HashRate {
  rate: number;
  /** CPU time per verification, microseconds. */
  cpuUs: number;
  p50: number;
  p95: number;
  p99: number;
}

/** Verifications per second with `concurrency` in flight, in this process, for `seconds`. */
async function hashRate(verify: () => Promise<boolean>, concurrency: number, seconds: number): Promise<HashRate> {
  const until = performance.now() + seconds * 1000;
  const cpu0 = process.cpuUsage();
  const times: number[] = [];
  const worker = async (): Promise<void> => {
    while (performance.now() < until) {
      const t = performance.now();
      if (!(await verify())) throw new Error("hash verification failed");
      times.push(performance.now() - t);
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const sorted = Float64Array.from(times).sort();
  const cpu = process.cpuUsage(cpu0);
  return {
    rate: times.length / ((performance.now() - started) / 1000),
    // This process does nothing else meanwhile: its CPU time is the hashing (all libuv threads).
    cpuUs: (cpu.user + cpu.system) / Math.max(1, times.length),
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
  };
}

/** Email of bench user `i` on a server. */
export const userEmail = (i: number): string => `bench-user-${i}@example.com`;

/** Creates the bench users on both servers (Gatehouse: verified through the mailed link). */
export async function createUsers(ctx: Ctx): Promise<void> {
  for (let i = 0; i < ctx.mode.users; i++) {
    await createStockUser(ctx.stock.url, userEmail(i));
    await createGatehouseUser(ctx.gatehouse.url, userEmail(i));
  }
}

/**
 * Scenario 1: email+password sign-in at 8 and 16 connections on both servers, taking turns in
 * slices, each request for the next of the bench users; plus the raw password-hash rate of each server's
 * algorithm measured in this process at the same concurrency.
 */
export async function signInScenario(ctx: Ctx): Promise<void> {
  ctx.log(`${SCENARIO}`);
  const body = (): (() => string) => {
    let n = 0;
    return () => JSON.stringify({ email: userEmail(n++ % ctx.mode.users), password: PASSWORD });
  };
  const signIn = (service: Service, conns: number): Measurement => ({
    service,
    row: { scenario: SCENARIO, what: "POST /api/auth/sign-in/email" },
    load: {
      url: `${service.url}/api/auth/sign-in/email`,
      method: "POST",
      // Each server's own origin, which better-auth trusts (see client.ts).
      headers: { origin: new URL(service.url).origin },
      connections: conns,
      durationS: ctx.mode.signInS,
      body: body(),
      timeoutS: 30,
    },
  });

  const [lo, hi] = ctx.mode.signInConns;
  const argonHash = await gatehouseHash(PASSWORD);
  const argon = createPasswordHasher(async () => {});
  const argonRate = () =>
    hashRate(() => argon.verify({ hash: argonHash, password: PASSWORD }), hi, ctx.mode.hashSeconds);
  const rawAround: HashRate[] = [];
  const results: Record<string, { gh: number; stock: number; ghP95: number; ghCpuUs: number }> = {};
  for (const conns of [lo, hi]) {
    // The raw hash rate is taken right before and right after the runs at `hi`, so the "share of
    // the raw rate" compares numbers from the same minutes of machine time.
    if (conns === hi) rawAround.push(await argonRate());
    const [st, gh] = await measureInterleaved(ctx, [signIn(ctx.stock, conns), signIn(ctx.gatehouse, conns)]);
    if (conns === hi) rawAround.push(await argonRate());
    if (gh?.result && st?.result && st.result.rps > 0) {
      gh.ratio = gh.result.rps / st.result.rps;
      results[conns] = { gh: gh.result.rps, stock: st.result.rps, ghP95: gh.result.p95, ghCpuUs: gh.cpuUsPerReq ?? 0 };
    }
  }

  // Raw hash rates, in this process, at the largest sign-in concurrency.
  const mean = (k: keyof HashRate): number => rawAround.reduce((n, r) => n + r[k], 0) / rawAround.length;
  const raw: HashRate = {
    rate: mean("rate"),
    cpuUs: mean("cpuUs"),
    p50: mean("p50"),
    p95: mean("p95"),
    p99: mean("p99"),
  };
  const scryptHash = await stockHash(PASSWORD);
  const rawStock = await hashRate(
    () => stockVerify({ hash: scryptHash, password: PASSWORD }),
    hi,
    ctx.mode.hashSeconds,
  );
  for (const [server, r, algo, note] of [
    [
      "Gatehouse",
      raw,
      "argon2id m=19456 t=2 p=1 (@node-rs/argon2)",
      `hashes/s, no HTTP; mean of ${rawAround.map((x) => x.rate.toFixed(1)).join(" and ")}/s measured right before and after Gatehouse's ${hi}-connection run`,
    ],
    ["stock", rawStock, "scrypt N=16384 r=16 p=1 (better-auth default)", "hashes/s, no HTTP"],
  ] as const) {
    ctx.rows.push({
      db: ctx.db,
      scenario: SCENARIO,
      what: `raw password verify: ${algo}`,
      server,
      tool: "in-process loop",
      conns: hi,
      result: {
        connections: hi,
        durationS: ctx.mode.hashSeconds,
        ok: 0,
        errors: 0,
        rps: r.rate,
        p50: r.p50,
        p95: r.p95,
        p99: r.p99,
        statuses: {},
      },
      cpuUsPerReq: r.cpuUs,
      rssMB: null,
      note,
    });
    ctx.log(`  raw ${server} verify: ${r.rate.toFixed(1)}/s, CPU ${r.cpuUs.toFixed(0)} µs each`);
  }

  const atHi = results[hi];
  const atLo = results[lo];
  if (atHi) {
    ctx.checks.push({
      db: ctx.db,
      target: `sign-in req/s ≥ 3× stock at ${hi} connections`,
      measured: `${(atHi.gh / atHi.stock).toFixed(2)}× (${atHi.gh.toFixed(1)} vs ${atHi.stock.toFixed(1)} req/s)`,
      met: atHi.gh >= 3 * atHi.stock,
    });
    ctx.checks.push({
      db: ctx.db,
      target: `sign-in ≥ 80% of the raw argon2id verify rate (${hi} in flight)`,
      measured: `${((100 * atHi.gh) / raw.rate).toFixed(0)}% (${atHi.gh.toFixed(1)} of ${raw.rate.toFixed(1)}/s); by CPU per sign-in: ${((100 * raw.cpuUs) / atHi.ghCpuUs).toFixed(0)}% (${(raw.cpuUs / 1000).toFixed(1)} of ${(atHi.ghCpuUs / 1000).toFixed(1)} ms is the hash)`,
      met: atHi.gh >= 0.8 * raw.rate,
    });
  }
  if (atLo) {
    ctx.checks.push({
      db: ctx.db,
      target: `sign-in p95 < 500 ms at ${lo} connections`,
      measured: `${atLo.ghP95.toFixed(0)} ms`,
      met: atLo.ghP95 < 500,
    });
  }
}
