import { createGatehouseUser, createTasks, jwtFor, signIn, statusWith } from "../client.js";
import { type Ctx, measure, type Row, unavailableRow } from "../model.js";
import { userEmail } from "./sign-in.js";

const API = "3 backend API";
const TASKS = "4 backend tasks";
const CONNS = 50;
const TASK_COUNT = 20;

/**
 * Scenarios 3 and 4: the FastAPI backend (2 uvicorn workers) answering `/api/v1/health`
 * (unprotected), `/api/v1/auth/me` with a JWT and with an opaque Bearer session token, at 50
 * connections and at many; then `GET /api/v1/tasks` (20 tasks, JWT). The backend has no stock twin.
 */
export async function backendScenarios(ctx: Ctx): Promise<void> {
  ctx.log(`${API} / ${TASKS}`);
  const backend = ctx.backend;
  if (!backend) {
    const why = ctx.backendWhyNot ?? "backend not started";
    for (const what of ["GET /api/v1/health", "GET /api/v1/auth/me (JWT)", "GET /api/v1/auth/me (opaque Bearer)"])
      unavailableRow(ctx, API, what, "backend", why);
    unavailableRow(ctx, TASKS, "GET /api/v1/tasks (JWT, 20 tasks)", "backend", why);
    ctx.checks.push({
      db: ctx.db,
      target: "backend targets (scenarios 3, 4)",
      measured: `not available: ${why}`,
      met: null,
    });
    return;
  }
  // A user of its own, so the 20 tasks are the only ones it lists.
  const email = userEmail(1000);
  await createGatehouseUser(ctx.gatehouse.url, email);
  const opaque = await signIn(ctx.gatehouse.url, email);
  const jwt = await jwtFor(ctx.gatehouse.url, opaque);
  for (const [label, cred] of [
    ["JWT", jwt],
    ["opaque", opaque],
  ] as const) {
    const status = await statusWith(`${backend.url}/api/v1/auth/me`, cred);
    if (status !== 200) throw new Error(`backend /auth/me with ${label} answered ${status}`);
  }

  const run = (what: string, path: string, conns: number, cred?: string): Promise<Row> =>
    measure(
      ctx,
      backend,
      { scenario: conns === CONNS ? API : `${API} @${conns}`, what },
      {
        url: `${backend.url}${path}`,
        connections: conns,
        durationS: ctx.mode.durationS,
        headers: cred ? { authorization: `Bearer ${cred}` } : {},
        timeoutS: 30,
      },
    );

  const results: Record<string, Row> = {};
  for (const conns of [CONNS, ctx.mode.manyConns]) {
    results[`health${conns}`] = await run("GET /api/v1/health", "/api/v1/health", conns);
    results[`jwt${conns}`] = await run("GET /api/v1/auth/me (JWT)", "/api/v1/auth/me", conns, jwt);
    results[`opaque${conns}`] = await run("GET /api/v1/auth/me (opaque Bearer)", "/api/v1/auth/me", conns, opaque);
  }
  const health = results[`health${CONNS}`]?.result;
  const jwtRes = results[`jwt${CONNS}`]?.result;
  const opaqueRes = results[`opaque${CONNS}`]?.result;
  if (health && jwtRes && opaqueRes) {
    const r1 = results[`jwt${CONNS}`] as Row;
    const r2 = results[`opaque${CONNS}`] as Row;
    r1.ratio = jwtRes.rps / health.rps;
    r1.note = "ratio against /health";
    r2.ratio = opaqueRes.rps / health.rps;
    r2.note = "ratio against /health";
    ctx.checks.push({
      db: ctx.db,
      target: "backend /auth/me with JWT ≥ 0.9× /health req/s",
      measured: `${r1.ratio.toFixed(2)}× (${jwtRes.rps.toFixed(0)} vs ${health.rps.toFixed(0)} req/s)`,
      met: r1.ratio >= 0.9,
    });
    ctx.checks.push({
      db: ctx.db,
      target: "backend /auth/me with opaque token ≥ 0.6× /health req/s",
      measured: `${r2.ratio.toFixed(2)}× (${opaqueRes.rps.toFixed(0)} vs ${health.rps.toFixed(0)} req/s)`,
      met: r2.ratio >= 0.6,
    });
  }
  const many = ctx.mode.manyConns;
  const manyRows = ["health", "jwt", "opaque"].map((k) => results[`${k}${many}`]);
  const manyErrors = manyRows.reduce((n, r) => n + (r?.result?.errors ?? 0), 0);
  const jwtMany = results[`jwt${many}`]?.result;
  ctx.checks.push({
    db: ctx.db,
    target: `backend: 0 errors at ${many} connections`,
    measured: `${manyErrors} errors; /auth/me JWT p95 ${jwtMany ? jwtMany.p95.toFixed(0) : "-"} ms`,
    met: manyErrors === 0,
  });

  // Scenario 4: a realistic protected read.
  await createTasks(backend.url, jwt, TASK_COUNT);
  const list = (await (
    await fetch(`${backend.url}/api/v1/tasks`, { headers: { authorization: `Bearer ${jwt}` } })
  ).json()) as { count?: number; data?: unknown[] };
  if (list.data?.length !== TASK_COUNT)
    throw new Error(`expected ${TASK_COUNT} tasks, got ${JSON.stringify(list).slice(0, 200)}`);
  const tasks = await measure(
    ctx,
    backend,
    { scenario: TASKS, what: "GET /api/v1/tasks (JWT, 20 tasks)" },
    {
      url: `${backend.url}/api/v1/tasks`,
      connections: CONNS,
      durationS: ctx.mode.durationS,
      headers: { authorization: `Bearer ${jwt}` },
    },
  );
  if (tasks.result && health) {
    tasks.ratio = tasks.result.rps / health.rps;
    tasks.note = "ratio against /health";
  }
}
