import { createGatehouseUser, createTasks, jwtFor, signIn, statusWith } from "../client.js";
import type { LoadOptions } from "../load.js";
import { type Ctx, type Measurement, measure, measureInterleaved, type Row, unavailableRow } from "../model.js";
import { type Service, startPeerBackend } from "../servers.js";
import { userEmail } from "./sign-in.js";

const API = "3 backend API";
const TASKS = "4 backend tasks";
const PEER = "3–4 peer baseline";
const HEALTH = "GET /api/v1/health";
const ME = "/api/v1/auth/me";
const CONNS = 50;
const TASK_COUNT = 20;
// Issue 16's targets: against /health in the same run, and against the peer baseline on the same request.
const JWT_MIN = 0.9;
const OPAQUE_MIN = 0.7;
const TASKS_MIN = 0.5;
const PEER_MIN = 3;
const MANY_P95_MS = 1000;

/**
 * Scenarios 3 and 4: the FastAPI backend (2 uvicorn workers) answering `/api/v1/health` (unprotected),
 * `/api/v1/auth/me` with a JWT and with an opaque Bearer session token, and `GET /api/v1/tasks` (20 tasks,
 * JWT), interleaved at 50 connections with the same three calls on the peer baseline
 * (bench/baseline/peer_backend.py, 2 workers, same database); then /health and /auth/me at many connections.
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

  // Scenario 4's 20 tasks exist before anything is measured, so every row of the 50-connection run is side by side.
  await createTasks(backend.url, jwt, TASK_COUNT);
  const list = (await (
    await fetch(`${backend.url}/api/v1/tasks`, { headers: { authorization: `Bearer ${jwt}` } })
  ).json()) as { count?: number; data?: unknown[] };
  if (list.data?.length !== TASK_COUNT)
    throw new Error(`expected ${TASK_COUNT} tasks, got ${JSON.stringify(list).slice(0, 200)}`);

  const load = (service: Service, path: string, conns: number, cred?: string): LoadOptions => ({
    url: `${service.url}${path}`,
    connections: conns,
    durationS: ctx.mode.durationS,
    headers: cred ? { authorization: `Bearer ${cred}` } : {},
    timeoutS: 30,
  });
  const calls = [
    { key: "jwt", scenario: API, what: "GET /api/v1/auth/me (JWT)", path: ME, cred: jwt, min: JWT_MIN },
    {
      key: "opaque",
      scenario: API,
      what: "GET /api/v1/auth/me (opaque Bearer)",
      path: ME,
      cred: opaque,
      min: OPAQUE_MIN,
    },
    {
      key: "tasks",
      scenario: TASKS,
      what: `GET /api/v1/tasks (JWT, ${TASK_COUNT} tasks)`,
      path: "/api/v1/tasks",
      cred: jwt,
      min: TASKS_MIN,
    },
  ];

  // 50 connections: /health, the three protected calls, and the same three on the peer baseline, interleaved.
  const peer = await startPeer(ctx, [jwt, opaque]);
  const measurements: Measurement[] = [
    { service: backend, row: { scenario: API, what: HEALTH }, load: load(backend, "/api/v1/health", CONNS) },
    ...calls.map((c) => ({
      service: backend,
      row: { scenario: c.scenario, what: c.what },
      load: load(backend, c.path, CONNS, c.cred),
    })),
    ...(peer
      ? calls.map((c) => ({
          service: peer,
          row: { scenario: PEER, what: c.what },
          load: load(peer, c.path, CONNS, c.cred),
        }))
      : []),
  ];
  const rows = await measureInterleaved(ctx, measurements);
  await peer?.proc.stop();
  const health = rows[0]?.result;
  calls.forEach((c, i) => {
    const row = rows[1 + i] as Row;
    const peerRow = peer ? rows[1 + calls.length + i] : undefined;
    if (!health || !row.result) return;
    row.ratio = row.result.rps / health.rps;
    const overPeer = peerRow?.result ? row.result.rps / peerRow.result.rps : null;
    // CPU per request is the steadier measure when other work shares the machine: say it beside the req/s ratio.
    const cpu = (a?: number, b?: number): string => (a && b ? ` (by CPU/req ${(a / b).toFixed(2)}×)` : "");
    row.note =
      `ratio against /health${cpu(rows[0]?.cpuUsPerReq, row.cpuUsPerReq)}` +
      (overPeer === null
        ? ""
        : `; ${overPeer.toFixed(2)}× the peer baseline${cpu(peerRow?.cpuUsPerReq, row.cpuUsPerReq)}`);
    if (peerRow?.result) {
      peerRow.ratio = peerRow.result.rps / health.rps;
      peerRow.note = "ratio against the backend's /health";
    }
    ctx.checks.push({
      db: ctx.db,
      target: `backend ${c.what} ≥ ${c.min}× /health req/s`,
      measured: `${row.ratio.toFixed(2)}× (${row.result.rps.toFixed(0)} vs ${health.rps.toFixed(0)} req/s)`,
      met: row.ratio >= c.min,
    });
    ctx.checks.push({
      db: ctx.db,
      target: `backend ${c.what} ≥ ${PEER_MIN}× the peer baseline`,
      measured:
        overPeer === null || !peerRow?.result
          ? "peer baseline not available"
          : `${overPeer.toFixed(2)}× (${row.result.rps.toFixed(0)} vs ${peerRow.result.rps.toFixed(0)} req/s)`,
      met: overPeer === null ? null : overPeer >= PEER_MIN,
    });
  });

  // Many connections: the same calls on the backend alone, one after another.
  const many = ctx.mode.manyConns;
  const manyRows: Row[] = [];
  for (const c of [{ what: HEALTH, path: "/api/v1/health", cred: undefined }, ...calls.slice(0, 2)])
    manyRows.push(
      await measure(ctx, backend, { scenario: `${API} @${many}`, what: c.what }, load(backend, c.path, many, c.cred)),
    );
  const manyErrors = manyRows.reduce((n, r) => n + (r.result?.errors ?? 0), 0);
  const jwtMany = manyRows[1]?.result;
  ctx.checks.push({
    db: ctx.db,
    target: `backend: 0 errors at ${many} connections`,
    measured: `${manyErrors} errors`,
    met: manyErrors === 0,
  });
  ctx.checks.push({
    db: ctx.db,
    target: `backend /auth/me (JWT) p95 < ${MANY_P95_MS} ms at ${many} connections`,
    measured: jwtMany ? `${jwtMany.p95.toFixed(0)} ms` : "-",
    met: jwtMany ? jwtMany.p95 < MANY_P95_MS : null,
  });
}

/** The peer baseline on the same database, checked to accept the same credentials; null (and a row saying why) if not. */
async function startPeer(ctx: Ctx, creds: string[]): Promise<Service | null> {
  try {
    const peer = await startPeerBackend(ctx.databaseUrl, ctx.gatehouse.url, ctx.db);
    for (const cred of creds) {
      const status = await statusWith(`${peer.url}${ME}`, cred);
      if (status !== 200) throw new Error(`peer baseline /auth/me answered ${status}`);
    }
    const res = await fetch(`${peer.url}/api/v1/tasks`, { headers: { authorization: `Bearer ${creds[0]}` } });
    const page = (await res.json()) as { data?: unknown[] };
    if (page.data?.length !== TASK_COUNT) throw new Error(`peer baseline listed ${page.data?.length} tasks`);
    return peer;
  } catch (err) {
    if (ctx.mode.name === "smoke") throw err;
    unavailableRow(ctx, PEER, "peer baseline", "peer", (err as Error).message.split("\n")[0] ?? "");
    return null;
  }
}
