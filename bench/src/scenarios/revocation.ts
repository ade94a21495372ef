import { setTimeout as sleep } from "node:timers/promises";
import { jwtFor, signIn, statusWith } from "../client.js";
import { percentile } from "../load.js";
import { type Ctx, MB, unavailableRow } from "../model.js";
import { memoryOf } from "../proc.js";
import { type Service, startBackend } from "../servers.js";
import { userEmail } from "./sign-in.js";

const SCENARIO = "5 revocation";
const WHAT = "sign-out → JWT refused by both workers";
/** A revocation not seen by then counts as missed; the scenario stays bounded. */
const GIVE_UP_MS = 3000;
const BUDGET_MS = 30_000;
/** Of the budget, at most this much goes to creating the sessions (four sign-ins at a time). */
const PREPARE_MS = 15_000;

/** Milliseconds from `since` until `url` refuses `jwt` (401), or Infinity after GIVE_UP_MS. */
async function refusedAfter(url: string, jwt: string, since: number): Promise<number> {
  while (performance.now() - since < GIVE_UP_MS) {
    if ((await statusWith(url, jwt)) === 401) return performance.now() - since;
    await sleep(5);
  }
  return Number.POSITIVE_INFINITY;
}

/**
 * Scenario 5: how long after a sign-out on the auth server both backend workers (two separate
 * uvicorn processes, so each is polled on its own) refuse the signed-out session's JWT.
 */
export async function revocationScenario(ctx: Ctx, authUrlForBackend: string, databaseUrl: string): Promise<void> {
  ctx.log(SCENARIO);
  if (!ctx.backend) {
    const why = ctx.backendWhyNot ?? "backend not started";
    unavailableRow(ctx, SCENARIO, WHAT, "backend", why);
    ctx.checks.push({ db: ctx.db, target: "revocation p99 ≤ 1 s", measured: `not available: ${why}`, met: null });
    return;
  }
  const workers: Service[] = [];
  try {
    for (const n of [1, 2]) workers.push(await startBackend(databaseUrl, authUrlForBackend, `${ctx.db}-rev${n}`, 1));
    const email = userEmail(0);
    const started = performance.now();
    // Phase 1, untimed for the result: the sessions to revoke, each with a JWT both workers accept.
    const sessions: Array<{ bearer: string; jwt: string }> = [];
    const prepareOne = async (): Promise<void> => {
      const bearer = await signIn(ctx.gatehouse.url, email);
      const jwt = await jwtFor(ctx.gatehouse.url, bearer);
      for (const w of workers) {
        const status = await statusWith(`${w.url}/api/v1/auth/me`, jwt);
        if (status !== 200) throw new Error(`${w.proc.name} refused a live JWT (${status})`);
      }
      sessions.push({ bearer, jwt });
    };
    const prepare = async (): Promise<void> => {
      while (sessions.length < ctx.mode.revocations && performance.now() - started < PREPARE_MS) await prepareOne();
    };
    // The first one alone: each fresh worker fetches the JWKS on its first JWT, and concurrent first
    // requests would meet the backend's cold-cache 401 (see PROFILE.md), which is not what this measures.
    await prepareOne();
    await Promise.all([prepare(), prepare(), prepare(), prepare()]);
    // Phase 2: one revocation at a time, each timed until both workers refuse its JWT.
    const times: number[] = [];
    let missed = 0;
    const peak = new Map<number, number>();
    for (const { bearer, jwt } of sessions.slice(0, ctx.mode.revocations)) {
      if (performance.now() - started > BUDGET_MS) break;
      const t0 = performance.now();
      const out = await fetch(`${ctx.gatehouse.url}/api/auth/sign-out`, {
        method: "POST",
        headers: {
          authorization: `Bearer ${bearer}`,
          origin: "http://127.0.0.1:5173",
          "content-type": "application/json",
        },
        body: "{}",
      });
      await out.arrayBuffer();
      if (!out.ok) throw new Error(`sign-out answered ${out.status}`);
      const each = await Promise.all(workers.map((w) => refusedAfter(`${w.url}/api/v1/auth/me`, jwt, t0)));
      const worst = Math.max(...each);
      if (Number.isFinite(worst)) times.push(worst);
      else missed++;
      for (const w of workers) {
        const rss = memoryOf(w.proc.pid).rssMiB;
        if (rss > (peak.get(w.proc.pid) ?? 0)) peak.set(w.proc.pid, rss);
      }
    }
    const sorted = Float64Array.from([...times, ...Array(missed).fill(Number.POSITIVE_INFINITY)]).sort();
    const n = sorted.length;
    const p99 = percentile(sorted, 99);
    ctx.rows.push({
      db: ctx.db,
      scenario: SCENARIO,
      what: WHAT,
      server: "backend ×2",
      tool: "fetch poll every 5 ms",
      conns: null,
      result: {
        connections: 2,
        durationS: (performance.now() - started) / 1000,
        ok: times.length,
        errors: missed,
        rps: Number.NaN,
        p50: percentile(sorted, 50),
        p95: percentile(sorted, 95),
        p99,
        statuses: {},
      },
      rssMB: peak.size > 0 ? MB(Math.max(...peak.values()) * 1024) : null,
      note: `${n} revocations; errors = not refused within ${GIVE_UP_MS} ms`,
    });
    ctx.log(
      `  ${n} revocations: p50 ${percentile(sorted, 50).toFixed(1)} ms, p99 ${p99.toFixed(1)} ms, missed ${missed}`,
    );
    ctx.checks.push({
      db: ctx.db,
      target: "revocation p99 ≤ 1 s (2 backend workers)",
      measured: Number.isFinite(p99)
        ? `${p99.toFixed(0)} ms over ${n}`
        : `> ${GIVE_UP_MS} ms (${missed} of ${n} missed)`,
      met: p99 <= 1000,
    });
  } catch (err) {
    unavailableRow(ctx, SCENARIO, WHAT, "backend ×2", (err as Error).message.split("\n")[0] as string);
    ctx.checks.push({ db: ctx.db, target: "revocation p99 ≤ 1 s", measured: "harness error (see row)", met: null });
    if (ctx.mode.name === "smoke") throw err;
  } finally {
    await Promise.all(workers.map((w) => w.proc.stop()));
  }
}
