import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
// @ts-expect-error -- plain ESM script shared with the backend's tests, no type declarations.
import { freePort } from "../../../scripts/embedded-pg.mjs";
import { TEST_SECRET } from "../harness.js";

const BENCH_DIR = fileURLToPath(new URL("../../../bench", import.meta.url));

/** A running stock better-auth 1.7.25 server (bench/baseline/server.ts). */
export interface StockServer {
  url: string;
  output(): string;
  stop(): Promise<void>;
}

/**
 * Starts the stock better-auth server of bench/baseline/ (bearer, jwt and, with `admin`, the admin
 * plugin; its own migrations) on a free 127.0.0.1 port over `databaseUrl`, and waits for /health.
 */
export async function startStockServer(databaseUrl: string, { admin = true } = {}): Promise<StockServer> {
  const port = (await freePort()) as number;
  const url = `http://127.0.0.1:${port}`;
  let out = "";
  const proc: ChildProcess = spawn(process.execPath, ["--import", "tsx", "baseline/server.ts"], {
    cwd: BENCH_DIR,
    env: {
      PATH: process.env.PATH,
      NODE_ENV: "test",
      PORT: String(port),
      HOST: "127.0.0.1",
      DATABASE_URL: databaseUrl,
      BETTER_AUTH_SECRET: TEST_SECRET,
      BETTER_AUTH_URL: url,
      BASELINE_ADMIN: admin ? "1" : "0",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  proc.stdout?.on("data", (d) => {
    out += String(d);
  });
  proc.stderr?.on("data", (d) => {
    out += String(d);
  });
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`stock better-auth exited early:\n${out}`);
    try {
      if ((await fetch(`${url}/health`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      proc.kill("SIGKILL");
      throw new Error(`stock better-auth did not start in 60 s:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    output: () => out,
    async stop() {
      if (proc.exitCode !== null) return;
      const exited = new Promise((r) => proc.once("exit", r));
      proc.kill("SIGTERM");
      const timer = setTimeout(() => proc.kill("SIGKILL"), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
