/**
 * `npm run profile -w bench -- --path /api/auth/me [--db sqlite|postgres] [--conns 50] [--seconds 10]`
 * Runs the Gatehouse auth server's compiled build (build it first) under `node --cpu-prof`, loads one endpoint with a signed-in
 * user's Bearer token (or signs in, for --path /api/auth/sign-in/email), stops the server and prints
 * the functions with the most self time and the packages they live in. The .cpuprofile stays in
 * bench/.work/profile/ for Chrome DevTools.
 */
import { readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { createGatehouseUser, PASSWORD, signIn } from "./client.js";
import { runLoad } from "./load.js";
import { freePort, startProcess, stopAll, WORK_DIR } from "./proc.js";
import { type DbKind, openDatabases, REPO_ROOT, SECRET } from "./servers.js";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? (process.argv[i + 1] as string) : fallback;
}

/** Self time per function and per package, from a V8 .cpuprofile. */
function summarise(file: string, top = 30): string {
  const prof = JSON.parse(readFileSync(file, "utf8")) as { nodes: ProfileNode[]; samples: number[] };
  const total = prof.samples.length;
  const byFn = new Map<string, number>();
  const byPkg = new Map<string, number>();
  for (const n of prof.nodes) {
    const hits = n.hitCount ?? 0;
    if (!hits) continue;
    const url = n.callFrame.url;
    const pkg = url.includes("node_modules/")
      ? (url
          .split("node_modules/")
          .pop()
          ?.split("/")
          .slice(0, url.includes("node_modules/@") ? 2 : 1)
          .join("/") ?? url)
      : url.startsWith("node:")
        ? url
        : url.includes("/auth-server/")
          ? "auth-server"
          : url || `(${n.callFrame.functionName || "native"})`;
    const fn = `${n.callFrame.functionName || "(anonymous)"} ${url.split("/").slice(-2).join("/")}:${n.callFrame.lineNumber + 1}`;
    byFn.set(fn, (byFn.get(fn) ?? 0) + hits);
    byPkg.set(pkg, (byPkg.get(pkg) ?? 0) + hits);
  }
  const pct = (h: number): string => `${((100 * h) / total).toFixed(1).padStart(5)}%`;
  const lines = [`${total} samples`, "", "self time by package:"];
  for (const [k, v] of [...byPkg].sort((a, b) => b[1] - a[1]).slice(0, 15)) lines.push(`${pct(v)}  ${k}`);
  lines.push("", "self time by function:");
  for (const [k, v] of [...byFn].sort((a, b) => b[1] - a[1]).slice(0, top)) lines.push(`${pct(v)}  ${k}`);
  return lines.join("\n");
}

async function main(): Promise<void> {
  const path = arg("path", "/api/auth/me");
  const db = arg("db", "sqlite") as DbKind;
  const conns = Number(arg("conns", "50"));
  const seconds = Number(arg("seconds", "10"));
  const outDir = join(WORK_DIR, "profile");
  rmSync(outDir, { recursive: true, force: true });
  rmSync(join(WORK_DIR, "profile-db"), { recursive: true, force: true });
  const databases = await openDatabases(db, join(WORK_DIR, "profile-db"));
  try {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const proc = await startProcess({
      name: "gatehouse-profile",
      command: process.execPath,
      // The compiled build, as production and `make bench` run it (`npm run build -w auth-server`).
      args: ["--cpu-prof", "--cpu-prof-dir", outDir, "dist/index.js"],
      cwd: join(REPO_ROOT, "auth-server"),
      env: {
        PATH: process.env.PATH ?? "",
        DATABASE_URL: databases.gatehouseUrl,
        BETTER_AUTH_SECRET: SECRET,
        BETTER_AUTH_URL: url,
        PORT: String(port),
        HOST: "127.0.0.1",
        EMAIL_TRANSPORT: "outbox",
        NODE_ENV: "test",
        LOG_LEVEL: "warn",
      },
      logFile: join(WORK_DIR, "gatehouse-profile.log"),
      readyUrl: `${url}/health`,
    });
    const email = "profile@example.com";
    await createGatehouseUser(url, email);
    const token = await signIn(url, email);
    const signingIn = path.includes("sign-in");
    const result = await runLoad({
      url: `${url}${path}`,
      method: signingIn ? "POST" : "GET",
      connections: conns,
      durationS: seconds,
      headers: signingIn ? {} : { authorization: `Bearer ${token}` },
      body: signingIn ? JSON.stringify({ email, password: PASSWORD }) : undefined,
      timeoutS: 30,
    });
    process.stdout.write(
      `${path} c=${conns}: ${result.rps.toFixed(1)} req/s p50 ${result.p50.toFixed(1)} p95 ${result.p95.toFixed(1)} ms errors ${result.errors}\n`,
    );
    await proc.stop(20_000);
    const file = readdirSync(outDir).find((f) => f.endsWith(".cpuprofile"));
    if (!file) throw new Error("no .cpuprofile written");
    process.stdout.write(`${summarise(join(outDir, file))}\n\nprofile: ${join(outDir, file)}\n`);
  } finally {
    await stopAll();
    await databases.stop();
  }
}

await main();
