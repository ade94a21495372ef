import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
// @ts-expect-error -- plain ESM script shared with the backend's tests, no type declarations.
import { freePort } from "../../../scripts/embedded-pg.mjs";
import { TEST_SECRET } from "../harness.js";
import { stopProcess, untilHealthy } from "./wait.js";

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
  await untilHealthy(proc, url, 60_000, "stock better-auth", () => out);
  return {
    url,
    output: () => out,
    stop: () => stopProcess(proc),
  };
}
