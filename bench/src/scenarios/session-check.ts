import { signIn } from "../client.js";
import { type Ctx, type Measurement, measureInterleaved, type Row } from "../model.js";
import { userEmail } from "./sign-in.js";

const SCENARIO = "2 session check";
const CONNS = 50;

/**
 * Scenario 2: the auth server answering "who is this Bearer token?" at 50 connections: stock and
 * Gatehouse `get-session`, and Gatehouse's `GET /api/auth/me`.
 */
export async function sessionCheckScenario(ctx: Ctx): Promise<void> {
  ctx.log(SCENARIO);
  const stockToken = await signIn(ctx.stock.url, userEmail(0));
  const ghToken = await signIn(ctx.gatehouse.url, userEmail(0));
  const check = (service: Ctx["gatehouse"], path: string, token: string): Measurement => ({
    service,
    row: { scenario: SCENARIO, what: `GET ${path} (Bearer)` },
    load: {
      url: `${service.url}${path}`,
      connections: CONNS,
      durationS: ctx.mode.durationS,
      headers: { authorization: `Bearer ${token}` },
    },
  });
  const [stock, ghGetSession, me] = (await measureInterleaved(ctx, [
    check(ctx.stock, "/api/auth/get-session", stockToken),
    check(ctx.gatehouse, "/api/auth/get-session", ghToken),
    check(ctx.gatehouse, "/api/auth/me", ghToken),
  ])) as [Row, Row, Row];
  if (!stock.result?.rps || !me.result || !ghGetSession.result) return;
  ghGetSession.ratio = ghGetSession.result.rps / stock.result.rps;
  me.ratio = me.result.rps / stock.result.rps;
  me.note = "ratio against stock get-session";
  ctx.checks.push({
    db: ctx.db,
    target: "session check (Gatehouse /me) req/s ≥ 10× stock get-session at 50 connections",
    measured: `${me.ratio.toFixed(1)}× (${me.result.rps.toFixed(0)} vs ${stock.result.rps.toFixed(0)} req/s)`,
    met: me.ratio >= 10,
  });
  ctx.checks.push({
    db: ctx.db,
    target: "session check p95 < 20 ms at 50 connections",
    measured: `${me.result.p95.toFixed(1)} ms`,
    met: me.result.p95 < 20,
  });
}
