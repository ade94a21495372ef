import { signIn } from "../client.js";
import { type Ctx, type Measurement, measureInterleaved, type Row } from "../model.js";
import { userEmail } from "./sign-in.js";

const SCENARIO = "2 session check";
const CONNS = 50;
/** better-auth's session cookie on a plain-HTTP base URL (both servers use the default name). */
const SESSION_COOKIE = "better-auth.session_token";

type Credential = "Bearer" | "cookie";

/**
 * Scenario 2: the auth server answering "who is this?" where real clients ask it — better-auth's
 * `GET /api/auth/get-session` (the official client's `useSession`, Gatehouse's web app) — at 50
 * connections, with a Bearer token and with the session cookie, stock and Gatehouse side by side.
 */
export async function sessionCheckScenario(ctx: Ctx): Promise<void> {
  ctx.log(SCENARIO);
  const stockToken = await signIn(ctx.stock.url, userEmail(0));
  const ghToken = await signIn(ctx.gatehouse.url, userEmail(0));
  const check = (service: Ctx["gatehouse"], token: string, how: Credential): Measurement => ({
    service,
    row: { scenario: SCENARIO, what: `GET /api/auth/get-session (${how})` },
    load: {
      url: `${service.url}/api/auth/get-session`,
      connections: CONNS,
      durationS: ctx.mode.durationS,
      headers: how === "Bearer" ? { authorization: `Bearer ${token}` } : { cookie: `${SESSION_COOKIE}=${token}` },
    },
  });
  const rows = (await measureInterleaved(ctx, [
    check(ctx.stock, stockToken, "Bearer"),
    check(ctx.gatehouse, ghToken, "Bearer"),
    check(ctx.stock, stockToken, "cookie"),
    check(ctx.gatehouse, ghToken, "cookie"),
  ])) as [Row, Row, Row, Row];
  for (const [how, stock, gatehouse] of [
    ["Bearer", rows[0], rows[1]],
    ["cookie", rows[2], rows[3]],
  ] as const) {
    if (!stock.result?.rps || !gatehouse.result) continue;
    gatehouse.ratio = gatehouse.result.rps / stock.result.rps;
    ctx.checks.push({
      db: ctx.db,
      target: `get-session (${how}) req/s ≥ 10× stock get-session at 50 connections`,
      measured: `${gatehouse.ratio.toFixed(1)}× (${gatehouse.result.rps.toFixed(0)} vs ${stock.result.rps.toFixed(0)} req/s)`,
      met: gatehouse.ratio >= 10,
    });
    ctx.checks.push({
      db: ctx.db,
      target: `get-session (${how}) p95 < 20 ms at 50 connections`,
      measured: `${gatehouse.result.p95.toFixed(1)} ms`,
      met: gatehouse.result.p95 < 20,
    });
  }
}
